import { displayTextProblem } from '@countersign/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import { invalidTwilioParameter } from '../errors/authy-error.js';
import type { ApiGate } from '../http/route.js';
import { DisplayText } from '../http/schemas.js';
import { addVerifyRoute } from '../http/twilio-route.js';
import { ACCESS_TOKEN_TTL, type CodeOutcome, type FactorService } from './factor.service.js';
import {
  accessTokenDocument,
  challengeDocument,
  entityDocument,
  factorDocument,
  newFactorDocument,
  notificationDocument,
} from './factor-documents.js';
import { NullableString, Paging, pageMetaSchema, Sid, Time } from './verify.routes.js';
import { type DocumentContext, pageMeta, pageStart } from './verify-documents.js';
import type { ChallengeField } from './verify-factor.js';
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
const FactorSid = Type.String({ pattern: '^YF[0-9a-f]{32}$' });
const ChallengeStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('denied'),
  Type.Literal('expired'),
]);
/** A push challenge's fields at most, and their sizes (Twilio's limits). */
const MAX_FIELDS = 20;
const FIELD_LABEL = 36;
const FIELD_VALUE = 128;
const MESSAGE = 256;

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
  factor_type: Type.Union([Type.Literal('totp'), Type.Literal('push')]),
  config: Type.Union([
    Type.Object({
      alg: Alg,
      skew: Type.Integer(),
      code_length: Type.Integer(),
      time_step: Type.Integer(),
    }),
    Type.Object(
      {
        sdk_version: Type.Null(),
        app_id: Type.Null(),
        notification_platform: Type.Literal('none'),
        notification_token: Type.Null(),
      },
      { description: 'A push factor: a device of the authenticator or `countersign device`' },
    ),
  ]),
  metadata: Type.Null(),
  url: Type.String(),
};
const FactorDocument = Type.Object(FactorFields);
const NewFactorDocument = Type.Object({
  ...FactorFields,
  factor_type: Type.Literal('totp'),
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
  status: ChallengeStatus,
  responded_reason: Type.Null(),
  details: Type.Union([
    Type.Null(),
    Type.Object(
      {
        message: Type.String(),
        fields: Type.Array(Type.Object({ label: Type.String(), value: Type.String() })),
        date: Time,
      },
      { description: 'A push challenge’s message and fields, as the device shows them' },
    ),
  ]),
  hidden_details: Type.Union([Type.Null(), Type.Record(Type.String(), Type.String())]),
  metadata: Type.Null(),
  factor_type: Type.Union([Type.Literal('totp'), Type.Literal('push')]),
  url: NullableString,
  links: Type.Object({ notifications: Type.String() }),
});
const AccessTokenDocument = Type.Object({
  sid: Type.String(),
  account_sid: Type.String(),
  service_sid: Type.String(),
  entity_identity: Type.String(),
  factor_type: Type.Literal('push'),
  factor_friendly_name: NullableString,
  token: Type.Union([Type.String(), Type.Null()], {
    description:
      'The enrollment link (single use, `ttl` seconds) the authenticator or `countersign device enroll` opens; in the create answer only',
  }),
  url: Type.String(),
  ttl: Type.Integer(),
  date_created: Time,
});
const NotificationDocument = Type.Object({
  sid: Type.String(),
  account_sid: Type.String(),
  service_sid: Type.String(),
  entity_sid: Type.String(),
  identity: Type.String(),
  challenge_sid: Type.String(),
  priority: Type.Literal('high'),
  ttl: Type.Integer(),
  date_created: Time,
});

const isDisplayText = (text: string) => displayTextProblem(text) === undefined;

/** `Details.Fields` as the package sends it: each field a JSON object `{label, value}`, one form value each. */
function readFields(raw: string | readonly string[] | undefined): ChallengeField[] {
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  if (values.length > MAX_FIELDS)
    throw invalidTwilioParameter('Details.Fields', `must hold at most ${MAX_FIELDS} fields`);
  return values.map((text) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidTwilioParameter('Details.Fields', 'each field must be a JSON object {label, value}');
    }
    const { label, value } = (parsed ?? {}) as { label?: unknown; value?: unknown };
    if (
      typeof label !== 'string' ||
      typeof value !== 'string' ||
      label.length === 0 ||
      label.length > FIELD_LABEL ||
      value.length > FIELD_VALUE ||
      !isDisplayText(label) ||
      !isDisplayText(value)
    )
      throw invalidTwilioParameter(
        'Details.Fields',
        `each field needs a label (1 to ${FIELD_LABEL}) and a value (at most ${FIELD_VALUE}) of display text`,
      );
    return { label, value };
  });
}

/** `HiddenDetails`: a JSON object of strings (Twilio's rule; the app's own, never shown to the device). */
function readHiddenDetails(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidTwilioParameter('HiddenDetails', 'must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalidTwilioParameter('HiddenDetails', 'must be a JSON object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw invalidTwilioParameter('HiddenDetails', 'values must be strings');
    out[key] = value;
  }
  return out;
}

