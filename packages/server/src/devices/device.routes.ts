import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import { HISTORY_DAYS } from '../approvals/approval.service.js';
import { type App, USER_VERIFICATION } from '../apps/app.js';
import { AuthyError } from '../errors/authy-error.js';
import type { EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import type { FairShares } from '../http/in-flight-limit.js';
import { bodyOf, queryOf } from '../http/request-input.js';
import {
  BODY_REFUSALS,
  type DocumentedResponse,
  PATH_REFUSALS,
  type Refusal,
  refusal,
  responses,
  success,
  TRANSPORT_REFUSALS,
} from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayText, UserIdParams } from '../http/schemas.js';
import type { AdmissionService, AdmissionView } from './admission.service.js';
import type { AnsweringService, HistoryCursor, HistoryEntry } from './answering.service.js';
import type { Device, DeviceRequest } from './device.js';
import { PLATFORMS } from './device.js';
import type { DeviceService } from './device.service.js';
import type { EnrollmentService } from './enrollment.service.js';
import type { UserVerificationService } from './user-verification.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: a device signs these bytes. */
    rawBody?: string;
  }
}

const KEEP_ALIVE_MS = 15_000;
const B64U = '^[A-Za-z0-9_-]+$';

const Enrollment = {
  public_key: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 10 }),
  name: DisplayText(100, 1),
  platform: Type.Union(PLATFORMS.map((p) => Type.Literal(p))),
  proof: Type.String({ maxLength: 200, pattern: B64U }),
};

/** The headers of a signed device request (docs/device-protocol.md, "Signed requests"). */
const SignedHeaders = Type.Object({
  'countersign-device': Type.String({ description: 'The device id' }),
  'countersign-timestamp': Type.String({ pattern: '^[0-9]{1,15}$', description: 'Unix milliseconds' }),
  'countersign-nonce': Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  'countersign-signature': Type.String({ description: 'The device’s signature of the request' }),
});

/** Any refusal of a signed request that does not verify: one answer for every cause (R37). */
const UNSIGNED = refusal('60031', 401);

/**
 * The OpenAPI entry of a device route: no API key; a signed route names its headers; a JSON body, if any;
 * its answer and what it refuses with, besides what any request may be refused with.
 */
function deviceRoute(
  summary: string,
  options: {
    signed?: boolean;
    params?: TSchema;
    query?: TSchema;
    body?: TSchema;
    response: DocumentedResponse;
    refusals?: readonly Refusal[];
  },
): FastifySchema {
  return {
    summary,
    tags: ['device protocol'],
    description: 'Called by the authenticator, not by apps: see docs/device-protocol.md.',
    ...(options.signed === true && { headers: SignedHeaders }),
    ...(options.params !== undefined && { params: options.params }),
    ...(options.query !== undefined && { querystring: options.query }),
    ...(options.body !== undefined && { body: options.body, consumes: ['application/json'] }),
    response: responses(options.response, [
      ...TRANSPORT_REFUSALS,
      ...(options.body !== undefined ? [...BODY_REFUSALS, refusal('60004', 400)] : []),
      ...(options.query !== undefined && options.body === undefined ? [refusal('60004', 400)] : []),
      ...(options.signed === true ? [UNSIGNED] : []),
      ...(options.params !== undefined ? PATH_REFUSALS : []),
      ...(options.refusals ?? []),
    ]),
  };
}

const Time = Type.String({ format: 'date-time' });

/** Base64url text of at most `max` characters: what WebAuthn's JSON forms carry bytes as. */
const Bytes = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: B64U });
const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));
/** A WebAuthn credential's JSON form (`PublicKeyCredential.toJSON()`), with its `response` as given. */
const credentialJson = <R extends TSchema>(response: R) =>
  Type.Object({
    id: Bytes(1400),
    rawId: Bytes(1400),
    type: Type.Literal('public-key'),
    response,
    authenticatorAttachment: Attachment,
    clientExtensionResults: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 10 }),
  });

