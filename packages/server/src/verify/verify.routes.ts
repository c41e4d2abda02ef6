import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { App } from '../apps/app.js';
import { invalidTwilioParameter } from '../errors/authy-error.js';
import type { ApiGate } from '../http/route.js';
import { DisplayText } from '../http/schemas.js';
import { addVerifyRoute } from '../http/twilio-route.js';
import type { VerificationService } from './verification.service.js';
import {
  type DocumentContext,
  pageMeta,
  pageStart,
  serviceDocument,
  verificationCheckDocument,
  verificationDocument,
} from './verify-documents.js';
import type { VerifyServiceChanges } from './verify-service.js';
import { notFound, type VerifyServices } from './verify-service.service.js';
import { isSid } from './verify-sid.js';

export interface VerifyRouteDeps {
  readonly services: VerifyServices;
  readonly verifications: VerificationService;
  /** `PUBLIC_URL`: the resources' `url`s and the pages' links start with it. */
  readonly publicUrl: string;
}

const Flag = Type.Boolean();
const CredentialSid = Type.String({ pattern: '^CR[0-9a-f]{32}$' });

/** The settings a create or an update may give, as the `twilio` package names them (dotted PascalCase). */
const SETTINGS = {
  CodeLength: Type.Optional(Type.Integer({ minimum: 4, maximum: 10 })),
  LookupEnabled: Type.Optional(Flag),
  SkipSmsToLandlines: Type.Optional(Flag),
  DoNotShareWarningEnabled: Type.Optional(Flag),
  CustomCodeEnabled: Type.Optional(Flag),
  'Push.IncludeDate': Type.Optional(Flag),
  'Push.ApnCredentialSid': Type.Optional(CredentialSid),
  'Push.FcmCredentialSid': Type.Optional(CredentialSid),
  'Totp.Issuer': Type.Optional(DisplayText(255, 1)),
  'Totp.TimeStep': Type.Optional(Type.Integer({ minimum: 20, maximum: 60 })),
  'Totp.CodeLength': Type.Optional(Type.Integer({ minimum: 3, maximum: 8 })),
  'Totp.Skew': Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
};
/** A service's name is in every code it sends: display text (D11), 30 characters as Twilio allows. */
const FriendlyName = DisplayText(30, 1);
const ServiceSettings = Type.Object({ FriendlyName: Type.Optional(FriendlyName), ...SETTINGS });
const NewService = Type.Object({ FriendlyName, ...SETTINGS });

function changesOf(input: Static<typeof ServiceSettings>): VerifyServiceChanges {
  return {
    friendlyName: input.FriendlyName,
    codeLength: input.CodeLength,
    lookupEnabled: input.LookupEnabled,
    skipSmsToLandlines: input.SkipSmsToLandlines,
    doNotShareWarningEnabled: input.DoNotShareWarningEnabled,
    customCodeEnabled: input.CustomCodeEnabled,
    pushIncludeDate: input['Push.IncludeDate'],
    pushApnCredentialSid: input['Push.ApnCredentialSid'],
    pushFcmCredentialSid: input['Push.FcmCredentialSid'],
    totpIssuer: input['Totp.Issuer'],
    totpTimeStep: input['Totp.TimeStep'],
    totpCodeLength: input['Totp.CodeLength'],
    totpSkew: input['Totp.Skew'],
  };
}

/** A SID in a path, as the OpenAPI document shows it. */
export const Sid = (prefix: string, what: string) =>
  Type.String({
    description: `${what} (\`${prefix}\` and 32 hex digits)`,
    examples: [`${prefix}${'0'.repeat(32)}`],
  });
const ServiceParams = Type.Object({ ServiceSid: Sid('VA', 'The service SID') });
const VerificationParams = Type.Object({
  ServiceSid: Sid('VA', 'The service SID'),
  Sid: Type.String({
    description: 'The verification SID (`VE…`), or the `To` number of its newest verification',
  }),
});
/** The paging query of a list, as the `twilio` package sends it. */
export const Paging = Type.Object({
  PageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  Page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  PageToken: Type.Optional(Type.String({ pattern: '^PA[0-9]{1,15}$' })),
});

