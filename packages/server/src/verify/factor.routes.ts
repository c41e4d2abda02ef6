import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import { invalidTwilioParameter } from '../errors/authy-error.js';
import type { ApiGate } from '../http/route.js';
import { DisplayText } from '../http/schemas.js';
import { addVerifyRoute } from '../http/twilio-route.js';
import type { CodeOutcome, FactorService } from './factor.service.js';
import { challengeDocument, entityDocument, factorDocument, newFactorDocument } from './factor-documents.js';
import { NullableString, Paging, pageMetaSchema, Sid, Time } from './verify.routes.js';
import { type DocumentContext, pageMeta, pageStart } from './verify-documents.js';
import { notFound, type VerifyServices } from './verify-service.service.js';
import { isSid } from './verify-sid.js';

export interface FactorRouteDeps {
  readonly services: VerifyServices;
  readonly factors: FactorService;
  /** `PUBLIC_URL`: the resources' `url`s and the pages' links start with it. */
  readonly publicUrl: string;
}

/** Twilio's identity rule: 8 to 64 of letters, digits, `-` and `_` (no PII: the app's own id for its user). */
const IDENTITY = /^[A-Za-z0-9_-]{8,64}$/;
const Identity = Type.String({ pattern: IDENTITY.source, description: 'The app’s id for its user' });
const ServiceParams = Type.Object({ ServiceSid: Sid('VA', 'The service SID') });
const EntityParams = Type.Object({ ServiceSid: Sid('VA', 'The service SID'), Identity });
const FactorParams = Type.Object({
  ServiceSid: Sid('VA', 'The service SID'),
  Identity,
  Sid: Sid('YF', 'The factor SID'),
});
const ChallengeParams = Type.Object({
  ServiceSid: Sid('VA', 'The service SID'),
  Identity,
  Sid: Sid('YC', 'The challenge SID'),
});
const Code = Type.String({ pattern: '^[0-9]{3,8}$', description: 'The TOTP code the user typed' });
const FactorName = DisplayText(64, 1);

const EntityDocument = Type.Object({
  sid: Type.String(),
  identity: Type.String(),
  account_sid: Type.String(),
  service_sid: Type.String(),
  date_created: Time,
  date_updated: Time,
  url: Type.String(),
  links: Type.Object({ factors: Type.String(), challenges: Type.String() }),
});
const Alg = Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')]);
const FactorFields = {
  sid: Type.String(),
  account_sid: Type.String(),
  service_sid: Type.String(),
  entity_sid: Type.String(),
  identity: Type.String(),
  date_created: Time,
  date_updated: Time,
  friendly_name: Type.String(),
  status: Type.Union([Type.Literal('unverified'), Type.Literal('verified')]),
  factor_type: Type.Literal('totp'),
  config: Type.Object({
    alg: Alg,
    skew: Type.Integer(),
    code_length: Type.Integer(),
    time_step: Type.Integer(),
  }),
  metadata: Type.Null(),
  url: Type.String(),
};
const FactorDocument = Type.Object(FactorFields);
const NewFactorDocument = Type.Object({
  ...FactorFields,
  binding: Type.Object({
    secret: Type.String({ description: 'The seed in base32: shown in this answer only' }),
    uri: Type.String({
      description: 'The `otpauth://totp/…` URI for an authenticator app: shown in this answer only',
    }),
  }),
  options: Type.Null(),
});
const ChallengeDocument = Type.Object({
  sid: Type.String(),
  account_sid: Type.String(),
  service_sid: Type.String(),
  entity_sid: Type.String(),
  identity: Type.String(),
  factor_sid: Type.String(),
  date_created: Time,
  date_updated: Time,
  date_responded: Type.Union([Time, Type.Null()]),
  expiration_date: Time,
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('expired')]),
  responded_reason: Type.Null(),
  details: Type.Null(),
  hidden_details: Type.Null(),
  metadata: Type.Null(),
  factor_type: Type.Literal('totp'),
  url: NullableString,
  links: Type.Object({ notifications: Type.String() }),
});

/** R84: a wrong or replayed TOTP code is a failed login, though Twilio answers it 200. */
function logOutcome(request: FastifyRequest, outcome: CodeOutcome | undefined): void {
  if (outcome === undefined || outcome === 'accepted') return;
  request.log.warn(
    {
      event:
        outcome === 'replayed'
          ? 'authn_token_reuse'
          : outcome === 'locked-now'
            ? 'authn_login_lock'
            : 'authn_login_fail',
      status: 200,
      reason: outcome === 'replayed' ? 'TOTP step already accepted' : 'wrong TOTP code',
      ip: request.ip,
    },
    'security event',
  );
}

