/**
 * The API's contract (R11, R64): every answer of every route — its success and each refusal it can give —
 * validates against the OpenAPI document the running service publishes at `/docs/json`, and the document
 * is valid OpenAPI 3.1.
 *
 * The validators are standard ones: the document is checked against the OpenAPI 3.1 schema by
 * @seriousme/openapi-schema-validator, and each answer against its status's schema by Ajv's JSON Schema
 * 2020-12 validator (the dialect of OpenAPI 3.1) with ajv-formats. Stricter than the document in one
 * way: an object whose properties the document lists is closed here, so any key the service sends must
 * be documented.
 *
 * The last test checks the other direction: every status the document lists for a route was seen here,
 * except those no test on loopback can provoke in time (408 after 30 s; the database away, 503 / 60000).
 */
import http from 'node:http';
import net from 'node:net';
import { answerChallenge, canonicalJson } from '@countersign/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/http/request-body.js';
import {
  MessagingError,
  type MessagingProvider,
  type OutgoingMessage,
} from '../../src/messaging/messaging-provider.js';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  type Answer,
  type Contract,
  createContract,
  fetchDocument,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi-contract.js';
import { SoftwarePasskey } from '../support/software-passkey.js';
import {
  answerFor,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  signedHeaders,
  signText,
  type TestDevice,
} from '../support/test-device.js';
import { OT, P, totpNow } from './helpers.js';

let document: OpenApiDocument;
let contract: Contract;
const conforms = (operation: string, answer: Answer) => contract.conforms(operation, answer);

// ——— Requests ———

interface Probe {
  method: string;
  /** The documented path, `{name}` parameters filled from `params`. */
  path: string;
  params?: Record<string, string | number>;
  /** A query string, without `?`. */
  query?: string;
  key?: string;
  json?: unknown;
  form?: string;
  raw?: { body: string; type?: string };
  headers?: Record<string, string>;
  /** Signs the request as this device. */
  device?: Pick<TestDevice, 'id' | 'privateKey'>;
}

function urlOf(probe: Probe): string {
  const path = probe.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(String(probe.params?.[name] ?? name)),
  );
  return probe.query === undefined ? path : `${path}?${probe.query}`;
}