/** A passkey's assertion over an answer's challenge (docs/device-protocol.md, "User verification"). */
const Assertion = credentialJson(
  Type.Object({
    clientDataJSON: Bytes(4000),
    authenticatorData: Bytes(4000),
    signature: Bytes(800),
    userHandle: Type.Optional(Bytes(200)),
  }),
);

/** A signed document (an answer, an admission), with the passkey's assertion over its hash where asked (D14). */
const signedDocument = bodyOf(
  Type.Object({
    document: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 20 }),
    signature: Type.String({ maxLength: 200 }),
    assertion: Type.Optional(Assertion),
  }),
);

const Registration = credentialJson(
  Type.Object({
    clientDataJSON: Bytes(4000),
    attestationObject: Bytes(8000),
    authenticatorData: Type.Optional(Bytes(8000)),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
    publicKey: Type.Optional(Bytes(2000)),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
  }),
);

/** The assertion as the verifier takes it; extension results are not used, and not passed on. */
function assertionOf(a: Static<typeof Assertion>): AuthenticationResponseJSON {
  return {
    id: a.id,
    rawId: a.rawId,
    type: a.type,
    response: {
      clientDataJSON: a.response.clientDataJSON,
      authenticatorData: a.response.authenticatorData,
      signature: a.response.signature,
      ...(a.response.userHandle !== undefined && { userHandle: a.response.userHandle }),
    },
    ...(a.authenticatorAttachment !== undefined && { authenticatorAttachment: a.authenticatorAttachment }),
    clientExtensionResults: {},
  };
}

function registrationOf(r: Static<typeof Registration>): RegistrationResponseJSON {
  const { transports: _transports, ...response } = r.response;
  return {
    id: r.id,
    rawId: r.rawId,
    type: r.type,
    response,
    ...(r.authenticatorAttachment !== undefined && { authenticatorAttachment: r.authenticatorAttachment }),
    clientExtensionResults: {},
  };
}

/** What a device holds for each app it answers: the app, and the TOTP secret for codes. */
const Accounts = Type.Array(
  Type.Object({
    app_id: Type.Integer(),
    app_name: Type.String(),
    authy_id: Type.Integer(),
    totp: Type.Object({
      secret: Type.String({ pattern: '^[A-Z2-7]+=*$', description: 'Base32' }),
      digits: Type.Integer(),
      period: Type.Integer(),
      algorithm: Type.Literal('SHA1'),
    }),
  }),
);

const Enrolled = Type.Object({
  device_id: Type.String({ format: 'uuid' }),
  accounts: Accounts,
  success: Type.Literal(true),
});

const Done = Type.Object({ success: Type.Literal(true) });

const EVENT_STREAM = (description: string): DocumentedResponse => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string' } } },
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function requestJson(r: DeviceRequest) {
  return {
    uuid: r.uuid,
    app_id: r.appId,
    app_name: r.appName,
    message: r.message,
    details: r.details,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    number_match_required: r.numberMatchRequired,
    nonce: r.nonce,
    user_verification: r.userVerification,
  };
}

/** A page of history, unless the device asks for another size; and the most it may ask for. */
const HISTORY_PAGE = 50;
const HISTORY_MAX_PAGE = 100;
const FINAL_STATUSES = ['approved', 'denied', 'expired'] as const;

/** A history cursor, `CREATED_AT_MS.UUID`, as the query's pattern already checked it. */
function cursorOf(cursor: string): HistoryCursor {
  const dot = cursor.indexOf('.');
  return { createdAt: Number(cursor.slice(0, dot)), uuid: cursor.slice(dot + 1) };
}

function historyJson(entry: HistoryEntry) {
  return {
    uuid: entry.uuid,
    app_id: entry.appId,
    app_name: entry.appName,
    message: entry.message,
    details: entry.details,
    status: entry.status,
    reason: entry.reason,
    created_at: iso(entry.createdAt),
    expires_at: iso(entry.expiresAt),
    answered_at: iso(entry.answeredAt),
    answered_by:
      entry.deviceId === null
        ? null
        : { device_id: entry.deviceId, name: entry.deviceName, current: entry.current },
    receipt: entry.receipt,
  };
}