/** Twilio's time format in a response. */
export const Time = Type.String({ format: 'date-time' });
export const NullableString = Type.Union([Type.String(), Type.Null()]);
const ServiceDocument = Type.Object({
  sid: Type.String(),
  account_sid: Type.String(),
  friendly_name: Type.String(),
  code_length: Type.Integer(),
  lookup_enabled: Type.Boolean(),
  psd2_enabled: Type.Literal(false),
  skip_sms_to_landlines: Type.Boolean(),
  dtmf_input_required: Type.Literal(false),
  tts_name: Type.Null(),
  do_not_share_warning_enabled: Type.Boolean(),
  custom_code_enabled: Type.Boolean(),
  push: Type.Object({
    include_date: Type.Boolean(),
    apn_credential_sid: NullableString,
    fcm_credential_sid: NullableString,
  }),
  totp: Type.Object({
    issuer: NullableString,
    time_step: Type.Integer(),
    code_length: Type.Integer(),
    skew: Type.Integer(),
  }),
  default_template_sid: Type.Null(),
  verify_event_subscription_enabled: Type.Literal(false),
  date_created: Time,
  date_updated: Time,
  url: Type.String(),
  links: Type.Object({
    verification_checks: Type.String(),
    verifications: Type.String(),
    entities: Type.String(),
  }),
});
const Status = Type.Union(
  ['pending', 'approved', 'canceled', 'max_attempts_reached', 'expired'].map((s) => Type.Literal(s)),
);
const VerificationCommon = {
  sid: Type.String(),
  service_sid: Type.String(),
  account_sid: Type.String(),
  to: Type.String(),
  channel: Type.Union([Type.Literal('sms'), Type.Literal('call')]),
  status: Status,
  valid: Type.Boolean(),
  amount: Type.Null(),
  payee: Type.Null(),
  date_created: Time,
  date_updated: Time,
};
const VerificationDocument = Type.Object({
  ...VerificationCommon,
  lookup: Type.Object({
    carrier: Type.Optional(
      Type.Object({
        error_code: Type.Null(),
        name: Type.Null(),
        mobile_country_code: Type.Null(),
        mobile_network_code: Type.Null(),
        type: NullableString,
      }),
    ),
  }),
  send_code_attempts: Type.Array(
    Type.Object({ attempt_sid: Type.String(), channel: Type.String(), time: Time }),
  ),
  sna: Type.Null(),
  url: Type.String(),
});
const CheckDocument = Type.Object({
  ...VerificationCommon,
  sna_attempts_error_codes: Type.Array(Type.Never()),
});
/** A page's `meta` of the list whose items are under `key`. */
export const pageMetaSchema = (key: string) =>
  Type.Object({
    page: Type.Integer(),
    page_size: Type.Integer(),
    first_page_url: Type.String(),
    previous_page_url: Type.Null(),
    url: Type.String(),
    next_page_url: NullableString,
    key: Type.Literal(key),
  });
const PageMeta = pageMetaSchema('services');

/**
 * The Twilio Verify v2 API under `/v2` (issue 19, first slice): services, verifications and checks, as the
 * `twilio` npm package calls them. HTTP Basic auth with the app's Account SID and API key; Twilio's envelope
 * on every refusal; another account's SIDs answer exactly as unknown ones (404 / 20404).
 */