/**
 * Verify v2 entities, TOTP factors and TOTP challenges (issue 19) under `/v2/Services/{VA}/Entities`, as the
 * `twilio` package calls them. Another account's SIDs, and another entity's, answer as unknown ones (404 /
 * 20404); a malformed SID or identity in a path too.
 */
export function registerFactorRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  deps: FactorRouteDeps,
): void {
  const base = `${deps.publicUrl}/v2`;
  const context = (app: App): DocumentContext => ({ base, accountSid: app.accountSid });
  const { services, factors } = deps;
  const serviceOf = (app: App, sid: string | undefined) => {
    if (sid === undefined || !isSid('VA', sid)) throw notFound(`/Services/${sid ?? ''}`);
    return services.fetch(app.id, sid);
  };
  const entityOf = async (app: App, params: Readonly<Record<string, string>>) => {
    const service = await serviceOf(app, params.ServiceSid);
    const identity = params.Identity ?? '';
    if (!IDENTITY.test(identity)) throw notFound(`/Services/${service.sid}/Entities/${identity}`);
    return { service, entity: await factors.entity(app, service, identity) };
  };
  const sidOf = (prefix: 'YF' | 'YC', params: Readonly<Record<string, string>>) => {
    const sid = params.Sid ?? '';
    if (!isSid(prefix, sid))
      throw notFound(`/Services/${params.ServiceSid}/Entities/${params.Identity}/${sid}`);
    return sid;
  };
  const entitiesUrl = (sid: string) => `${base}/Services/${sid}/Entities`;

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Entities',
    summary: 'Create an entity (an identity the service already has is answered with its entity)',
    input: Type.Object({ Identity }),
    params: ServiceParams,
    status: 201,
    response: EntityDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      return entityDocument(await factors.createEntity(app, service, input.Identity), context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities',
    summary: 'List the service’s entities, a page at a time',
    input: Paging,
    params: ServiceParams,
    status: 200,
    response: Type.Object({ entities: Type.Array(EntityDocument), meta: pageMetaSchema('entities') }),
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const { after, size } = pageStart(input);
      const page = await factors.pageEntities(app, service, after, size);
      return {
        entities: page.items.map((e) => entityDocument(e, context(app))),
        meta: pageMeta('entities', entitiesUrl(service.sid), input, page.nextAfter),
      };
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity',
    summary: 'Fetch an entity',
    input: Type.Object({}),
    params: EntityParams,
    status: 200,
    response: EntityDocument,
    refusals: [],
    handle: async ({ app, params }) => entityDocument((await entityOf(app, params)).entity, context(app)),
  });

  addVerifyRoute(fastify, gate, {
    method: 'DELETE',
    url: '/Services/:ServiceSid/Entities/:Identity',
    summary: 'Delete an entity with its factors and challenges',
    input: Type.Object({}),
    params: EntityParams,
    status: 204,
    response: null,
    refusals: [],
    handle: async ({ app, params }) => {
      await factors.removeEntity(app, (await entityOf(app, params)).entity);
      return undefined;
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Entities/:Identity/Factors',
    summary:
      'Create a TOTP factor (the entity is made if new): its binding secret and URI are in this answer only',
    input: Type.Object({
      FriendlyName: FactorName,
      FactorType: Type.Literal('totp', {
        description: 'Only `totp` here: push factors are made by a device',
      }),
      'Config.Alg': Type.Optional(Alg),
      'Config.CodeLength': Type.Optional(Type.Integer({ minimum: 6, maximum: 8 })),
      'Config.TimeStep': Type.Optional(Type.Integer({ minimum: 20, maximum: 60 })),
      'Config.Skew': Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    }),
    params: EntityParams,
    status: 201,
    response: NewFactorDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const identity = params.Identity ?? '';
      if (!IDENTITY.test(identity))
        throw invalidTwilioParameter('Identity', 'must be 8 to 64 of A-Z a-z 0-9 - _');
      const entity = await factors.createEntity(app, service, identity);
      const made = await factors.createTotp(app, service, entity, input.FriendlyName, {
        alg: input['Config.Alg'],
        codeLength: input['Config.CodeLength'],
        timeStep: input['Config.TimeStep'],
        skew: input['Config.Skew'],
      });
      return newFactorDocument(made, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity/Factors',
    summary: 'List the entity’s factors, a page at a time (never their binding)',
    input: Paging,
    params: EntityParams,
    status: 200,
    response: Type.Object({ factors: Type.Array(FactorDocument), meta: pageMetaSchema('factors') }),
    refusals: [],
    handle: async ({ input, app, params }) => {
      const { service, entity } = await entityOf(app, params);
      const { after, size } = pageStart(input);
      const page = await factors.pageFactors(app, entity, after, size);
      return {
        factors: page.items.map((f) => factorDocument(f, context(app))),
        meta: pageMeta(
          'factors',
          `${entitiesUrl(service.sid)}/${encodeURIComponent(entity.identity)}/Factors`,
          input,
          page.nextAfter,
        ),
      };
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity/Factors/:Sid',
    summary: 'Fetch a factor (never its binding)',
    input: Type.Object({}),
    params: FactorParams,
    status: 200,
    response: FactorDocument,
    refusals: [],
    handle: async ({ app, params }) => {
      const { entity } = await entityOf(app, params);
      return factorDocument(await factors.factor(app, entity, sidOf('YF', params)), context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Entities/:Identity/Factors/:Sid',
    summary:
      'Update a factor: rename it, or verify it with a code (`AuthPayload`; a wrong one leaves it `unverified`; each step is accepted once)',
    input: Type.Object({ AuthPayload: Type.Optional(Code), FriendlyName: Type.Optional(FactorName) }),
    params: FactorParams,
    status: 200,
    response: FactorDocument,
    refusals: [{ code: '60202' }],
    handle: async ({ input, app, params, request }) => {
      const { entity } = await entityOf(app, params);
      const updated = await factors.updateFactor(app, entity, sidOf('YF', params), {
        friendlyName: input.FriendlyName,
        authPayload: input.AuthPayload,
      });
      logOutcome(request, updated.outcome);
      return factorDocument(updated.factor, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'DELETE',
    url: '/Services/:ServiceSid/Entities/:Identity/Factors/:Sid',
    summary: 'Delete a factor and its challenges',
    input: Type.Object({}),
    params: FactorParams,
    status: 204,
    response: null,
    refusals: [],
    handle: async ({ app, params }) => {
      const { entity } = await entityOf(app, params);
      await factors.removeFactor(app, entity, sidOf('YF', params));
      return undefined;
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Entities/:Identity/Challenges',
    summary:
      'Challenge a verified TOTP factor with a code (`AuthPayload`): `approved` for a right code of a step not accepted before, else `pending`',
    input: Type.Object({ FactorSid: Type.String({ pattern: '^YF[0-9a-f]{32}$' }), AuthPayload: Code }),
    params: EntityParams,
    status: 201,
    response: ChallengeDocument,
    refusals: [{ code: '60202' }],
    handle: async ({ input, app, params, request }) => {
      const { entity } = await entityOf(app, params);
      const made = await factors.challenge(app, entity, input.FactorSid, input.AuthPayload);
      logOutcome(request, made.outcome);
      return challengeDocument(made.challenge, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity/Challenges',
    summary: 'List the entity’s challenges, a page at a time (by factor and status if given)',
    input: Type.Object({
      ...Paging.properties,
      FactorSid: Type.Optional(Type.String({ pattern: '^YF[0-9a-f]{32}$' })),
      Status: Type.Optional(
        Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('expired')]),
      ),
    }),
    params: EntityParams,
    status: 200,
    response: Type.Object({ challenges: Type.Array(ChallengeDocument), meta: pageMetaSchema('challenges') }),
    refusals: [],
    handle: async ({ input, app, params }) => {
      const { service, entity } = await entityOf(app, params);
      const { after, size } = pageStart(input);
      const page = await factors.pageChallenges(
        app,
        entity,
        { factorSid: input.FactorSid, status: input.Status },
        after,
        size,
      );
      return {
        challenges: page.items.map((c) => challengeDocument(c, context(app))),
        meta: pageMeta(
          'challenges',
          `${entitiesUrl(service.sid)}/${encodeURIComponent(entity.identity)}/Challenges`,
          input,
          page.nextAfter,
        ),
      };
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity/Challenges/:Sid',
    summary: 'Fetch a challenge',
    input: Type.Object({}),
    params: ChallengeParams,
    status: 200,
    response: ChallengeDocument,
    refusals: [],
    handle: async ({ app, params }) => {
      const { entity } = await entityOf(app, params);
      return challengeDocument(await factors.fetchChallenge(app, entity, sidOf('YC', params)), context(app));
    },
  });
}