/** An ISO 8601 time the package sends (`ExpirationDate`), in ms. */
function readTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(ms))
    throw invalidTwilioParameter('ExpirationDate', 'must be an ISO 8601 date and time');
  return ms;
}

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
      'Challenge a factor. A TOTP factor with a code (`AuthPayload`): `approved` for a right code of a step not accepted before, else `pending`. A push factor with `Details.Message` (and `Details.Fields`, `HiddenDetails`, `ExpirationDate`): an approval request to its device, `pending` until answered or expired',
    input: Type.Object({
      FactorSid,
      AuthPayload: Type.Optional(Code),
      'Details.Message': Type.Optional(DisplayText(MESSAGE, 1)),
      'Details.Fields': Type.Optional(
        Type.Union([Type.String({ maxLength: 1024 }), Type.Array(Type.String({ maxLength: 1024 }))], {
          description: 'Each a JSON object `{"label","value"}`, shown under the message',
        }),
      ),
      HiddenDetails: Type.Optional(
        Type.String({ maxLength: 1024, description: 'A JSON object of strings, never shown to the device' }),
      ),
      ExpirationDate: Type.Optional(
        Type.String({
          maxLength: 40,
          description: 'ISO 8601; five minutes from now unless given, an hour at most',
        }),
      ),
    }),
    params: EntityParams,
    status: 201,
    response: ChallengeDocument,
    refusals: [{ code: '60202' }],
    handle: async ({ input, app, params, request }) => {
      const { entity } = await entityOf(app, params);
      if (input.AuthPayload !== undefined) {
        const made = await factors.challenge(app, entity, input.FactorSid, input.AuthPayload);
        logOutcome(request, made.outcome);
        return challengeDocument(made.challenge, context(app));
      }
      const message = input['Details.Message'];
      if (message === undefined)
        throw invalidTwilioParameter(
          'Details.Message',
          'is required for a push factor (or AuthPayload for totp)',
        );
      const challenge = await factors.pushChallenge(app, entity, input.FactorSid, {
        message,
        fields: readFields(input['Details.Fields']),
        hiddenDetails: readHiddenDetails(input.HiddenDetails),
        expiresAt: readTime(input.ExpirationDate),
      });
      return challengeDocument(challenge, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Entities/:Identity/Challenges',
    summary: 'List the entity’s challenges, a page at a time (by factor and status if given)',
    input: Type.Object({
      ...Paging.properties,
      FactorSid: Type.Optional(FactorSid),
      Status: Type.Optional(ChallengeStatus),
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

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Entities/:Identity/Challenges/:Sid/Notifications',
    summary:
      'Send a pending push challenge’s push again (an expired one is 403 / 60323, an answered one 400 / 60200)',
    input: Type.Object({
      Ttl: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 300, description: 'Seconds; 300 unless given' }),
      ),
    }),
    params: ChallengeParams,
    status: 201,
    response: NotificationDocument,
    refusals: [{ code: '60323' }],
    handle: async ({ input, app, params }) => {
      const { entity } = await entityOf(app, params);
      const notification = await factors.notify(app, entity, sidOf('YC', params), input.Ttl ?? 300);
      return notificationDocument(notification, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/AccessTokens',
    summary:
      'Create an access token for a push factor: `token` is an enrollment link (single use, `Ttl` seconds) for the entity (made if new); the device that enrolls with it becomes a `verified` push factor',
    input: Type.Object({
      Identity: Type.String({ maxLength: 64 }),
      FactorType: Type.Literal('push', { description: 'Only `push`' }),
      FactorFriendlyName: Type.Optional(FactorName),
      Ttl: Type.Optional(
        Type.Integer({
          minimum: ACCESS_TOKEN_TTL.min,
          maximum: ACCESS_TOKEN_TTL.max,
          description: `Seconds; ${ACCESS_TOKEN_TTL.default} unless given`,
        }),
      ),
    }),
    params: ServiceParams,
    status: 201,
    response: AccessTokenDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      if (!IDENTITY.test(input.Identity))
        throw invalidTwilioParameter('Identity', 'must be 8 to 64 of A-Z a-z 0-9 - _');
      const made = await factors.createAccessToken(app, service, input.Identity, {
        friendlyName: input.FactorFriendlyName,
        ttl: input.Ttl,
      });
      return accessTokenDocument(made.token, made.link, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/AccessTokens/:Sid',
    summary:
      'Fetch an access token (its `token` is `null`: the link is shown once, and stored as a digest only)',
    input: Type.Object({}),
    params: Type.Object({ ServiceSid: Sid('VA', 'The service SID'), Sid: Sid('YK', 'The access token SID') }),
    status: 200,
    response: AccessTokenDocument,
    refusals: [],
    handle: async ({ app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const sid = params.Sid ?? '';
      if (!isSid('YK', sid)) throw notFound(`/Services/${service.sid}/AccessTokens/${sid}`);
      return accessTokenDocument(await factors.accessToken(app, service, sid), null, context(app));
    },
  });
}