export interface DeviceRoutesOptions {
  readonly enrollment: EnrollmentService;
  readonly admissions: AdmissionService;
  readonly devices: DeviceService;
  readonly answering: AnsweringService;
  readonly userVerification: UserVerificationService;
  readonly bus: EventBus;
  /** The VAPID public key browsers subscribe with. */
  readonly pushPublicKey: string;
  readonly shares: FairShares;
}

export function registerDeviceRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  options: DeviceRoutesOptions,
): void {
  const { enrollment, devices, answering, bus } = options;
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: ['/protected/json/users/:id/enrollments'],
    summary: 'An enrollment link (and QR code) for one of the app’s users: single use, ten minutes',
    tags: ['devices'],
    params: UserIdParams,
    input: Type.Object({}),
    response: success(
      'A link to open on the phone; the QR code holds the same link',
      Type.Object({
        enrollment: Type.Object({
          url: Type.String({ format: 'uri' }),
          qr_code: Type.String({ pattern: '^data:image/png;base64,', description: 'A PNG as a data URL' }),
          expires_at: Time,
        }),
        success: Type.Literal(true),
      }),
    ),
    refusals: ['60026'],
    handle: async ({ app, params }) => {
      const link = await enrollment.createEnrollmentLink(app, params.id);
      return {
        enrollment: { url: link.url, qr_code: link.qrCode, expires_at: iso(link.expiresAt) },
        success: true,
      };
    },
  });

  /** Verifies the device's signature; from then on the request counts against the device, not its address. */
  const authenticate = async (request: FastifyRequest): Promise<Device> => {
    const device = await devices.authenticate({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.rawBody ?? '',
    });
    options.shares.chargeDevice(request, device.id);
    return device;
  };

  const Token = Type.String({ minLength: 40, maxLength: 100, pattern: B64U });
  const enrollBody = bodyOf(
    Type.Union([
      Type.Object({ token: Token, ...Enrollment }, { additionalProperties: false }),
      Type.Object(
        { invitation: Token, code: Type.String({ pattern: '^[0-9]{6}$' }), ...Enrollment },
        { additionalProperties: false },
      ),
    ]),
  );
  const enrollSchema = deviceRoute(
    'Enroll a device with an app’s enrollment link, or with an invitation and the code sent to the phone',
    {
      body: enrollBody.schema,
      response: success('The device is enrolled', Enrolled),
      refusals: ['60034', '60035', '60036'],
    },
  );
  fastify.post('/device/v1/enrollments', { schema: enrollSchema }, async (request) => {
    const body = enrollBody(request);
    const input = {
      publicKey: body.public_key,
      name: body.name,
      platform: body.platform,
      proof: body.proof,
    };
    const enrolled =
      'invitation' in body
        ? await enrollment.enrollWithInvitation(body.invitation, body.code, input)
        : await enrollment.enrollWithToken(body.token, input);
    return { device_id: enrolled.deviceId, accounts: enrolled.accounts, success: true };
  });

  const InvitationParams = Type.Object({ invitation: Token });
  const codeBody = bodyOf(Type.Object({}, { additionalProperties: false }));
  /** Unknown, expired and used invitations get one answer (D15). */
  const unknownInvitation = (token: string) => {
    if (!/^[A-Za-z0-9_-]{40,100}$/.test(token))
      throw new AuthyError('60035', { message: 'The invitation is unknown, used or expired' });
  };
  fastify.get<{ Params: { invitation: string } }>(
    '/device/v1/invitations/:invitation',
    {
      schema: deviceRoute(
        'What an enrollment invitation is: the inviting app, the masked phone, the expiry',
        {
          params: InvitationParams,
          response: success(
            'A live invitation',
            Type.Object({
              app_name: Type.String(),
              phone: Type.String({ description: 'Masked: the last four digits only' }),
              expires_at: Time,
              success: Type.Literal(true),
            }),
          ),
          refusals: ['60035'],
        },
      ),
    },
    async (request) => {
      unknownInvitation(request.params.invitation);
      const shown = await enrollment.describeInvitation(request.params.invitation);
      return { app_name: shown.appName, phone: shown.phone, expires_at: iso(shown.expiresAt), success: true };
    },
  );
  fastify.post<{ Params: { invitation: string } }>(
    '/device/v1/invitations/:invitation/code',
    {
      schema: deviceRoute('Send the code that enrolls with an invitation to the invited user’s phone', {
        params: InvitationParams,
        body: codeBody.schema,
        response: success(
          'The code is on its way (within the phone’s enrollment budgets)',
          Type.Object({ expires_at: Time, success: Type.Literal(true) }),
        ),
        refusals: ['60035'],
      }),
    },
    async (request) => {
      codeBody(request);
      unknownInvitation(request.params.invitation);
      const sent = await enrollment.sendInvitationCode(request.params.invitation);
      return { expires_at: iso(sent.expiresAt), success: true };
    },
  );

  const phoneBody = bodyOf(
    Type.Object({
      country_code: Type.String({ maxLength: 8 }),
      phone_number: Type.String({ maxLength: 40 }),
    }),
  );
  const phoneSchema = deviceRoute(
    'Start an enrollment by phone: a code goes to the phone if it is registered',
    {
      body: phoneBody.schema,
      response: success(
        'The same answer whether or not the phone is registered',
        Type.Object({
          enrollment_id: Type.String({ format: 'uuid' }),
          expires_at: Time,
          success: Type.Literal(true),
        }),
      ),
      refusals: ['60033'],
    },
  );
  fastify.post('/device/v1/phone-enrollments', { schema: phoneSchema }, async (request) => {
    const body = phoneBody(request);
    const started = await enrollment.startPhoneEnrollment(body.country_code, body.phone_number);
    return { enrollment_id: started.enrollmentId, expires_at: iso(started.expiresAt), success: true };
  });

  const completeBody = bodyOf(Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }), ...Enrollment }));
  fastify.post<{ Params: { id: string } }>(
    '/device/v1/phone-enrollments/:id/complete',
    {
      schema: deviceRoute('Complete an enrollment by phone with the code it received', {
        params: Type.Object({ id: Type.String() }),
        body: completeBody.schema,
        response: success('The device is enrolled', Enrolled),
        refusals: ['60034', '60036'],
      }),
    },
    async (request) => {
      const body = completeBody(request);
      if (!/^[0-9a-f-]{36}$/.test(request.params.id)) throw new AuthyError('60034');
      const enrolled = await enrollment.completePhoneEnrollment(request.params.id, body.code, {
        publicKey: body.public_key,
        name: body.name,
        platform: body.platform,
        proof: body.proof,
      });
      return { device_id: enrolled.deviceId, accounts: enrolled.accounts, success: true };
    },
  );

  const accountsSchema = deviceRoute('The accounts the device holds', {
    signed: true,
    response: success(
      'One account per app',
      Type.Object({ accounts: Accounts, success: Type.Literal(true) }),
    ),
  });
  fastify.get('/device/v1/accounts', { schema: accountsSchema }, async (request) => {
    const device = await authenticate(request);
    return { accounts: await devices.accounts(device), success: true };
  });

  const requestsSchema = deviceRoute('The approval requests waiting for the device’s answer', {
    signed: true,
    response: success(
      'Pending requests, never their hidden details',
      Type.Object({
        requests: Type.Array(
          Type.Object({
            uuid: Type.String({ format: 'uuid' }),
            app_id: Type.Integer(),
            app_name: Type.String(),
            message: Type.String(),
            details: Type.Record(Type.String(), Type.String()),
            created_at: Time,
            expires_at: Type.Union([Time, Type.Null()]),
            number_match_required: Type.Boolean(),
            nonce: Type.String(),
            user_verification: Type.Union(
              USER_VERIFICATION.map((v) => Type.Literal(v)),
              {
                description: 'Whether an approval must carry a passkey assertion (D14)',
              },
            ),
          }),
        ),
        success: Type.Literal(true),
      }),
    ),
  });
  fastify.get('/device/v1/requests', { schema: requestsSchema }, async (request) => {
    const device = await authenticate(request);
    return { requests: (await answering.pending(device)).map(requestJson), success: true };
  });

  const historyQuery = queryOf(
    Type.Object({
      cursor: Type.Optional(
        Type.String({
          pattern: '^[0-9]{1,15}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
          description: 'The `next_cursor` of the page before; without it, the newest page',
        }),
      ),
      limit: Type.Optional(
        Type.Integer({ minimum: 1, maximum: HISTORY_MAX_PAGE, description: `At most ${HISTORY_MAX_PAGE}` }),
      ),
    }),
  );
  const historySchema = deviceRoute(
    `The answered, denied and expired requests of the last ${HISTORY_DAYS} days that the device may see, newest first`,
    {
      signed: true,
      query: historyQuery.schema,
      response: success(
        'One page of them, never their hidden details, each with the service’s receipt of its answer',
        Type.Object({
          history: Type.Array(
            Type.Object({
              uuid: Type.String({ format: 'uuid' }),
              app_id: Type.Integer(),
              app_name: Type.String(),
              message: Type.String(),
              details: Type.Record(Type.String(), Type.String()),
              status: Type.Union(FINAL_STATUSES.map((s) => Type.Literal(s))),
              reason: Type.Union([Type.String(), Type.Null()], {
                description: '`denied`, `not_me` or `number_mismatch` for a denial; else null',
              }),
              created_at: Time,
              expires_at: Type.Union([Time, Type.Null()]),
              answered_at: Type.Union([Time, Type.Null()]),
              answered_by: Type.Union([
                Type.Object({
                  device_id: Type.String({ format: 'uuid' }),
                  name: Type.Union([Type.String(), Type.Null()]),
                  current: Type.Boolean({ description: 'Whether it is the device asking' }),
                }),
                Type.Null(),
              ]),
              receipt: Type.Union([Type.String(), Type.Null()], {
                description: 'The service’s receipt of the answer, a compact JWS; null for an expiry',
              }),
            }),
          ),
          next_cursor: Type.Union([Type.String(), Type.Null()], {
            description: 'Where the next page starts; null on the last page',
          }),
          success: Type.Literal(true),
        }),
      ),
    },
  );
  fastify.get('/device/v1/history', { schema: historySchema }, async (request) => {
    const device = await authenticate(request);
    const query = historyQuery(request);
    const page = await answering.history(device, {
      after: query.cursor === undefined ? null : cursorOf(query.cursor),
      limit: query.limit ?? HISTORY_PAGE,
    });
    return {
      history: page.entries.map(historyJson),
      next_cursor: page.next === null ? null : `${page.next.createdAt}.${page.next.uuid}`,
      success: true,
    };
  });

  fastify.post<{ Params: { uuid: string } }>(
    '/device/v1/requests/:uuid/answer',
    {
      schema: deviceRoute('Answer an approval request with a signed decision', {
        signed: true,
        params: Type.Object({ uuid: Type.String() }),
        body: signedDocument.schema,
        response: success(
          'The request is final: approved, or denied (a wrong number match denies)',
          Type.Object({
            status: Type.Union([Type.Literal('approved'), Type.Literal('denied')]),
            success: Type.Literal(true),
          }),
        ),
        refusals: ['60049', '60080', '60079', refusal('60079', 410), refusal('60031', 403)],
      }),
    },
    async (request) => {
      const device = await authenticate(request);
      const body = signedDocument(request);
      const status = await answering.answer(device, request.params.uuid, {
        document: body.document,
        signature: body.signature,
        ...(body.assertion !== undefined && { assertion: assertionOf(body.assertion) }),
      });
      return { status, success: true };
    },
  );

  const passkeyOptionsSchema = deviceRoute('The options of a passkey registration for this device (D14)', {
    signed: true,
    response: success(
      'WebAuthn creation options in their JSON form (`PublicKeyCredential.parseCreationOptionsFromJSON`)',
      Type.Object({
        options: Type.Object(
          {
            challenge: Type.String(),
            rp: Type.Object({ name: Type.String(), id: Type.String() }),
            user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
            pubKeyCredParams: Type.Array(
              Type.Object({ type: Type.Literal('public-key'), alg: Type.Integer() }),
            ),
          },
          { additionalProperties: true },
        ),
        success: Type.Literal(true),
      }),
    ),
  });
  fastify.get('/device/v1/passkey/options', { schema: passkeyOptionsSchema }, async (request) => {
    const device = await authenticate(request);
    return { options: await options.userVerification.registrationOptions(device), success: true };
  });

  const passkeyBody = bodyOf(Type.Object({ credential: Registration }));
  const passkeySchema = deviceRoute('Register this device’s passkey, once (D14)', {
    signed: true,
    body: passkeyBody.schema,
    response: success(
      'The passkey is registered: approvals may carry its assertions',
      Type.Object({ credential_id: Type.String(), success: Type.Literal(true) }),
    ),
    refusals: ['60034'],
  });
  fastify.post('/device/v1/passkey', { schema: passkeySchema }, async (request) => {
    const device = await authenticate(request);
    const body = passkeyBody(request);
    const registered = await options.userVerification.register(device, registrationOf(body.credential));
    return { credential_id: registered.credentialId, success: true };
  });

  const devicesSchema = deviceRoute('The devices of the user that this device may see and revoke', {
    signed: true,
    response: success(
      'The devices, this one marked `current`',
      Type.Object({
        devices: Type.Array(
          Type.Object({
            device_id: Type.String({ format: 'uuid' }),
            name: Type.String(),
            platform: Type.Union(PLATFORMS.map((p) => Type.Literal(p))),
            created_at: Time,
            last_seen_at: Type.Union([Time, Type.Null()]),
            current: Type.Boolean(),
          }),
        ),
        success: Type.Literal(true),
      }),
    ),
  });
  fastify.get('/device/v1/devices', { schema: devicesSchema }, async (request) => {
    const device = await authenticate(request);
    return { devices: await devices.list(device), success: true };
  });

  fastify.delete<{ Params: { id: string } }>(
    '/device/v1/devices/:id',
    {
      schema: deviceRoute('Revoke one of the user’s devices, at once', {
        signed: true,
        params: Type.Object({ id: Type.String() }),
        response: success('The device is revoked', Done),
        // The framework reads a DELETE's body when it has a media type.
        refusals: [refusal('60031', 404), ...BODY_REFUSALS],
      }),
    },
    async (request) => {
      const device = await authenticate(request);
      await devices.revoke(device, request.params.id);
      return { success: true };
    },
  );

  const pushKeySchema = deviceRoute('The service’s VAPID public key, for Web Push subscriptions', {
    response: success(
      'The key, base64url',
      Type.Object({ public_key: Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), success: Type.Literal(true) }),
    ),
  });
  fastify.get('/device/v1/push-key', { schema: pushKeySchema }, async () => ({
    public_key: options.pushPublicKey,
    success: true,
  }));

  const subscriptionBody = bodyOf(
    Type.Object({
      endpoint: Type.String({ maxLength: 1000 }),
      keys: Type.Object({
        p256dh: Type.String({ maxLength: 200, pattern: B64U }),
        auth: Type.String({ maxLength: 100, pattern: B64U }),
      }),
    }),
  );
  const subscriptionSchema = deviceRoute('Subscribe the device to Web Push', {
    signed: true,
    body: subscriptionBody.schema,
    response: success('Subscribed', Done),
  });
  fastify.post('/device/v1/push-subscription', { schema: subscriptionSchema }, async (request) => {
    const device = await authenticate(request);
    const body = subscriptionBody(request);
    await devices.subscribePush(device, {
      endpoint: body.endpoint,
      keys: { p256dh: body.keys.p256dh, auth: body.keys.auth },
    });
    return { success: true };
  });

  registerAdmissionRoutes(fastify, options.admissions, authenticate);

  const streams = new Set<() => void>();
  // Before the server waits for connections to end: an open stream would hold the shutdown forever (R83).
  fastify.addHook('preClose', async () => {
    for (const close of streams) close();
  });

  const eventsSchema = deviceRoute(
    'Server-sent events of the device: a request to answer, or one withdrawn',
    {
      signed: true,
      response: EVENT_STREAM(
        'An event stream: `: connected` at once, then `request` and `withdrawn` events whose data is `{"uuid":…}`; it ends when the device is revoked',
      ),
    },
  );
  fastify.get('/device/v1/events', { schema: eventsSchema }, async (request, reply) => {
    const device = await authenticate(request);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) =>
      raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const stopUser = bus.subscribe(topics.user(device.userId), (event) => {
      if (event.type === 'resync') return;
      const { type, uuid } = event;
      void answering.concerns(device, uuid).then(
        (yes) => {
          if (yes) send(type, { uuid });
        },
        () => undefined,
      );
    });
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const close = () => {
      clearInterval(keepAlive);
      stopUser();
      stopRevoked();
      streams.delete(close);
      if (!raw.writableEnded) raw.end();
    };
    // Revoked, or (`resync`) events may have been missed while the bus was down: ending the stream makes
    // the device connect again and fetch its pending requests.
    const stopRevoked = bus.subscribe(topics.device(device.id), close);
    streams.add(close);
    request.raw.on('close', close);
    // The head goes out with this first write, once the subscriptions hold: a device that fetches its
    // pending requests after the stream opened misses nothing.
    raw.write(': connected\n\n');
  });
}

