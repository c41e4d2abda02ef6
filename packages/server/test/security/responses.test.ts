/**
 * What the service answers to hostile or careless callers (R19, R22, R53, R57, R89): negotiation of the
 * media type, answers that tell an unauthenticated caller nothing, bounded callback payloads, and the Authy
 * envelope even for requests the HTTP parser refuses.
 */
import net from 'node:net';
import { canonicalJson } from '@countersign/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/crypto/random.js';
import type { OutgoingMessage } from '../../src/messaging/messaging-provider.js';
import type { CallbackRequest } from '../../src/webhooks/callback-sender.js';
import { OT, P, registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { newKeyPair, signText } from '../support/test-device.js';
import { dataTables, rowCounts } from './support.js';

/** Every enrollment code this server makes is this one, so a test can try the right code. */
const KNOWN_CODE = '424242';
const sent: OutgoingMessage[] = [];
const callbacks: CallbackRequest[] = [];
let clock: TestClock;
let server: TestServer;
let key: string;
let userId: number;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({
    clock,
    random: { ...cryptoRandom, digits: (length) => KNOWN_CODE.padEnd(length, '0').slice(0, length) },
    messaging: {
      name: 'capture',
      send: async (message) => {
        sent.push(message);
      },
    },
    callbackSender: async (request) => {
      callbacks.push(request);
      return { status: 200, retryAfter: undefined };
    },
  });
  key = (
    await server.createApp({
      name: 'Answer Bank',
      callbackUrl: 'https://bank.example/hook',
      callbackExpired: true,
    })
  ).apiKey;
  userId = await registerUser(server, key, '2025550101', 'answers@example.com');
});
afterAll(() => server.close());

describe('R57: the API answers JSON, and says so to a client that wants something else', () => {
  const NOT_ACCEPTABLE = {
    message: 'Not acceptable: this API answers application/json',
    success: false,
    errors: { message: 'Not acceptable: this API answers application/json' },
    error_code: '60002',
  };
  const ROUTES = [
    ['GET', `${P}/app/details`],
    ['POST', `${P}/users/new`],
    ['GET', `${P}/verify/1234567/1`],
    ['POST', `${OT}/users/1/approval_requests`],
    ['GET', `${OT}/approval_requests/00000000-0000-4000-8000-000000000000`],
    ['GET', `${OT}/approval_requests/00000000-0000-4000-8000-000000000000/events`],
    ['GET', '/device/v1/requests'],
    ['POST', '/device/v1/phone-enrollments'],
  ] as const;

  it.each(ROUTES)(
    '%s %s with Accept: text/html or application/xml → 406 in the envelope, nothing written',
    async (method, path) => {
      for (const accept of [
        'text/html',
        'application/xml',
        'text/plain, image/png',
        'application/json;q=0',
      ]) {
        const tables = await dataTables(server.db);
        const before = await rowCounts(server.db, tables);
        const response = await call(server, method, path, {
          key,
          headers: { accept },
          ...(method === 'POST' && { json: { message: 'hi' } }),
        });
        expect(response.status, accept).toBe(406);
        expect(response.body).toStrictEqual(NOT_ACCEPTABLE);
        expect(await rowCounts(server.db, tables)).toStrictEqual(before);
      }
    },
  );

  it.each([
    undefined,
    'application/json',
    '*/*',
    'application/*',
    '*',
    'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'application/json; charset=utf-8',
    'garbage',
  ])('Accept %s is served (what the Authy clients, curl and browsers send)', async (accept) => {
    const response = await call(server, 'GET', `${P}/app/details`, {
      key,
      ...(accept !== undefined && { headers: { accept } }),
    });
    expect(response.status).toBe(200);
  });

  it('an event stream may be asked for as text/event-stream (what @countersign/client sends)', async () => {
    const response = await call(
      server,
      'GET',
      `${OT}/approval_requests/00000000-0000-4000-8000-000000000000/events`,
      {
        key,
        headers: { accept: 'text/event-stream' },
      },
    );
    expect(response.status).toBe(404);
    expect(response.body.error_code).toBe('60049');
  });

  it('the documentation and the web authenticator, which are pages, are not concerned', async () => {
    const docs = await fetch(`${server.url}/docs/json`, { headers: { accept: 'text/html' } });
    expect(docs.status).toBe(200);
  });
});