export function registerVerifyRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  deps: VerifyRouteDeps,
): void {
  const base = `${deps.publicUrl}/v2`;
  const context = (app: App): DocumentContext => ({ base, accountSid: app.accountSid });
  const { services, verifications } = deps;
  /** The app's service named in the path: a malformed SID is as unknown as another account's. */
  const serviceOf = (app: App, sid: string | undefined) => {
    if (sid === undefined || !isSid('VA', sid)) throw notFound(`/Services/${sid ?? ''}`);
    return services.fetch(app.id, sid);
  };
  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services',
    summary: 'Create a Verify service',
    input: NewService,
    params: Type.Object({}),
    status: 201,
    response: ServiceDocument,
    refusals: [],
    handle: async ({ input, app }) =>
      serviceDocument(await services.create(app.id, input.FriendlyName, changesOf(input)), context(app)),
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services',
    summary: 'List the account’s Verify services, a page at a time',
    input: Paging,
    params: Type.Object({}),
    status: 200,
    response: Type.Object({ services: Type.Array(ServiceDocument), meta: PageMeta }),
    refusals: [],
    handle: async ({ input, app }) => {
      const { after, size } = pageStart(input);
      const page = await services.page(app.id, after, size);
      return {
        services: page.services.map((s) => serviceDocument(s, context(app))),
        meta: pageMeta('services', `${base}/Services`, input, page.nextAfter),
      };
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid',
    summary: 'Fetch a Verify service',
    input: Type.Object({}),
    params: ServiceParams,
    status: 200,
    response: ServiceDocument,
    refusals: [],
    handle: async ({ app, params }) => serviceDocument(await serviceOf(app, params.ServiceSid), context(app)),
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid',
    summary: 'Update a Verify service',
    input: ServiceSettings,
    params: ServiceParams,
    status: 200,
    response: ServiceDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      return serviceDocument(await services.update(app.id, service.sid, changesOf(input)), context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'DELETE',
    url: '/Services/:ServiceSid',
    summary: 'Delete a Verify service and its verifications',
    input: Type.Object({}),
    params: ServiceParams,
    status: 204,
    response: null,
    refusals: [],
    handle: async ({ app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      await services.remove(app.id, service.sid);
      return undefined;
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Verifications',
    summary: 'Send a code by SMS or voice (a pending verification of the number is sent again)',
    input: Type.Object({
      To: Type.String({ maxLength: 32, description: 'E.164' }),
      Channel: Type.Union([Type.Literal('sms'), Type.Literal('call')]),
      Locale: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z]{2,4})?$' })),
      CustomFriendlyName: Type.Optional(FriendlyName),
    }),
    params: ServiceParams,
    status: 201,
    response: VerificationDocument,
    refusals: [{ code: '60203' }, { code: '60212' }, { code: '60205' }, { code: '60013' }, { code: '60015' }],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const verification = await verifications.start(app, service, {
        to: input.To,
        channel: input.Channel,
        customFriendlyName: input.CustomFriendlyName,
      });
      return verificationDocument(verification, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Verifications/:Sid',
    summary: 'Fetch a verification by its SID or by its number',
    input: Type.Object({}),
    params: VerificationParams,
    status: 200,
    response: VerificationDocument,
    refusals: [],
    handle: async ({ app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      return verificationDocument(await verifications.fetch(app, service, params.Sid ?? ''), context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Verifications/:Sid',
    summary: 'Cancel or approve a pending verification',
    input: Type.Object({ Status: Type.Union([Type.Literal('canceled'), Type.Literal('approved')]) }),
    params: VerificationParams,
    status: 200,
    response: VerificationDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const updated = await verifications.update(app, service, params.Sid ?? '', input.Status);
      return verificationDocument(updated, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/VerificationCheck',
    summary: 'Check a code (five checks per verification; a right code is accepted once)',
    input: Type.Object({
      Code: Type.String({ pattern: '^[0-9]{4,10}$' }),
      To: Type.Optional(Type.String({ maxLength: 32 })),
      VerificationSid: Type.Optional(Type.String({ pattern: '^VE[0-9a-f]{32}$' })),
    }),
    params: ServiceParams,
    status: 200,
    response: CheckDocument,
    refusals: [{ code: '60202' }],
    handle: async ({ input, app, params, request }) => {
      const service = await serviceOf(app, params.ServiceSid);
      if (input.To === undefined && input.VerificationSid === undefined) {
        throw invalidTwilioParameter('To', 'either To or VerificationSid is required');
      }
      const checked = await verifications.check(
        app,
        service,
        { to: input.To, verificationSid: input.VerificationSid },
        input.Code,
      );
      if (checked.status !== 'approved') {
        // R84: a wrong code is a failed login, though Twilio answers it 200 (the fifth spends the verification).
        request.log.warn(
          {
            event: checked.status === 'max_attempts_reached' ? 'authn_login_fail_max' : 'authn_login_fail',
            status: 200,
            reason: 'wrong verification code',
            ip: request.ip,
          },
          'security event',
        );
      }
      return verificationCheckDocument(checked, context(app));
    },
  });
}