const AdmissionParams = Type.Object({ id: Type.String() });

const AdmissionStatusValue = Type.Union(
  (['pending', 'claimed', 'approved', 'denied', 'expired'] as const).map((s) => Type.Literal(s)),
);

function admissionJson(a: AdmissionView) {
  return {
    id: a.id,
    status: a.status,
    expires_at: iso(a.expiresAt),
    authy_id: a.authyId,
    app_id: a.appId,
    user_verification: a.userVerification,
    new_device:
      a.newDevice === null
        ? null
        : {
            device_id: a.newDevice.deviceId,
            public_key: a.newDevice.publicKey,
            name: a.newDevice.name,
            platform: a.newDevice.platform,
            code: a.newDevice.code,
          },
  };
}

/**
 * Adding a device from one the user holds (docs/device-protocol.md, "Adding a device from another"): the
 * holding device's signed calls, the new device's claim, and its signed wait for the outcome.
 */
function registerAdmissionRoutes(
  fastify: FastifyInstance,
  admissions: AdmissionService,
  authenticate: (request: FastifyRequest) => Promise<Device>,
): void {
  const startSchema = deviceRoute(
    'Open an admission: a one-time link that adds another device (ten minutes)',
    {
      signed: true,
      // The framework reads a body-less POST's body when it has a media type.
      refusals: BODY_REFUSALS,
      response: success(
        'The link to open on the new device; its token is in the fragment',
        Type.Object({
          admission: Type.Object({
            id: Type.String({ format: 'uuid' }),
            url: Type.String({ format: 'uri' }),
            expires_at: Time,
          }),
          success: Type.Literal(true),
        }),
      ),
    },
  );
  fastify.post('/device/v1/admissions', { schema: startSchema }, async (request) => {
    const holder = await authenticate(request);
    const started = await admissions.start(holder);
    return {
      admission: { id: started.id, url: started.url, expires_at: iso(started.expiresAt) },
      success: true,
    };
  });

  const claimBody = bodyOf(
    Type.Object({ token: Type.String({ minLength: 40, maxLength: 100, pattern: B64U }), ...Enrollment }),
  );
  const claimSchema = deviceRoute('Claim an admission link with the new device’s own new key', {
    body: claimBody.schema,
    response: success(
      'Claimed: the holding device may now approve it; both screens show `code`',
      Type.Object({
        admission_id: Type.String({ format: 'uuid' }),
        device_id: Type.String({
          format: 'uuid',
          description: 'The device id the new device gets once approved',
        }),
        code: Type.String({ pattern: '^[0-9]{6}$' }),
        expires_at: Time,
        success: Type.Literal(true),
      }),
    ),
    refusals: ['60034'],
  });
  fastify.post('/device/v1/admission-claims', { schema: claimSchema }, async (request) => {
    const body = claimBody(request);
    const claimed = await admissions.claim(body.token, {
      publicKey: body.public_key,
      name: body.name,
      platform: body.platform,
      proof: body.proof,
    });
    return {
      admission_id: claimed.admissionId,
      device_id: claimed.deviceId,
      code: claimed.code,
      expires_at: iso(claimed.expiresAt),
      success: true,
    };
  });

  const NotFound = refusal('60031', 404);
  const viewSchema = deviceRoute('An admission this device opened, with the device that claimed it', {
    signed: true,
    params: AdmissionParams,
    response: success(
      'The admission',
      Type.Object({
        admission: Type.Object({
          id: Type.String({ format: 'uuid' }),
          status: AdmissionStatusValue,
          expires_at: Time,
          authy_id: Type.Integer(),
          app_id: Type.Union([Type.Integer(), Type.Null()]),
          user_verification: Type.Union(USER_VERIFICATION.map((v) => Type.Literal(v))),
          new_device: Type.Union([
            Type.Null(),
            Type.Object({
              device_id: Type.String({ format: 'uuid' }),
              public_key: Type.Object({
                kty: Type.Literal('EC'),
                crv: Type.Literal('P-256'),
                x: Type.String(),
                y: Type.String(),
              }),
              name: Type.String(),
              platform: Type.Union(PLATFORMS.map((p) => Type.Literal(p))),
              code: Type.String({ pattern: '^[0-9]{6}$' }),
            }),
          ]),
        }),
        success: Type.Literal(true),
      }),
    ),
    refusals: [NotFound],
  });
  fastify.get<{ Params: { id: string } }>(
    '/device/v1/admissions/:id',
    { schema: viewSchema },
    async (request) => {
      const holder = await authenticate(request);
      return { admission: admissionJson(await admissions.view(holder, request.params.id)), success: true };
    },
  );

  fastify.post<{ Params: { id: string } }>(
    '/device/v1/admissions/:id/approve',
    {
      schema: deviceRoute('Let the claiming device in, with a signed admission document', {
        signed: true,
        params: AdmissionParams,
        body: signedDocument.schema,
        response: success(
          'The new device is enrolled for this device’s user and app',
          Type.Object({ status: Type.Literal('approved'), uv: Type.Boolean(), success: Type.Literal(true) }),
        ),
        refusals: [NotFound, '60034', refusal('60034', 409), refusal('60034', 410), refusal('60031', 403)],
      }),
    },
    async (request) => {
      const holder = await authenticate(request);
      const body = signedDocument(request);
      const uv = await admissions.approve(holder, request.params.id, {
        document: body.document,
        signature: body.signature,
        ...(body.assertion !== undefined && { assertion: assertionOf(body.assertion) }),
      });
      return { status: 'approved' as const, uv: uv.uv, success: true };
    },
  );

  fastify.post<{ Params: { id: string } }>(
    '/device/v1/admissions/:id/deny',
    {
      schema: deviceRoute('Refuse an admission: its link can no longer be claimed nor approved', {
        signed: true,
        params: AdmissionParams,
        response: success('Denied', Done),
        refusals: [NotFound, refusal('60034', 409), ...BODY_REFUSALS],
      }),
    },
    async (request) => {
      const holder = await authenticate(request);
      await admissions.deny(holder, request.params.id);
      return { success: true };
    },
  );

  fastify.get<{ Params: { id: string } }>(
    '/device/v1/admissions/:id/status',
    {
      schema: deviceRoute(
        'The new device’s wait: signed with its new key under the device id its claim gave',
        {
          signed: true,
          params: AdmissionParams,
          response: success(
            'The outcome; once approved, the device id and accounts an enrollment gives',
            Type.Object({
              status: AdmissionStatusValue,
              device_id: Type.Optional(Type.String({ format: 'uuid' })),
              accounts: Type.Optional(Accounts),
              success: Type.Literal(true),
            }),
          ),
        },
      ),
    },
    async (request) => {
      const outcome = await admissions.outcome(request.params.id, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.rawBody ?? '',
      });
      return outcome.status === 'approved'
        ? { status: outcome.status, device_id: outcome.deviceId, accounts: outcome.accounts, success: true }
        : { status: outcome.status, success: true };
    },
  );
}