describe('R89: no stack trace, no framework body: the Authy envelope for everything', () => {
  function raw(text: string): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += String(chunk);
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', () => resolve(answer));
      setTimeout(() => socket.destroy(), 3000).unref();
    });
  }

  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

  it('a request line that is not HTTP → 400 envelope, and the connection closes', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(bodyOf(answer)).toStrictEqual({
      message: 'Invalid request: it is not well-formed HTTP',
      success: false,
      errors: { message: 'Invalid request: it is not well-formed HTTP' },
      error_code: '60002',
    });
  });

  it('a URL or headers over the size limit → 431 envelope', async () => {
    const answer = await raw(`GET ${P}/app/details?pad=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(answer)).toMatchObject({ success: false, error_code: '60002' });
  });

  it('a header with a bare CR → 400 envelope; the service keeps serving', async () => {
    const answer = await raw(`GET ${P}/app/details HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toMatchObject({ success: false, error_code: '60002' });
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('ids the store cannot hold are unknown ids, not errors', () => {
  it.each(['2147483647', '2147483648', '4294967296', '999999999999999'])(
    'user id %s → 404 60026 on every route that takes one (PostgreSQL ids are 32 bits)',
    async (id) => {
      for (const [method, path] of [
        ['GET', `${P}/users/${id}/status`],
        ['GET', `${P}/verify/1234567/${id}`],
        ['GET', `${P}/sms/${id}`],
        ['POST', `${P}/users/${id}/secret`],
        ['POST', `${P}/users/${id}/enrollments`],
        ['POST', `${OT}/users/${id}/approval_requests?message=hi`],
      ] as const) {
        const response = await call(server, method, path, { key });
        expect(response.status, `${method} ${path}: ${response.text}`).toBe(404);
        expect(response.body.error_code).toBe('60026');
      }
    },
  );
});

describe('R19, R22: enrollment by phone tells nothing, and texts a phone at most five times in ten minutes', () => {
  const start = (phone: string) =>
    call(server, 'POST', '/device/v1/phone-enrollments', {
      json: { country_code: '1', phone_number: phone },
    });

  function complete(enrollmentId: string, code: string) {
    const { publicJwk, privateKey } = newKeyPair();
    const proof = signText(
      privateKey,
      canonicalJson({
        purpose: 'countersign-phone-enrollment',
        enrollment_id: enrollmentId,
        code,
        public_key: publicJwk,
      }),
    );
    return call(server, 'POST', `/device/v1/phone-enrollments/${enrollmentId}/complete`, {
      json: { code, public_key: publicJwk, name: 'Attacker', platform: 'cli', proof },
    });
  }

  it('a registered and an unregistered phone get the same answer, and the same refusal of a code (R19)', async () => {
    const registered = await start('2025550101');
    const unregistered = await start('2025550199');
    expect(Object.keys(registered.body).sort()).toEqual(Object.keys(unregistered.body).sort());
    expect([registered.status, unregistered.status]).toEqual([200, 200]);
    expect(registered.body.expires_at).toBe(unregistered.body.expires_at);
    const wrong = await complete(registered.body.enrollment_id as string, '000001');
    const none = await complete(unregistered.body.enrollment_id as string, KNOWN_CODE);
    expect(wrong.status).toBe(401);
    expect(none.text).toBe(wrong.text);
    clock.advance(11 * 60_000);
  });

  it('past five codes in ten minutes nothing is sent and no enrollment can complete, even with the right code; the answer stays the same', async () => {
    const phone = '2025550102';
    await registerUser(server, key, phone, 'victim@example.com');
    const texts = () => sent.filter((m) => m.to === `+1${phone}`).length;
    const started = [];
    for (let i = 0; i < 12; i++) started.push(await start(phone));
    expect(started.map((s) => s.status)).toEqual(new Array(12).fill(200));
    await server.app.messages.drain();
    expect(texts()).toBe(5);
    // The sixth and later look alike but lead nowhere: the right code is refused as a wrong one.
    const late = await complete(started[7]?.body.enrollment_id as string, KNOWN_CODE);
    expect(late.status).toBe(401);
    expect(late.body.error_code).toBe('60036');
    // A code that was sent still works.
    const early = await complete(started[4]?.body.enrollment_id as string, KNOWN_CODE);
    expect(early.status, early.text).toBe(200);
    // Ten minutes later the phone can be texted again.
    clock.advance(10 * 60_000 + 1000);
    await start(phone);
    await server.app.messages.drain();
    expect(texts()).toBe(6);
  });
});

describe('R53: callbacks are small', () => {
  it('a request’s content is capped at 16 KiB, so the callback that carries it stays under 20 KB', async () => {
    const bigValue = '€'.repeat(200);
    const details: Record<string, string> = {};
    const hidden: Record<string, string> = {};
    for (let i = 0; i < 20; i++) details[`detail ${String(i).padStart(2, '0')}`] = bigValue;
    for (let i = 0; i < 20; i++) hidden[`hidden ${String(i).padStart(2, '0')}`] = bigValue;
    const tooBig = await call(server, 'POST', `${OT}/users/${userId}/approval_requests`, {
      key,
      json: { message: bigValue, details, hidden_details: hidden },
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toMatchObject({
      error_code: '60004',
      message:
        'Invalid parameter: details - with message, hidden_details and logos must be at most 16384 bytes',
    });

    // The largest content accepted: fill hidden details up to the cap.
    const fitting: Record<string, string> = {};
    for (let i = 0; i < 20; i++) {
      const candidate = { ...fitting, [`hidden ${String(i).padStart(2, '0')}`]: bigValue };
      const size = Buffer.byteLength(JSON.stringify([bigValue, details, candidate, []]));
      if (size > 16 * 1024) break;
      Object.assign(fitting, candidate);
    }
    const created = await call(server, 'POST', `${OT}/users/${userId}/approval_requests`, {
      key,
      json: { message: bigValue, details, hidden_details: fitting, seconds_to_expire: 60 },
    });
    expect(created.status, created.text).toBe(200);
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    clock.advance(61_000);
    const deadline = Date.now() + 5000;
    while (!callbacks.some((c) => c.body.includes(uuid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    const callback = callbacks.find((c) => c.body.includes(uuid));
    expect(callback).toBeDefined();
    expect(Buffer.byteLength(callback?.body ?? '')).toBeGreaterThan(14_000);
    expect(Buffer.byteLength(callback?.body ?? '')).toBeLessThan(20_000);
    expect(callback?.body).not.toContain(key);
  });
});
