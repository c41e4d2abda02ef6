import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import { AuthyError, invalidParameter } from '../errors/authy-error.js';
import { type EventBus, topics } from '../events/event-bus.js';
import type { FairShares } from '../http/in-flight-limit.js';
import { compileInput } from '../http/input.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayText, UserIdParams } from '../http/schemas.js';
import type { Device, DeviceRequest } from './device.js';
import { PLATFORMS } from './device.js';
import type { DeviceService } from './device.service.js';

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

/** Validates a device call's JSON body against its schema; a problem is 400 / 60004 naming the field. */
function bodyOf<S extends TSchema>(schema: S): (request: FastifyRequest) => Static<S> {
  const validate = compileInput(schema);
  return (request) => {
    const body = request.body;
    const result = validate(
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {},
    );
    if (!result.ok) throw invalidParameter(result.error.field, result.error.problem);
    return result.value;
  };
}

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
  };
}

export function registerDeviceRoutes(
  fastify: FastifyInstance,
  gate: ApiGate,
  devices: DeviceService,
  bus: EventBus,
  options: { pushPublicKey: string; pushAllow: readonly string[]; shares: FairShares },
): void {
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: ['/protected/json/users/:id/enrollments'],
    summary: 'An enrollment link (and QR code) for one of the app’s users: single use, ten minutes',
    tags: ['devices'],
    params: UserIdParams,
    input: Type.Object({}),
    handle: async ({ app, params }) => {
      const link = await devices.createEnrollmentLink(app, params.id);
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

  const enrollBody = bodyOf(
    Type.Object({ token: Type.String({ minLength: 40, maxLength: 100, pattern: B64U }), ...Enrollment }),
  );
  fastify.post('/device/v1/enrollments', { schema: { hide: true } }, async (request) => {
    const body = enrollBody(request);
    const enrolled = await devices.enrollWithToken(body.token, {
      publicKey: body.public_key,
      name: body.name,
      platform: body.platform,
      proof: body.proof,
    });
    return { device_id: enrolled.deviceId, accounts: enrolled.accounts, success: true };
  });

  const phoneBody = bodyOf(
    Type.Object({
      country_code: Type.String({ maxLength: 8 }),
      phone_number: Type.String({ maxLength: 40 }),
    }),
  );
  fastify.post('/device/v1/phone-enrollments', { schema: { hide: true } }, async (request) => {
    const body = phoneBody(request);
    const started = await devices.startPhoneEnrollment(body.country_code, body.phone_number);
    return { enrollment_id: started.enrollmentId, expires_at: iso(started.expiresAt), success: true };
  });

  const completeBody = bodyOf(Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }), ...Enrollment }));
  fastify.post<{ Params: { id: string } }>(
    '/device/v1/phone-enrollments/:id/complete',
    { schema: { hide: true } },
    async (request) => {
      const body = completeBody(request);
      if (!/^[0-9a-f-]{36}$/.test(request.params.id)) throw new AuthyError('60034');
      const enrolled = await devices.completePhoneEnrollment(request.params.id, body.code, {
        publicKey: body.public_key,
        name: body.name,
        platform: body.platform,
        proof: body.proof,
      });
      return { device_id: enrolled.deviceId, accounts: enrolled.accounts, success: true };
    },
  );

  fastify.get('/device/v1/accounts', { schema: { hide: true } }, async (request) => {
    const device = await authenticate(request);
    return { accounts: await devices.accounts(device), success: true };
  });

  fastify.get('/device/v1/requests', { schema: { hide: true } }, async (request) => {
    const device = await authenticate(request);
    return { requests: (await devices.pending(device)).map(requestJson), success: true };
  });

  const answerBody = bodyOf(
    Type.Object({
      document: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 20 }),
      signature: Type.String({ maxLength: 200 }),
    }),
  );
  fastify.post<{ Params: { uuid: string } }>(
    '/device/v1/requests/:uuid/answer',
    { schema: { hide: true } },
    async (request) => {
      const device = await authenticate(request);
      const body = answerBody(request);
      const status = await devices.answer(device, request.params.uuid, {
        document: body.document,
        signature: body.signature,
      });
      return { status, success: true };
    },
  );

  fastify.get('/device/v1/devices', { schema: { hide: true } }, async (request) => {
    const device = await authenticate(request);
    return { devices: await devices.list(device), success: true };
  });

  fastify.delete<{ Params: { id: string } }>(
    '/device/v1/devices/:id',
    { schema: { hide: true } },
    async (request) => {
      const device = await authenticate(request);
      await devices.revoke(device, request.params.id);
      return { success: true };
    },
  );

  fastify.get('/device/v1/push-key', { schema: { hide: true } }, async () => ({
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
  fastify.post('/device/v1/push-subscription', { schema: { hide: true } }, async (request) => {
    const device = await authenticate(request);
    const body = subscriptionBody(request);
    await devices.subscribePush(
      device,
      { endpoint: body.endpoint, keys: { p256dh: body.keys.p256dh, auth: body.keys.auth } },
      options.pushAllow,
    );
    return { success: true };
  });

  const streams = new Set<() => void>();
  // Before the server waits for connections to end: an open stream would hold the shutdown forever (R83).
  fastify.addHook('preClose', async () => {
    for (const close of streams) close();
  });

  fastify.get('/device/v1/events', { schema: { hide: true } }, async (request, reply) => {
    const device = await authenticate(request);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(': connected\n\n');
    const send = (event: string, data: unknown) =>
      raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const stopUser = bus.subscribe(topics.user(device.userId), (event) => {
      const uuid = typeof event.uuid === 'string' ? event.uuid : undefined;
      if (uuid === undefined || (event.type !== 'request' && event.type !== 'withdrawn')) return;
      void devices.concerns(device, uuid).then(
        (yes) => {
          if (yes) send(event.type, { uuid });
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
  });
}