/** One request over node:http (a body on a GET included); an event stream is read up to its headers. */
function exchange(
  server: { url: string },
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent =
      body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers };
    const request = http.request(`${server.url}${url}`, { method, headers: sent }, (response) => {
      const answer = { status: response.statusCode ?? 0, headers: response.headers };
      if ((response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        request.destroy();
        resolve({ ...answer, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ ...answer, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Sends a probe; asserts the status when one is expected, and that the answer conforms. */
async function probe(server: { url: string }, p: Probe, status?: number): Promise<Record<string, unknown>> {
  const url = urlOf(p);
  const headers: Record<string, string> = { ...p.headers };
  if (p.key !== undefined) headers['x-authy-api-key'] = p.key;
  let body: string | undefined;
  if (p.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(p.json);
  } else if (p.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = p.form;
  } else if (p.raw !== undefined) {
    if (p.raw.type !== undefined) headers['content-type'] = p.raw.type;
    body = p.raw.body;
  }
  if (p.device !== undefined) Object.assign(headers, signedHeaders(p.device, p.method, url, body ?? ''));
  const answer = await exchange(server, p.method, url, headers, body);
  if (status !== undefined)
    expect(answer.status, `${p.method} ${url} → ${answer.text.slice(0, 300)}`).toBe(status);
  return conforms(`${p.method} ${p.path}`, answer);
}

/** Opens an event stream and leaves it open; resolves with its status once its headers arrived. */
function openStream(
  server: { url: string },
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}${url}`, { headers }, (response) => {
      response.resume();
      response.on('error', () => undefined);
      resolve({ status: response.statusCode ?? 0 });
    });
    request.on('error', reject);
    request.end();
  });
}

/** Writes raw bytes and reads the answer until the server closes: for what the HTTP parser refuses. */
function rawExchange(server: { url: string }, text: string): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += String(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: body });
    });
  });
}

/** Every documented operation, with its method and path. */
function operations(): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

const isApi = (path: string) => /^\/(protected|onetouch)\//.test(path);
/** The Twilio Verify v2 routes: HTTP Basic auth, Twilio's envelope. */
const isVerify = (path: string) => path.startsWith('/v2/');
/** HTTP Basic credentials of a `/v2` call: the Account SID and the API key. */
const basic = (accountSid: string, apiKey: string) => ({
  authorization: `Basic ${Buffer.from(`${accountSid}:${apiKey}`).toString('base64')}`,
});
/** Probes a `/v2` route with `auth`: its method, path (with `{name}` parameters), status, form and parameters. */
const verifyProbe =
  (server: { url: string }, auth: Record<string, string>) =>
  (method: string, path: string, status: number, form?: string, params?: Record<string, string>) =>
    probe(
      server,
      {
        method,
        path: `/v2${path}`,
        headers: auth,
        ...(form !== undefined && { form }),
        ...(params && { params }),
      },
      status,
    );
const isDevice = (path: string) => path.startsWith('/device/');
const documents = (operation: Operation, status: number) => String(status) in operation.responses;
/** Any value for a path parameter, for refusals that come before the route looks at it. */
const ANY_PARAMS = {
  id: '1',
  uuid: '00000000-0000-4000-8000-000000000000',
  token: '0000000',
  invitation: 'A'.repeat(43),
  ServiceSid: `VA${'0'.repeat(32)}`,
  Sid: `VE${'0'.repeat(32)}`,
};

// ——— The world ———

function switchableProvider(): MessagingProvider & { sent: OutgoingMessage[]; down: boolean } {
  return {
    name: 'switchable',
    sent: [],
    down: false,
    async send(message) {
      if (this.down) throw new MessagingError('provider is down');
      this.sent.push(message);
    },
  };
}

const messaging = switchableProvider();
const lastCode = () => /(\d+)$/.exec(messaging.sent.at(-1)?.body ?? '')?.[1] ?? '';
let clock: TestClock;
let server: TestServer;
let key = '';
let appId = 0;
let accountSid = '';
let phone = 2125550300;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

async function register(): Promise<number> {
  const body = await probe(
    server,
    {
      method: 'POST',
      path: `${P}/users/new`,
      key,
      json: { user: { email: `c${phone}@example.com`, cellphone: nextPhone(), country_code: 1 } },
    },
    200,
  );
  return (body.user as { id: number }).id;
}

async function enrolledDevice(userId: number): Promise<TestDevice> {
  const created = await probe(
    server,
    { method: 'POST', path: `${P}/users/{id}/enrollments`, params: { id: userId }, key },
    200,
  );
  return enrollWithLink(server, (created.enrollment as { url: string }).url);
}

async function approvalRequest(userId: number, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await probe(
    server,
    {
      method: 'POST',
      path: `${OT}/users/{id}/approval_requests`,
      params: { id: userId },
      key,
      json: { message: 'Sign in', details: { Account: '42' }, ...extra },
    },
    200,
  );
  return (created.approval_request as { uuid: string }).uuid;
}

async function pendingOf(device: TestDevice, uuid: string): Promise<PendingRequest> {
  const listed = await probe(server, { method: 'GET', path: '/device/v1/requests', device }, 200);
  const found = (listed.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (found === undefined) throw new Error(`request ${uuid} is not pending for the device`);
  return found;
}

beforeAll(async () => {
  clock = testClock(Date.now());
  server = await startTestServer({
    clock,
    messaging,
    push: { publicKey: 'BPushKeyOfTheTestService_0123456789', send: async () => 'sent' },
    env: { COUNTERSIGN_SEND_LIMIT: '2' },
  });
  ({ apiKey: key, accountSid, id: appId } = await server.createApp({ name: 'Contract Bank' }));
  document = await fetchDocument(server);
  contract = createContract(document);
});
afterAll(() => server.close());

describe('the OpenAPI document (R11)', () => {
  it('is valid OpenAPI 3.1, and every answer of every route has a schema Ajv compiles in strict mode', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    for (const { method, path, operation } of operations()) {
      expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(1);
      for (const [status, answer] of Object.entries(operation.responses)) {
        // Only a 204 (a Verify v2 delete) answers without content.
        if (status !== '204') expect(answer.content, `${method} ${path} ${status}`).toBeDefined();
        for (const media of Object.values(answer.content ?? {}))
          expect(() => contract.validatorOf(media.schema)).not.toThrow();
      }
    }
  });

  it('documents the Authy routes, the extensions, the device protocol and the operations routes', () => {
    const listed = operations().map((o) => `${o.method} ${o.path}`);
    for (const operation of [
      `POST ${P}/users/new`,
      `POST ${P}/users/delete/{id}`,
      'POST /v2/Services',
      'GET /v2/Services/{ServiceSid}',
      'DELETE /v2/Services/{ServiceSid}',
      'POST /v2/Services/{ServiceSid}/Verifications',
      'POST /v2/Services/{ServiceSid}/VerificationCheck',
      `GET ${P}/verify/{token}/{id}`,
      `POST ${P}/users/{id}/enrollments`,
      `GET ${OT}/approval_requests/{uuid}`,
      `GET ${OT}/approval_requests/{uuid}/events`,
      'POST /device/v1/enrollments',
      'POST /device/v1/requests/{uuid}/answer',
      'DELETE /device/v1/devices/{id}',
      'GET /device/v1/events',
      'GET /healthz',
      'GET /readyz',
      'GET /.well-known/jwks.json',
    ]) {
      expect(listed).toContain(operation);
    }
    const newUser = document.paths[`${P}/users/new`]?.post as unknown as {
      requestBody: {
        content: Record<string, { schema: { properties: Record<string, unknown> }; encoding?: unknown }>;
      };
    };
    // Form bodies besides JSON, with Rack-style brackets; the formats the service checks.
    expect(Object.keys(newUser.requestBody.content)).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    expect(newUser.requestBody.content['application/x-www-form-urlencoded']?.encoding).toEqual({
      user: { style: 'deepObject', explode: true },
    });
    expect(newUser.requestBody.content['application/json']?.schema.properties.user).toMatchObject({
      properties: {
        email: { format: 'email' },
        cellphone: { pattern: '^\\+?[0-9 ().-]+$' },
        country_code: { pattern: '^\\+?[0-9]{1,3}$' },
      },
    });
    // The codes each status carries.
    expect(contract.codesOf(`POST ${P}/users/new`, '400')).toEqual(['60002', '60027']);
    expect(contract.codesOf(`GET ${P}/verify/{token}/{id}`, '401')).toEqual(['60001', '60019', '60020']);
    expect(contract.codesOf('POST /device/v1/requests/{uuid}/answer', '410')).toEqual(['60079']);
  });
});

describe('every answer validates against the document (R11)', () => {
  it('users: register, status, remove by each of its three paths, activity, secret; and their refusals', async () => {
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/users/new`,
        key,
        form: `user%5Bemail%5D=f%40example.com&user%5Bcellphone%5D=${nextPhone()}&user%5Bcountry_code%5D=1`,
      },
      200,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/users/new`,
        key,
        json: { user: { email: 'x', cellphone: '1', country_code: 1 } },
      },
      400,
    );
    const id = await register();
    await probe(server, { method: 'GET', path: `${P}/users/{id}/status`, params: { id }, key }, 200);
    await enrolledDevice(id);
    await probe(server, { method: 'GET', path: `${P}/users/{id}/status`, params: { id }, key }, 200);
    await probe(server, { method: 'GET', path: `${P}/users/{id}/status`, params: { id: 'tony' }, key }, 404);
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/users/{id}/register_activity`,
        params: { id },
        key,
        json: { type: 'banned', data: { why: 'spam' } },
      },
      200,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/users/{id}/register_activity`,
        params: { id },
        key,
        json: { type: 'other' },
      },
      400,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/users/{id}/register_activity`,
        params: { id: 999_999 },
        key,
        json: { type: 'banned' },
      },
      404,
    );
    const secret = await probe(
      server,
      { method: 'POST', path: `${P}/users/{id}/secret`, params: { id }, key, json: { label: 'Me' } },
      200,
    );
    await probe(
      server,
      { method: 'POST', path: `${P}/users/{id}/secret`, params: { id: 999_999 }, key },
      404,
    );
    const code = totpNow(secret.otpauth_url as string, clock.now());
    await probe(
      server,
      { method: 'GET', path: `${P}/verify/{token}/{id}`, params: { token: code, id }, key },
      200,
    );
    await probe(
      server,
      { method: 'GET', path: `${P}/verify/{token}/{id}`, params: { token: code, id }, key },
      401,
    );
    await probe(server, { method: 'POST', path: `${P}/users/{id}/secret`, params: { id }, key }, 403);
    for (const path of [`${P}/users/{id}/remove`, `${P}/users/{id}/delete`, `${P}/users/delete/{id}`]) {
      await probe(server, { method: 'POST', path, params: { id: await register() }, key }, 200);
      await probe(server, { method: 'POST', path, params: { id: 999_999 }, key }, 404);
    }
    await probe(
      server,
      { method: 'GET', path: `${P}/registrations/status`, key, query: 'custom_user_id=u1' },
      404,
    );
    await probe(server, { method: 'GET', path: `${P}/registrations/status`, key }, 400);
  });

  it('tokens: verify, SMS and call; sent, ignored, refused, limited, and the provider down', async () => {
    const id = await register();
    const verify = (token: string, userId: number | string = id) =>
      probe(server, { method: 'GET', path: `${P}/verify/{token}/{id}`, params: { token, id: userId }, key });
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/sms/{id}`,
        params: { id },
        key,
        query: 'action=login&action_message=Your%20code',
      },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/verify/{token}/{id}`,
        params: { token: lastCode(), id },
        key,
        query: 'action=login',
      },
      200,
    );
    await probe(server, { method: 'GET', path: `${P}/call/{id}`, params: { id }, key }, 200);
    // The send limit (COUNTERSIGN_SEND_LIMIT=2) is reached: 429.
    await probe(server, { method: 'GET', path: `${P}/call/{id}`, params: { id }, key }, 429);
    await probe(server, { method: 'GET', path: `${P}/sms/{id}`, params: { id }, key }, 429);
    for (const channel of ['sms', 'call']) {
      await probe(server, { method: 'GET', path: `${P}/${channel}/{id}`, params: { id: 999_999 }, key }, 404);
      await probe(
        server,
        { method: 'GET', path: `${P}/${channel}/{id}`, params: { id }, key, query: 'action=' },
        400,
      );
      messaging.down = true;
      await probe(
        server,
        { method: 'GET', path: `${P}/${channel}/{id}`, params: { id: await register() }, key },
        503,
      );
      messaging.down = false;
    }
    const withDevice = await register();
    await enrolledDevice(withDevice);
    for (const channel of ['sms', 'call'])
      await probe(
        server,
        { method: 'GET', path: `${P}/${channel}/{id}`, params: { id: withDevice }, key },
        200,
      );
    expect((await verify('1234567')).error_code).toBe('60020');
    await probe(
      server,
      { method: 'GET', path: `${P}/verify/{token}/{id}`, params: { token: '1234567', id: 999_999 }, key },
      404,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/verify/{token}/{id}`,
        params: { token: '1234567', id },
        key,
        query: 'action=',
      },
      400,
    );
    // Past the failures allowed, even the right code is refused: 429 with Retry-After.
    let locked: Record<string, unknown> = {};
    for (let i = 0; i < 12 && locked.error_code !== '60003'; i++) locked = await verify('1234567');
    expect(locked.error_code).toBe('60003');
  });

  it('approvals: create, status (long poll too), events; and their refusals', async () => {
    const id = await register();
    const uuid = await approvalRequest(id, {
      hidden_details: { ip: '10.0.0.1' },
      logos: [{ res: 'default', url: 'https://example.com/logo.png' }],
      seconds_to_expire: 120,
    });
    await probe(
      server,
      {
        method: 'POST',
        path: `${OT}/users/{id}/approval_requests`,
        params: { id },
        key,
        form: 'message=Pay&details%5BAmount%5D=10',
      },
      200,
    );
    await probe(
      server,
      { method: 'GET', path: `${OT}/approval_requests/{uuid}`, params: { uuid }, key },
      200,
    );
    await probe(
      server,
      { method: 'GET', path: `${OT}/approval_requests/{uuid}`, params: { uuid: ANY_PARAMS.uuid }, key },
      404,
    );
    await probe(
      server,
      { method: 'GET', path: `${OT}/approval_requests/{uuid}`, params: { uuid }, key, query: 'wait=61' },
      400,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: `${OT}/users/{id}/approval_requests`,
        params: { id: 999_999 },
        key,
        json: { message: 'Hi' },
      },
      404,
    );
    await probe(
      server,
      { method: 'POST', path: `${OT}/users/{id}/approval_requests`, params: { id }, key, json: {} },
      400,
    );
    // Answered by its device: the status carries the device, the reason and the receipt.
    const device = await enrolledDevice(id);
    const answered = await approvalRequest(id);
    const pending = await pendingOf(device, answered);
    const answer = answerFor(device, pending, 'denied', { reason: 'not_me' });
    await probe(
      server,
      {
        method: 'POST',
        path: '/device/v1/requests/{uuid}/answer',
        params: { uuid: answered },
        device,
        json: answer,
      },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${OT}/approval_requests/{uuid}`,
        params: { uuid: answered },
        key,
        query: 'wait=5',
      },
      200,
    );
    await probe(
      server,
      { method: 'GET', path: `${OT}/approval_requests/{uuid}/events`, params: { uuid: answered }, key },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${OT}/approval_requests/{uuid}/events`,
        params: { uuid },
        key,
        headers: { accept: 'text/event-stream' },
      },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${OT}/approval_requests/{uuid}/events`,
        params: { uuid: ANY_PARAMS.uuid },
        key,
      },
      404,
    );
    // Too many pending requests for one user: 429.
    let refused: Record<string, unknown> = {};
    for (let i = 0; i < 12 && refused.error_code !== '60003'; i++) {
      refused = await probe(server, {
        method: 'POST',
        path: `${OT}/users/{id}/approval_requests`,
        params: { id },
        key,
        json: { message: 'Again' },
      });
    }
    expect(refused.error_code).toBe('60003');
  });

  it('phones: start, check, status, info; and their refusals', async () => {
    const number = nextPhone();
    const phoneOf = { country_code: '1', phone_number: number };
    const start = (body: Record<string, unknown>) =>
      probe(server, { method: 'POST', path: `${P}/phones/verification/start`, key, json: body });
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/status`,
        key,
        query: `country_code=1&phone_number=${number}`,
      },
      404,
    );
    expect((await start({ ...phoneOf, via: 'sms' })).success).toBe(true);
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/status`,
        key,
        query: `country_code=1&phone_number=${number}`,
      },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/check`,
        key,
        query: `country_code=1&phone_number=${number}&verification_code=0000`,
      },
      401,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/check`,
        key,
        raw: {
          body: `country_code=1&phone_number=${number}&verification_code=${lastCode()}`,
          type: 'application/x-www-form-urlencoded',
        },
      },
      200,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/check`,
        key,
        query: `country_code=1&phone_number=${nextPhone()}&verification_code=1234`,
      },
      404,
    );
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/check`,
        key,
        query: 'country_code=1&phone_number=12&verification_code=1234',
      },
      400,
    );
    expect((await start({ ...phoneOf, via: 'call' })).success).toBe(true);
    expect((await start(phoneOf)).error_code).toBe('60003');
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/phones/verification/start`,
        key,
        json: { country_code: '999', phone_number: number },
      },
      400,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/phones/verification/start`,
        key,
        json: { country_code: '1', phone_number: '12' },
      },
      400,
    );
    messaging.down = true;
    await probe(
      server,
      {
        method: 'POST',
        path: `${P}/phones/verification/start`,
        key,
        json: { country_code: '1', phone_number: nextPhone() },
      },
      503,
    );
    messaging.down = false;
    await probe(
      server,
      {
        method: 'GET',
        path: `${P}/phones/verification/status`,
        key,
        query: 'country_code=1&phone_number=12',
      },
      400,
    );
    await probe(
      server,
      { method: 'GET', path: `${P}/phones/info`, key, query: `country_code=1&phone_number=${number}` },
      200,
    );
    await probe(
      server,
      { method: 'GET', path: `${P}/phones/info`, key, query: 'country_code=1&phone_number=12' },
      400,
    );
  });

  it('app: details and statistics', async () => {
    await probe(server, { method: 'GET', path: `${P}/app/details`, key, query: 'user_ip=10.0.0.1' }, 200);
    await probe(server, { method: 'GET', path: `${P}/app/stats`, key }, 200);
    const sandbox = (await server.createApp({ name: 'Sandbox', profile: 'sandbox', numberMatching: '2' }))
      .apiKey;
    await probe(server, { method: 'GET', path: `${P}/app/details`, key: sandbox }, 200);
  });

  it('device protocol: every route, signed and not, with its refusals', async () => {
    const id = await register();
    await probe(
      server,
      { method: 'POST', path: `${P}/users/{id}/enrollments`, params: { id: 999_999 }, key },
      404,
    );
    const created = await probe(
      server,
      { method: 'POST', path: `${P}/users/{id}/enrollments`, params: { id }, key },
      200,
    );
    const url = (created.enrollment as { url: string }).url;
    const token = /#enroll=([A-Za-z0-9_-]+)/.exec(url)?.[1] ?? '';
    const { publicJwk, privateKey } = newKeyPair();
    const proof = signText(
      privateKey,
      canonicalJson({ purpose: 'countersign-enrollment', token, public_key: publicJwk }),
    );
    const enroll = { token, public_key: publicJwk, name: 'Phone', platform: 'cli', proof };
    const enrolled = await probe(
      server,
      { method: 'POST', path: '/device/v1/enrollments', json: enroll },
      200,
    );
    await probe(server, { method: 'POST', path: '/device/v1/enrollments', json: enroll }, 400);
    await probe(
      server,
      { method: 'POST', path: '/device/v1/enrollments', json: { ...enroll, platform: 'toaster' } },
      400,
    );
    const device = { id: enrolled.device_id as string, privateKey };

    // By phone: the code goes to the registered phone.
    const started = await probe(
      server,
      {
        method: 'POST',
        path: '/device/v1/phone-enrollments',
        json: { country_code: '1', phone_number: String(phone) },
      },
      200,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: '/device/v1/phone-enrollments',
        json: { country_code: '1', phone_number: '12' },
      },
      400,
    );
    const enrollmentId = started.enrollment_id as string;
    const byPhone = newKeyPair();
    const completion = (code: string) => ({
      code,
      public_key: byPhone.publicJwk,
      name: 'Tablet',
      platform: 'web',
      proof: signText(
        byPhone.privateKey,
        canonicalJson({
          purpose: 'countersign-phone-enrollment',
          enrollment_id: enrollmentId,
          code,
          public_key: byPhone.publicJwk,
        }),
      ),
    });
    const complete = (code: string, enrollment = enrollmentId) =>
      probe(server, {
        method: 'POST',
        path: '/device/v1/phone-enrollments/{id}/complete',
        params: { id: enrollment },
        json: completion(code),
      });
    // The code goes out from the message queue's worker (R90): wait for it to be sent.
    await server.app.messages.drain();
    const code = lastCode();
    expect((await complete(code === '000000' ? '111111' : '000000')).error_code).toBe('60036');
    const unknown = await complete(code, 'not-an-id');
    expect(unknown.error_code, JSON.stringify(unknown)).toBe('60034');
    expect((await complete(code)).success).toBe(true);

    // By an invitation (D15): the link names the user, the code sent to the phone binds.
    const contractApp = await server.app.services.apps.find(appId);
    if (contractApp === undefined) throw new Error('no contract app');
    const [invitation] = await server.app.services.invitations.invite(contractApp, [await register()], {
      via: 'export',
      validDays: 1,
    });
    const invitationToken = /#invite=([A-Za-z0-9_-]+)$/.exec(invitation?.link ?? '')?.[1] ?? '';
    const invitationPath = { params: { invitation: invitationToken } };
    await probe(
      server,
      { method: 'GET', path: '/device/v1/invitations/{invitation}', ...invitationPath },
      200,
    );
    await probe(
      server,
      { method: 'POST', path: '/device/v1/invitations/{invitation}/code', ...invitationPath, json: {} },
      200,
    );
    await server.app.messages.drain();
    const invitationCode = lastCode();
    const invited = newKeyPair();
    const byInvitation = (code: string) => ({
      invitation: invitationToken,
      code,
      public_key: invited.publicJwk,
      name: 'Invited',
      platform: 'web',
      proof: signText(
        invited.privateKey,
        canonicalJson({
          purpose: 'countersign-invitation-enrollment',
          invitation: invitationToken,
          code,
          public_key: invited.publicJwk,
        }),
      ),
    });
    const wrongCode = invitationCode === '000000' ? '111111' : '000000';
    await probe(
      server,
      { method: 'POST', path: '/device/v1/enrollments', json: byInvitation(wrongCode) },
      401,
    );
    await probe(
      server,
      { method: 'POST', path: '/device/v1/enrollments', json: byInvitation(invitationCode) },
      200,
    );
    await probe(
      server,
      { method: 'POST', path: '/device/v1/enrollments', json: byInvitation(invitationCode) },
      404,
    );
    await probe(
      server,
      { method: 'GET', path: '/device/v1/invitations/{invitation}', ...invitationPath },
      404,
    );
    await probe(
      server,
      { method: 'POST', path: '/device/v1/invitations/{invitation}/code', ...invitationPath, json: {} },
      404,
    );

    for (const path of [
      '/device/v1/accounts',
      '/device/v1/requests',
      '/device/v1/devices',
      '/device/v1/events',
      '/device/v1/history',
    ]) {
      await probe(server, { method: 'GET', path, device }, 200);
      await probe(server, { method: 'GET', path }, 401);
    }
    await probe(server, { method: 'GET', path: '/device/v1/push-key' }, 200);
    const subscription = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      keys: {
        p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      },
    };
    await probe(
      server,
      { method: 'POST', path: '/device/v1/push-subscription', device, json: subscription },
      200,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: '/device/v1/push-subscription',
        device,
        json: { ...subscription, endpoint: 'https://example.com/push' },
      },
      400,
    );
    await probe(server, { method: 'POST', path: '/device/v1/push-subscription', json: subscription }, 401);

    // Answers: approved, then again (409); expired (410); mismatched (400); unknown (404); unsigned (401).
    const uuid = await approvalRequest(id);
    const pending = await pendingOf({ ...device, publicJwk, accounts: [] }, uuid);
    const answerPath = '/device/v1/requests/{uuid}/answer';
    await probe(
      server,
      {
        method: 'POST',
        path: answerPath,
        params: { uuid },
        device,
        json: answerFor(device, pending, 'approved', { display_hash: 'x' }),
      },
      400,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: answerPath,
        params: { uuid },
        device,
        json: answerFor(device, pending, 'approved'),
      },
      200,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: answerPath,
        params: { uuid },
        device,
        json: answerFor(device, pending, 'approved'),
      },
      409,
    );
    await probe(
      server,
      {
        method: 'POST',
        path: answerPath,
        params: { uuid: ANY_PARAMS.uuid },
        device,
        json: answerFor(device, pending, 'approved'),
      },
      404,
    );
    await probe(
      server,
      { method: 'POST', path: answerPath, params: { uuid }, json: answerFor(device, pending, 'approved') },
      401,
    );
    const expiring = await approvalRequest(id, { seconds_to_expire: 1 });
    const soon = await pendingOf({ ...device, publicJwk, accounts: [] }, expiring);
    clock.advance(2_000);
    await probe(
      server,
      {
        method: 'POST',
        path: answerPath,
        params: { uuid: expiring },
        device,
        json: answerFor(device, soon, 'approved'),
      },
      410,
    );
    // The history lists both, an answer with its receipt and an expiry without; a page at a time.
    const history = await probe(
      server,
      { method: 'GET', path: '/device/v1/history', query: 'limit=1', device },
      200,
    );
    expect((history.history as unknown[]).length).toBe(1);
    await probe(
      server,
      {
        method: 'GET',
        path: '/device/v1/history',
        query: `cursor=${history.next_cursor as string}`,
        device,
      },
      200,
    );
    await probe(server, { method: 'GET', path: '/device/v1/history', query: 'limit=0', device }, 400);

    // User verification (D14): a passkey registered once; then an approval without its assertion is refused.
    const passkey = new SoftwarePasskey(server.config.publicUrl);
    const options = await probe(server, { method: 'GET', path: '/device/v1/passkey/options', device }, 200);
    await probe(server, { method: 'GET', path: '/device/v1/passkey/options' }, 401);
    const credential = passkey.register(options.options as { challenge: string; rp: { id: string } });
    await probe(server, { method: 'POST', path: '/device/v1/passkey', json: { credential } }, 401);
    await probe(server, { method: 'POST', path: '/device/v1/passkey', device, json: { credential } }, 200);
    await probe(server, { method: 'POST', path: '/device/v1/passkey', device, json: { credential } }, 400);
    const verified = await approvalRequest(id);
    const toVerify = await pendingOf({ ...device, publicJwk, accounts: [] }, verified);
    const bare = answerFor(device, toVerify, 'approved');
    await probe(
      server,
      { method: 'POST', path: answerPath, params: { uuid: verified }, device, json: bare },
      403,
    );
    const assertion = passkey.assert(answerChallenge(bare.document as never), 'localhost');
    await probe(
      server,
      { method: 'POST', path: answerPath, params: { uuid: verified }, device, json: { ...bare, assertion } },
      200,
    );

    const devicesPath = '/device/v1/devices/{id}';
    await probe(
      server,
      { method: 'DELETE', path: devicesPath, params: { id: ANY_PARAMS.uuid }, device },
      404,
    );
    await probe(server, { method: 'DELETE', path: devicesPath, params: { id: device.id } }, 401);
    await probe(server, { method: 'DELETE', path: devicesPath, params: { id: device.id }, device }, 200);
  });

  it('device admissions: open, claim, view, approve, deny and the new device’s wait; and their refusals', async () => {
    const holder = await enrolledDevice(await register());
    const open = () => probe(server, { method: 'POST', path: '/device/v1/admissions', device: holder }, 200);
    await probe(server, { method: 'POST', path: '/device/v1/admissions' }, 401);
    const started = (await open()).admission as { id: string; url: string };
    const token = /#admit=([A-Za-z0-9_-]+)/.exec(started.url)?.[1] ?? '';
    const claimOf = (t: string, pair = newKeyPair()) => ({
      token: t,
      public_key: pair.publicJwk,
      name: 'New phone',
      platform: 'web',
      proof: signText(
        pair.privateKey,
        canonicalJson({
          purpose: 'countersign-admission-claim',
          token: t,
          public_key: pair.publicJwk,
          name: 'New phone',
          platform: 'web',
        }),
      ),
    });
    const claimPath = '/device/v1/admission-claims';
    const pair = newKeyPair();
    const claimed = await probe(server, { method: 'POST', path: claimPath, json: claimOf(token, pair) }, 200);
    await probe(server, { method: 'POST', path: claimPath, json: claimOf(token) }, 400);
    const newDevice = { id: claimed.device_id as string, privateKey: pair.privateKey };

    const viewPath = '/device/v1/admissions/{id}';
    const params = { id: started.id };
    const seen = (await probe(server, { method: 'GET', path: viewPath, params, device: holder }, 200))
      .admission as Record<string, unknown> & { new_device: Record<string, unknown> };
    await probe(server, { method: 'GET', path: viewPath, params }, 401);
    await probe(
      server,
      { method: 'GET', path: viewPath, params: { id: ANY_PARAMS.uuid }, device: holder },
      404,
    );
    const approval = (admission: typeof seen, signedAt = clock.now()) => {
      const document = {
        purpose: 'countersign-admission',
        admission_id: admission.id,
        device_id: holder.id,
        new_device_id: admission.new_device.device_id,
        new_public_key: admission.new_device.public_key,
        new_device_name: admission.new_device.name,
        new_device_platform: admission.new_device.platform,
        authy_id: admission.authy_id,
        app_id: admission.app_id,
        signed_at: signedAt,
      };
      return { document, signature: signText(holder.privateKey, canonicalJson(document)) };
    };
    const statusPath = '/device/v1/admissions/{id}/status';
    await probe(server, { method: 'GET', path: statusPath, params, device: newDevice }, 200);
    await probe(server, { method: 'GET', path: statusPath, params, device: holder }, 401);

    const approvePath = '/device/v1/admissions/{id}/approve';
    const good = approval(seen);
    await probe(server, { method: 'POST', path: approvePath, params, json: good }, 401);
    await probe(
      server,
      {
        method: 'POST',
        path: approvePath,
        params,
        device: holder,
        json: { ...good, signature: good.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      },
      401,
    );
    await probe(
      server,
      { method: 'POST', path: approvePath, params, device: holder, json: approval({ ...seen, authy_id: 1 }) },
      400,
    );
    await probe(
      server,
      { method: 'POST', path: approvePath, params: { id: ANY_PARAMS.uuid }, device: holder, json: good },
      404,
    );
    await probe(server, { method: 'POST', path: approvePath, params, device: holder, json: good }, 200);
    await probe(server, { method: 'POST', path: approvePath, params, device: holder, json: good }, 409);

    // User verification (D14): a holder with a passkey must use it.
    const keeper = await enrolledDevice(await register());
    const passkey = new SoftwarePasskey(server.config.publicUrl);
    const options = await probe(
      server,
      { method: 'GET', path: '/device/v1/passkey/options', device: keeper },
      200,
    );
    const credential = passkey.register(options.options as { challenge: string; rp: { id: string } });
    await probe(
      server,
      { method: 'POST', path: '/device/v1/passkey', device: keeper, json: { credential } },
      200,
    );
    const guarded = (
      await probe(server, { method: 'POST', path: '/device/v1/admissions', device: keeper }, 200)
    ).admission as {
      id: string;
      url: string;
    };
    await probe(
      server,
      {
        method: 'POST',
        path: claimPath,
        json: claimOf(/#admit=([A-Za-z0-9_-]+)/.exec(guarded.url)?.[1] ?? ''),
      },
      200,
    );
    const guardedView = (
      await probe(server, { method: 'GET', path: viewPath, params: { id: guarded.id }, device: keeper }, 200)
    ).admission as typeof seen;
    const guardedDocument = { ...approval(guardedView).document, device_id: keeper.id };
    await probe(
      server,
      {
        method: 'POST',
        path: approvePath,
        params: { id: guarded.id },
        device: keeper,
        json: {
          document: guardedDocument,
          signature: signText(keeper.privateKey, canonicalJson(guardedDocument)),
        },
      },
      403,
    );

    const denyPath = '/device/v1/admissions/{id}/deny';
    const toDeny = ((await open()).admission as { id: string }).id;
    await probe(server, { method: 'POST', path: denyPath, params: { id: toDeny } }, 401);
    await probe(
      server,
      { method: 'POST', path: denyPath, params: { id: ANY_PARAMS.uuid }, device: holder },
      404,
    );
    await probe(server, { method: 'POST', path: denyPath, params: { id: toDeny }, device: holder }, 200);
    await probe(server, { method: 'POST', path: denyPath, params: { id: toDeny }, device: holder }, 409);

    // Past its ten minutes an admission can no longer be approved; the clock goes back afterwards.
    const late = (await open()).admission as { id: string; url: string };
    await probe(
      server,
      { method: 'POST', path: claimPath, json: claimOf(/#admit=([A-Za-z0-9_-]+)/.exec(late.url)?.[1] ?? '') },
      200,
    );
    const lateView = (
      await probe(server, { method: 'GET', path: viewPath, params: { id: late.id }, device: holder }, 200)
    ).admission as typeof seen;
    const before = clock.now();
    clock.advance(10 * 60_000);
    try {
      const body = approval(lateView);
      const url = `/device/v1/admissions/${late.id}/approve`;
      await probe(
        server,
        {
          method: 'POST',
          path: approvePath,
          params: { id: late.id },
          json: body,
          headers: signedHeaders(holder, 'POST', url, JSON.stringify(body), { timestamp: clock.now() }),
        },
        410,
      );
    } finally {
      clock.set(before);
    }
  });

  it('operations: /healthz, /readyz and the receipt keys', async () => {
    for (const path of ['/healthz', '/readyz', '/.well-known/jwks.json'])
      await probe(server, { method: 'GET', path }, 200);
  });

  it('verify v2: services, verifications and checks, with their refusals', async () => {
    const auth = basic(accountSid, key);
    const v2 = verifyProbe(server, auth);
    const created = await v2('POST', '/Services', 201, 'FriendlyName=Contract+Bank&CodeLength=6');
    const sid = created.sid as string;
    const at = { ServiceSid: sid };
    await v2('POST', '/Services', 400, 'FriendlyName=Contract&CodeLength=11');
    await v2('GET', '/Services', 200);
    await probe(server, { method: 'GET', path: '/v2/Services', query: 'PageSize=0', headers: auth }, 400);
    await v2('GET', '/Services/{ServiceSid}', 200, undefined, at);
    await v2('GET', '/Services/{ServiceSid}', 404, undefined, { ServiceSid: `VA${'f'.repeat(32)}` });
    await v2('POST', '/Services/{ServiceSid}', 200, 'FriendlyName=Contract+Pay', at);
    await v2('POST', '/Services/{ServiceSid}', 400, 'Totp.Skew=9', at);
    await v2('POST', '/Services/{ServiceSid}', 404, 'FriendlyName=X', { ServiceSid: `VA${'f'.repeat(32)}` });
    const doomed = (await v2('POST', '/Services', 201, 'FriendlyName=Doomed')).sid as string;
    const gone = await exchange(server, 'DELETE', `/v2/Services/${doomed}`, auth);
    // No content, as documented: the contract's checker reads bodies, so the 204 is checked here.
    expect([gone.status, gone.text, gone.headers['content-type']]).toEqual([204, '', undefined]);
    expect(document.paths['/v2/Services/{ServiceSid}']?.delete?.responses['204']).toEqual({
      description: 'No Content',
    });
    const deletes = contract.seen.get('DELETE /v2/Services/{ServiceSid}') ?? new Set<string>();
    contract.seen.set('DELETE /v2/Services/{ServiceSid}', deletes.add('204'));
    await v2('DELETE', '/Services/{ServiceSid}', 404, undefined, { ServiceSid: doomed });

    const to = `+1${nextPhone()}`;
    const path = '/Services/{ServiceSid}/Verifications';
    const started = await v2('POST', path, 201, `To=${encodeURIComponent(to)}&Channel=sms`, at);
    await v2('POST', path, 400, 'To=12345&Channel=sms', at);
    await v2('POST', path, 400, `To=${encodeURIComponent('+442071838750')}&Channel=sms`, at);
    await v2('POST', path, 404, `To=${encodeURIComponent(to)}&Channel=sms`, {
      ServiceSid: `VA${'f'.repeat(32)}`,
    });
    for (let i = 0; i < 4; i++) await v2('POST', path, 201, `To=${encodeURIComponent(to)}&Channel=call`, at);
    const spent = await v2('POST', path, 429, `To=${encodeURIComponent(to)}&Channel=sms`, at);
    expect(spent.code).toBe(60203);
    messaging.down = true;
    try {
      const down = await v2(
        'POST',
        path,
        503,
        `To=${encodeURIComponent(`+1${nextPhone()}`)}&Channel=sms`,
        at,
      );
      expect(down.code).toBe(20503);
    } finally {
      messaging.down = false;
    }
    const one = `${path}/{Sid}`;
    const vsid = started.sid as string;
    await v2('GET', one, 200, undefined, { ...at, Sid: vsid });
    await v2('GET', one, 404, undefined, { ...at, Sid: `VE${'f'.repeat(32)}` });
    await probe(
      server,
      { method: 'GET', path: `/v2${one}`, params: { ...at, Sid: vsid }, query: 'x=1', headers: auth },
      200,
    );
    const check = '/Services/{ServiceSid}/VerificationCheck';
    await v2('POST', check, 400, 'Code=12', at);
    for (let i = 0; i < 4; i++) await v2('POST', check, 200, `VerificationSid=${vsid}&Code=000000`, at);
    await v2('POST', check, 200, `VerificationSid=${vsid}&Code=000000`, at);
    const maxed = await v2('POST', check, 429, `VerificationSid=${vsid}&Code=123456`, at);
    expect(maxed.code).toBe(60202);
    await v2('POST', check, 404, `VerificationSid=VE${'f'.repeat(32)}&Code=123456`, at);
    await v2('POST', one, 200, 'Status=canceled', {
      ...at,
      Sid: (await v2('POST', path, 201, `To=${encodeURIComponent(`+1${nextPhone()}`)}&Channel=sms`, at))
        .sid as string,
    });
    await v2('POST', one, 400, 'Status=pending', { ...at, Sid: vsid });
    await v2('POST', one, 404, 'Status=canceled', { ...at, Sid: vsid });
  });

  it('verify v2: entities, TOTP factors and TOTP challenges, with their refusals', async () => {
    const auth = basic(accountSid, key);
    const v2 = verifyProbe(server, auth);
    const noContent = async (path: string, operation: string) => {
      const gone = await exchange(server, 'DELETE', path, auth);
      expect([gone.status, gone.text]).toEqual([204, '']);
      const seen = contract.seen.get(operation) ?? new Set<string>();
      contract.seen.set(operation, seen.add('204'));
    };
    const service = (await v2('POST', '/Services', 201, 'FriendlyName=Factor+Bank')).sid as string;
    const at = { ServiceSid: service, Identity: 'contract-user-1' };
    const entities = '/Services/{ServiceSid}/Entities';
    await v2('POST', entities, 201, 'Identity=contract-user-1', { ServiceSid: service });
    await v2('POST', entities, 400, 'Identity=short', { ServiceSid: service });
    await v2('GET', entities, 200, undefined, { ServiceSid: service });
    const entity = `${entities}/{Identity}`;
    await v2('GET', entity, 200, undefined, at);
    await v2('GET', entity, 404, undefined, { ...at, Identity: 'nobody-at-all' });

    const factors = `${entity}/Factors`;
    const made = await v2('POST', factors, 201, 'FriendlyName=Phone&FactorType=totp', at);
    const uri = (made.binding as { uri: string }).uri;
    await v2('POST', factors, 400, 'FriendlyName=Phone&FactorType=push', at);
    await v2('GET', factors, 200, undefined, at);
    const factor = `${factors}/{Sid}`;
    const fat = { ...at, Sid: made.sid as string };
    await v2('GET', factor, 200, undefined, fat);
    await v2('GET', factor, 404, undefined, { ...at, Sid: `YF${'f'.repeat(32)}` });
    await v2('POST', factor, 200, `AuthPayload=${totpNow(uri, clock.now())}`, fat);
    await v2('POST', factor, 400, 'AuthPayload=abc', fat);

    const challenges = `${entity}/Challenges`;
    clock.advance(30_000);
    const approved = await v2(
      'POST',
      challenges,
      201,
      `FactorSid=${made.sid}&AuthPayload=${totpNow(uri, clock.now())}`,
      at,
    );
    expect(approved.status).toBe('approved');
    await v2('POST', challenges, 400, `FactorSid=${made.sid}&AuthPayload=x`, at);
    await v2('GET', challenges, 200, undefined, at);
    await v2('GET', `${challenges}/{Sid}`, 200, undefined, { ...at, Sid: approved.sid as string });
    await v2('GET', `${challenges}/{Sid}`, 404, undefined, { ...at, Sid: `YC${'f'.repeat(32)}` });
    // Ten wrong codes lock the factor: the eleventh try is 429 / 60202.
    for (let i = 0; i < 10; i++)
      await v2('POST', challenges, 201, `FactorSid=${made.sid}&AuthPayload=00000`, at);
    const locked = await v2('POST', challenges, 429, `FactorSid=${made.sid}&AuthPayload=000000`, at);
    expect(locked.code).toBe(60202);
    expect((await v2('POST', factor, 429, 'AuthPayload=000000', fat)).code).toBe(60202);

    await noContent(
      `/v2/Services/${service}/Entities/contract-user-1/Factors/${made.sid}`,
      'DELETE /v2/Services/{ServiceSid}/Entities/{Identity}/Factors/{Sid}',
    );
    await v2('DELETE', factor, 404, undefined, fat);
    await noContent(
      `/v2/Services/${service}/Entities/contract-user-1`,
      'DELETE /v2/Services/{ServiceSid}/Entities/{Identity}',
    );
    await v2('DELETE', entity, 404, undefined, at);
  });

  it('verify v2: webhooks, with their refusals', async () => {
    const auth = basic(accountSid, key);
    const v2 = verifyProbe(server, auth);
    const service = (await v2('POST', '/Services', 201, 'FriendlyName=Hook+Bank')).sid as string;
    const webhooks = '/Services/{ServiceSid}/Webhooks';
    const at = { ServiceSid: service };
    const form = 'FriendlyName=Events&EventTypes=factor.verified&EventTypes=challenge.approved';
    const made = await v2('POST', webhooks, 201, `${form}&WebhookUrl=https%3A%2F%2Fexample.com%2Fhook`, at);
    expect(made.event_types).toEqual(['factor.verified', 'challenge.approved']);
    await v2('POST', webhooks, 400, `${form}&WebhookUrl=http%3A%2F%2F10.0.0.1%2F`, at);
    await v2(
      'POST',
      webhooks,
      400,
      'FriendlyName=x&EventTypes=nope&WebhookUrl=https%3A%2F%2Fexample.com',
      at,
    );
    await v2('GET', webhooks, 200, undefined, at);
    const webhook = `${webhooks}/{Sid}`;
    const wat = { ...at, Sid: made.sid as string };
    await v2('GET', webhook, 200, undefined, wat);
    await v2('GET', webhook, 404, undefined, { ...at, Sid: `YW${'f'.repeat(32)}` });
    expect((await v2('POST', webhook, 200, 'Status=disabled&EventTypes=*', wat)).event_types).toEqual(['*']);
    await v2('POST', webhook, 400, 'Version=v1', wat);
    const gone = await exchange(server, 'DELETE', `/v2/Services/${service}/Webhooks/${made.sid}`, auth);
    expect([gone.status, gone.text]).toEqual([204, '']);
    const operation = 'DELETE /v2/Services/{ServiceSid}/Webhooks/{Sid}';
    contract.seen.set(operation, (contract.seen.get(operation) ?? new Set<string>()).add('204'));
    await v2('DELETE', webhook, 404, undefined, wat);
  });

  it('verify v2: access tokens, push factors, push challenges and notifications, with their refusals', async () => {
    const auth = basic(accountSid, key);
    const v2 = verifyProbe(server, auth);
    const service = (await v2('POST', '/Services', 201, 'FriendlyName=Push+Bank')).sid as string;
    const tokens = '/Services/{ServiceSid}/AccessTokens';
    const form = 'Identity=contract-push-1&FactorType=push&FactorFriendlyName=Phone';
    const token = await v2('POST', tokens, 201, form, { ServiceSid: service });
    await v2('POST', tokens, 400, `${form}&Ttl=5`, { ServiceSid: service });
    await v2('GET', `${tokens}/{Sid}`, 200, undefined, { ServiceSid: service, Sid: token.sid as string });
    await v2('GET', `${tokens}/{Sid}`, 404, undefined, { ServiceSid: service, Sid: `YK${'f'.repeat(32)}` });

    await enrollWithLink(server, token.token as string);
    const at = { ServiceSid: service, Identity: 'contract-push-1' };
    const factors = '/Services/{ServiceSid}/Entities/{Identity}/Factors';
    const listed = await v2('GET', factors, 200, undefined, at);
    const factorSid = (listed.factors as Array<{ sid: string; factor_type: string }>)[0]?.sid ?? '';
    await v2('GET', `${factors}/{Sid}`, 200, undefined, { ...at, Sid: factorSid });

    const challenges = '/Services/{ServiceSid}/Entities/{Identity}/Challenges';
    const field = encodeURIComponent(JSON.stringify({ label: 'Amount', value: '$5.00' }));
    const hidden = encodeURIComponent(JSON.stringify({ ip: '203.0.113.7' }));
    const pending = await v2(
      'POST',
      challenges,
      201,
      `FactorSid=${factorSid}&Details.Message=Pay%3F&Details.Fields=${field}&Details.Fields=${field.replace('Amount', 'Fee')}&HiddenDetails=${hidden}`,
      at,
    );
    expect(pending.status).toBe('pending');
    await v2('POST', challenges, 400, `FactorSid=${factorSid}`, at);
    await v2('GET', `${challenges}/{Sid}`, 200, undefined, { ...at, Sid: pending.sid as string });
    await v2('GET', challenges, 200, undefined, at);

    const notifications = `${challenges}/{Sid}/Notifications`;
    await v2('POST', notifications, 201, 'Ttl=60', { ...at, Sid: pending.sid as string });
    await v2('POST', notifications, 400, 'Ttl=301', { ...at, Sid: pending.sid as string });
    await v2('POST', notifications, 404, 'Ttl=60', { ...at, Sid: `YC${'f'.repeat(32)}` });
    clock.advance(5 * 60_000);
    const expired = await v2('POST', notifications, 403, 'Ttl=60', { ...at, Sid: pending.sid as string });
    expect(expired.code).toBe(60323);
  });

  it('what any route answers before its handler: a wrong key, a bad body, a wrong method or Accept, too large, a path too long or empty', async () => {
    const huge = 'a'.repeat(BODY_LIMIT + 1);
    const paths = new Map<string, string[]>();
    for (const { method, path, operation } of operations()) {
      paths.set(path, [...(paths.get(path) ?? []), method]);
      const base = { method, path, params: ANY_PARAMS };
      if (isApi(path)) {
        await probe(server, { ...base, key: 'not-a-key' }, 401);
        await probe(server, { ...base, key, headers: { accept: 'text/html' } }, 406);
      }
      if (isDevice(path)) await probe(server, { ...base, headers: { accept: 'text/html' } }, 406);
      if (isVerify(path)) {
        await probe(server, base, 401);
        await probe(server, { ...base, headers: basic(accountSid, 'not-a-key') }, 401);
        await probe(server, { ...base, headers: { ...basic(accountSid, key), accept: 'text/html' } }, 406);
      }
      if (documents(operation, 413)) {
        await probe(server, { ...base, key, raw: { body: '{', type: 'application/json' } }, 400);
        await probe(server, { ...base, key, raw: { body: huge, type: 'application/json' } }, 413);
        await probe(server, { ...base, key, raw: { body: 'hello', type: 'text/plain' } }, 415);
      } else {
        // A body where none is read changes nothing the document does not say.
        await probe(server, { ...base, raw: { body: 'hello', type: 'text/plain' } });
      }
      if (documents(operation, 414)) {
        await probe(
          server,
          {
            ...base,
            key,
            params: {
              id: '9'.repeat(300),
              uuid: 'f'.repeat(300),
              token: '1',
              invitation: 'i'.repeat(300),
              ServiceSid: 'V'.repeat(300),
            },
          },
          414,
        );
        // `..` makes a path the router does not know.
        const unknown = await probe(
          server,
          {
            ...base,
            key,
            params: { id: '..', uuid: '..', token: '..', invitation: '..', ServiceSid: '..', Sid: '..' },
          },
          404,
        );
        if (isVerify(path)) expect(unknown.code).toBe(20404);
        else expect(unknown.error_code).toBe('60000');
      }
      const url = urlOf(base);
      conforms(
        `${method} ${path}`,
        await rawExchange(server, `${method} ${url} HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n`),
      );
      conforms(
        `${method} ${path}`,
        await rawExchange(
          server,
          `${method} ${url} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
        ),
      );
    }
    for (const [path, methods] of paths) {
      const answer = await exchange(server, 'PUT', urlOf({ method: 'PUT', path, params: ANY_PARAMS }), {});
      expect(answer.status, path).toBe(405);
      const allowed = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      expect(answer.headers.allow?.split(', ').sort(), path).toEqual(allowed.sort());
      for (const method of methods) conforms(`${method} ${path}`, answer);
    }
  });

  it('429 past the per-app rate limit and 403 for a sandbox app while sandboxes are off, on every API route', async () => {
    const limited = await startTestServer({
      // A clock that stands still: the loop never crosses into the next one-minute window of the limit.
      clock: testClock(),
      env: { COUNTERSIGN_RATE_LIMIT: '1', COUNTERSIGN_SANDBOX: 'off' },
    });
    try {
      const busy = await limited.createApp({ name: 'Busy Bank' });
      const sandbox = await limited.createApp({ name: 'Sandbox', profile: 'sandbox' });
      await probe(limited, { method: 'GET', path: `${P}/app/details`, key: busy.apiKey }, 200);
      for (const { method, path } of operations().filter((o) => isApi(o.path))) {
        await probe(limited, { method, path, params: ANY_PARAMS, key: busy.apiKey }, 429);
        await probe(limited, { method, path, params: ANY_PARAMS, key: sandbox.apiKey }, 403);
      }
      for (const { method, path } of operations().filter((o) => isVerify(o.path))) {
        const busyAuth = basic(busy.accountSid, busy.apiKey);
        await probe(limited, { method, path, params: ANY_PARAMS, headers: busyAuth }, 429);
        const sandboxAuth = basic(sandbox.accountSid, sandbox.apiKey);
        await probe(limited, { method, path, params: ANY_PARAMS, headers: sandboxAuth }, 403);
      }
    } finally {
      await limited.close();
    }
  });

  it('429 on every API and device route while the service is busy (COUNTERSIGN_MAX_IN_FLIGHT, _MAX_STREAMS)', async () => {
    const busy = await startTestServer({
      env: { COUNTERSIGN_MAX_IN_FLIGHT: '1', COUNTERSIGN_MAX_STREAMS: '1' },
    });
    try {
      const busyKey = (await busy.createApp({ name: 'Busy Bank' })).apiKey;
      const user = await probe(
        busy,
        {
          method: 'POST',
          path: `${P}/users/new`,
          key: busyKey,
          json: { user: { email: 'b@example.com', cellphone: '2125550299', country_code: 1 } },
        },
        200,
      );
      const created = await probe(
        busy,
        {
          method: 'POST',
          path: `${OT}/users/{id}/approval_requests`,
          params: { id: (user.user as { id: number }).id },
          key: busyKey,
          json: { message: 'Hold' },
        },
        200,
      );
      const uuid = (created.approval_request as { uuid: string }).uuid;
      // An event stream holds the one place for streams, a long poll the one for requests; the server's
      // closing ends both.
      const stream = await openStream(busy, `${OT}/approval_requests/${uuid}/events`, {
        'x-authy-api-key': busyKey,
      });
      expect(stream.status).toBe(200);
      const held = exchange(busy, 'GET', `${OT}/approval_requests/${uuid}?wait=60`, {
        'x-authy-api-key': busyKey,
      });
      let status = 0;
      while (status !== 429) status = (await exchange(busy, 'GET', '/device/v1/push-key', {})).status;
      for (const { method, path } of operations().filter((o) => isApi(o.path) || isDevice(o.path))) {
        await probe(busy, { method, path, params: ANY_PARAMS, key: busyKey }, 429);
      }
      await busy.close();
      expect((await held).status).toBe(200);
    } catch (error) {
      await busy.close().catch(() => undefined);
      throw error;
    }
  });

  it('every status the document lists for a route was seen (408 and the database away aside)', () => {
    const missing: string[] = [];
    for (const { method, path, operation } of operations()) {
      const statuses = contract.seen.get(`${method} ${path}`) ?? new Set<string>();
      for (const status of Object.keys(operation.responses)) {
        const codes = contract.codesOf(`${method} ${path}`, status);
        const unreachable =
          status === '408' ||
          (status === '503' &&
            (codes === undefined ? path === '/readyz' || isVerify(path) : codes.every((c) => c === '60000')));
        if (!unreachable && !statuses.has(status)) missing.push(`${method} ${path} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('the documented schemas never reach the wire', () => {
  it('an Authy refusal is byte for byte spec 2.5’s, the bad field first, though its schema lists `message` first', async () => {
    const answer = await exchange(
      server,
      'POST',
      `${P}/users/new`,
      { 'x-authy-api-key': key, 'content-type': 'application/json' },
      JSON.stringify({ user: { email: 'not an email', cellphone: nextPhone(), country_code: 1 } }),
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      '{"email":"is invalid","message":"User was not valid","success":false,"errors":{"email":"is invalid","message":"User was not valid"},"error_code":"60027"}',
    );
  });
});
