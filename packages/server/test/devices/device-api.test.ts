import { canonicalJson } from '@countersign/protocol';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { TEST_DIALECT } from '../support/test-database.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  signText,
  type TestDevice,
  tokenOf,
} from '../support/test-device.js';

let server: TestServer;
let phone = 4155552600;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Tenant {
  key: string;
  id: number;
}

async function tenant(
  name: string,
  options: { profile?: 'compat' | 'strict'; numberMatching?: 'off' | '2' | '6' } = {},
): Promise<Tenant> {
  const created = await server.createApp({ name, ...options });
  return { key: created.apiKey, id: created.id };
}

async function register(app: Tenant, number = nextPhone()): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.key,
    json: { user: { email: `u${number}@example.com`, cellphone: number, country_code: 1 } },
  });
  return (response.body.user as { id: number }).id;
}

async function link(app: Tenant, userId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.key,
  });
  expect(response.status).toBe(200);
  return (response.body.enrollment as { url: string }).url;
}

async function createRequest(app: Tenant, userId: number, body: Record<string, unknown> = {}) {
  const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.key,
    json: {
      message: 'Transfer money to bob@example.com',
      details: { Amount: '$500', To: 'Bob' },
      hidden_details: { ip: '10.1.1.1' },
      ...body,
    },
  });
  expect(response.status).toBe(200);
  return response.body.approval_request as { uuid: string; number_match?: string };
}

async function pending(device: TestDevice): Promise<PendingRequest[]> {
  const response = await deviceCall(server, device, 'GET', '/device/v1/requests');
  expect(response.status).toBe(200);
  return response.body.requests as PendingRequest[];
}

async function statusOf(app: Tenant, uuid: string) {
  return (await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: app.key })).body
    .approval_request as Record<string, unknown>;
}

const answer = (device: TestDevice, uuid: string, body: unknown) =>
  deviceCall(server, device, 'POST', `/device/v1/requests/${uuid}/answer`, body);

describe('enrollment by an app’s link (R26, R27)', () => {
  it('gives a single-use link with a QR code, valid ten minutes, carrying 256 bits in the URL fragment', async () => {
    const app = await tenant('Link Bank');
    const userId = await register(app);
    const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
      key: app.key,
    });
    const enrollment = response.body.enrollment as { url: string; qr_code: string; expires_at: string };
    expect(enrollment.url).toMatch(/^http:\/\/localhost:\d+\/authenticator\/#enroll=[A-Za-z0-9_-]{43}$/);
    expect(enrollment.qr_code).toMatch(/^data:image\/png;base64,/);
    expect(Date.parse(enrollment.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    const device = await enrollWithLink(server, enrollment.url);
    expect(device.accounts).toEqual([
      {
        app_id: app.id,
        app_name: 'Link Bank',
        authy_id: userId,
        totp: { secret: expect.stringMatching(/^[A-Z2-7]+$/), digits: 7, period: 30, algorithm: 'SHA1' },
      },
    ]);
    await expect(enrollWithLink(server, enrollment.url)).rejects.toThrow(/enrollment failed: 400/);
  });

  it('refuses a proof signed by another key than the one enrolled', async () => {
    const app = await tenant('Proof Bank');
    const url = await link(app, await register(app));
    const token = tokenOf(url);
    const enrolled = newKeyPair();
    const other = newKeyPair();
    const proof = signText(
      other.privateKey,
      canonicalJson({ purpose: 'countersign-enrollment', token, public_key: enrolled.publicJwk }),
    );
    const response = await call(server, 'POST', '/device/v1/enrollments', {
      json: { token, public_key: enrolled.publicJwk, name: 'x', platform: 'cli', proof },
    });
    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe('60034');
    // The token was not spent by the failed attempt.
    await expect(enrollWithLink(server, url)).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('refuses keys outside the allow-list (RSA, other curves, private parts)', async () => {
    const app = await tenant('Curve Bank');
    const token = tokenOf(await link(app, await register(app)));
    for (const publicKey of [
      { kty: 'RSA', n: 'abc', e: 'AQAB' },
      { kty: 'EC', crv: 'P-384', x: 'a'.repeat(64), y: 'b'.repeat(64) },
      { ...newKeyPair().publicJwk, d: 'c'.repeat(43) },
    ]) {
      const response = await call(server, 'POST', '/device/v1/enrollments', {
        json: { token, public_key: publicKey, name: 'x', platform: 'cli', proof: 'a'.repeat(86) },
      });
      expect(response.status).toBe(400);
    }
  });
});

describe('signed device requests (R37)', () => {
  it('refuses a replayed nonce, a stale timestamp, a wrong signature and an unknown device with one body', async () => {
    const app = await tenant('Replay Bank');
    const device = await enrollWithLink(server, await link(app, await register(app)));
    const nonce = 'n'.repeat(22);
    expect(
      (await deviceCall(server, device, 'GET', '/device/v1/requests', undefined, { nonce })).status,
    ).toBe(200);
    const refusals = [
      await deviceCall(server, device, 'GET', '/device/v1/requests', undefined, { nonce }),
      await deviceCall(server, device, 'GET', '/device/v1/requests', undefined, {
        timestamp: Date.now() - 61_000,
      }),
      await deviceCall(
        server,
        { ...device, privateKey: newKeyPair().privateKey },
        'GET',
        '/device/v1/requests',
      ),
      await deviceCall(
        server,
        { ...device, id: '00000000-0000-4000-8000-000000000000' },
        'GET',
        '/device/v1/requests',
      ),
      await call(server, 'GET', '/device/v1/requests'),
    ];
    for (const response of refusals) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        message: 'Could not verify the device signature',
        success: false,
        errors: { message: 'Could not verify the device signature' },
        error_code: '60031',
      });
    }
  });
});

describe('answering (R28, R29, R32, R33, R38)', () => {
  it('shows the request without hidden details, approves it, and the app reads approved with a receipt that verifies', async () => {
    const app = await tenant('Receipt Bank');
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const { uuid } = await createRequest(app, userId);
    const [request] = await pending(device);
    expect(request).toEqual({
      uuid,
      app_id: app.id,
      app_name: 'Receipt Bank',
      message: 'Transfer money to bob@example.com',
      details: { Amount: '$500', To: 'Bob' },
      created_at: expect.any(String),
      expires_at: expect.any(String),
      number_match_required: false,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      user_verification: 'preferred',
    });
    if (request === undefined) throw new Error('no request');
    const signed = answerFor(device, request, 'approved');
    const response = await answer(device, uuid, signed);
    expect(response.body).toEqual({ status: 'approved', success: true });

    const status = await statusOf(app, uuid);
    expect(status).toMatchObject({
      status: 'approved',
      device_uuid: device.id,
      processed_at: expect.any(String),
    });
    const jwks = (await call(server, 'GET', '/.well-known/jwks.json')).body as { keys: [] };
    const verified = await compactVerify(status.receipt as string, createLocalJWKSet(jwks));
    const payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
    expect(payload).toMatchObject({
      sub: uuid,
      aud: String(app.id),
      status: 'approved',
      device_id: device.id,
      answer: signed.document,
      device_signature: signed.signature,
      device_public_key: device.publicJwk,
    });
    expect(await pending(device)).toEqual([]);
  });

  it('refuses an answer with any signed field changed, and the request stays pending', async () => {
    const app = await tenant('Tamper Bank');
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const { uuid } = await createRequest(app, userId);
    const [request] = await pending(device);
    if (request === undefined) throw new Error('no request');
    const good = answerFor(device, request, 'approved');
    const tampered: Array<[string, unknown]> = [
      [
        'signature of another document',
        { ...good, document: { ...good.document, decision: 'denied', reason: 'denied' } },
      ],
      ['uuid', answerFor(device, request, 'approved', { uuid: '00000000-0000-4000-8000-000000000000' })],
      ['device_id', answerFor(device, request, 'approved', { device_id: 'someone-else' })],
      ['nonce', answerFor(device, request, 'approved', { nonce: 'AAAAAAAAAAAAAAAAAAAAAA' })],
      [
        'display_hash',
        answerFor(device, { ...request, message: 'Transfer money to eve@example.com' }, 'approved'),
      ],
      ['signed_at', answerFor(device, request, 'approved', { signed_at: Date.now() - 10 * 60_000 })],
      ['reason on approve', answerFor(device, request, 'approved', { reason: 'not_me' })],
      ['extra field', answerFor(device, request, 'approved', { amount: '1' })],
      ['alg none', { document: good.document, signature: '' }],
    ];
    for (const [what, body] of tampered) {
      const response = await answer(device, uuid, body);
      expect([400, 401], what).toContain(response.status);
      expect((await statusOf(app, uuid)).status, what).toBe('pending');
    }
    expect((await answer(device, uuid, good)).status).toBe(200);
    const replay = await answer(device, uuid, good);
    expect(replay.status).toBe(409);
    expect(replay.body.error_code).toBe('60079');
  });

  it('refuses an answer after expiry with 410 and the request reads expired', async () => {
    const app = await tenant('Expiry Bank');
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const { uuid } = await createRequest(app, userId, { seconds_to_expire: 1 });
    const [request] = await pending(device);
    if (request === undefined) throw new Error('no request');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await answer(device, uuid, answerFor(device, request, 'approved'));
    expect(response.status).toBe(410);
    expect((await statusOf(app, uuid)).status).toBe('expired');
  });

  it('with 50 concurrent conflicting answers from two devices, exactly one outcome is stored', async () => {
    const app = await tenant('Race Bank');
    const userId = await register(app);
    const first = await enrollWithLink(server, await link(app, userId));
    const second = await enrollWithLink(server, await link(app, userId));
    const { uuid } = await createRequest(app, userId);
    const [request] = await pending(first);
    if (request === undefined) throw new Error('no request');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const device = i % 2 === 0 ? first : second;
        return answer(device, uuid, answerFor(device, request, i % 4 < 2 ? 'approved' : 'denied'));
      }),
    );
    const won = responses.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(49);
    const winner = won[0]?.body as { status: string } | undefined;
    expect((await statusOf(app, uuid)).status).toBe(winner?.status);
  });

  it('"this wasn\'t me" denies with reason not_me and is recorded', async () => {
    const app = await tenant('Fraud Bank');
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const { uuid } = await createRequest(app, userId);
    const [request] = await pending(device);
    if (request === undefined) throw new Error('no request');
    expect(
      (await answer(device, uuid, answerFor(device, request, 'denied', { reason: 'not_me' }))).body.status,
    ).toBe('denied');
    expect(await statusOf(app, uuid)).toMatchObject({ status: 'denied', reason: 'not_me' });
    const event = await server.db
      .selectFrom('security_events')
      .selectAll()
      .where('type', '=', 'user.suspicious_activity')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    expect(event?.device_id).toBe(device.id);
    const link_ = await server.db
      .selectFrom('app_users')
      .select('push_paused_until')
      .where('app_id', '=', app.id)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(Number(link_.push_paused_until)).toBeGreaterThan(Date.now());
  });

  it('number matching: the typed code must match, a wrong one ends the request denied (R39)', async () => {
    const app = await tenant('Match Bank', { numberMatching: '2' });
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const right = await createRequest(app, userId);
    const wrong = await createRequest(app, userId);
    const requests = await pending(device);
    expect(requests.every((r) => r.number_match_required)).toBe(true);
    expect(JSON.stringify(requests)).not.toContain('number_match"');
    const byUuid = (uuid: string) => requests.find((r) => r.uuid === uuid) as PendingRequest;
    const typo = String((Number(wrong.number_match) + 1) % 100).padStart(2, '0');
    await answer(
      device,
      wrong.uuid,
      answerFor(device, byUuid(wrong.uuid), 'approved', { number_match: typo }),
    );
    expect(await statusOf(app, wrong.uuid)).toMatchObject({ status: 'denied', reason: 'number_mismatch' });
    await answer(
      device,
      right.uuid,
      answerFor(device, byUuid(right.uuid), 'approved', { number_match: right.number_match }),
    );
    expect((await statusOf(app, right.uuid)).status).toBe('approved');
  });
});

describe('who may answer (D8, R9, R31)', () => {
  it("a device enrolled through app A's link never sees nor answers app B's requests for the same phone", async () => {
    const a = await tenant('Bank A');
    const b = await tenant('Bank B');
    const number = nextPhone();
    const userA = await register(a, number);
    const userB = await register(b, number);
    expect(userA).toBe(userB);
    const device = await enrollWithLink(server, await link(a, userA));
    const forB = await createRequest(b, userB);
    expect(await pending(device)).toEqual([]);
    const fake: PendingRequest = {
      uuid: forB.uuid,
      app_name: 'Bank B',
      message: 'Transfer money to bob@example.com',
      details: { Amount: '$500', To: 'Bob' },
      nonce: 'x',
      number_match_required: false,
    };
    const response = await answer(device, forB.uuid, answerFor(device, fake, 'approved'));
    expect(response.status).toBe(404);
    expect((await statusOf(b, forB.uuid)).status).toBe('pending');
  });

  it("another user's device is refused as if the request did not exist", async () => {
    const app = await tenant('Other Bank');
    const alice = await register(app);
    const mallory = await register(app);
    const malloryDevice = await enrollWithLink(server, await link(app, mallory));
    const { uuid } = await createRequest(app, alice);
    const fake: PendingRequest = {
      uuid,
      app_name: 'Other Bank',
      message: 'Transfer money to bob@example.com',
      details: { Amount: '$500', To: 'Bob' },
      nonce: 'x',
      number_match_required: false,
    };
    expect((await answer(malloryDevice, uuid, answerFor(malloryDevice, fake, 'approved'))).status).toBe(404);
  });

  it('a revoked device is refused at once', async () => {
    const app = await tenant('Revoke Bank');
    const userId = await register(app);
    const device = await enrollWithLink(server, await link(app, userId));
    const other = await enrollWithLink(server, await link(app, userId));
    const listed = await deviceCall(server, device, 'GET', '/device/v1/devices');
    expect((listed.body.devices as Array<{ device_id: string }>).map((d) => d.device_id).sort()).toEqual(
      [device.id, other.id].sort(),
    );
    expect((await deviceCall(server, other, 'DELETE', `/device/v1/devices/${device.id}`)).status).toBe(200);
    expect((await deviceCall(server, device, 'GET', '/device/v1/requests')).status).toBe(401);
  });

  it('enrollment by phone and code answers every compat app of the phone, but not a strict one', async () => {
    const compatA = await tenant('Compat A');
    const compatB = await tenant('Compat B');
    const strict = await tenant('Strict C', { profile: 'strict' });
    const number = nextPhone();
    const id = await register(compatA, number);
    await register(compatB, number);
    await register(strict, number);
    const started = await call(server, 'POST', '/device/v1/phone-enrollments', {
      json: { country_code: '1', phone_number: number },
    });
    expect(started.status).toBe(200);
    const enrollmentId = started.body.enrollment_id as string;
    await server.app.messages.drain();
    const [message] = (await server.app.services.outbox.list(1)).slice(-1);
    const code = /(\d{6})$/.exec(message?.body ?? '')?.[1] ?? '';
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
    const done = await call(server, 'POST', `/device/v1/phone-enrollments/${enrollmentId}/complete`, {
      json: { code, public_key: publicJwk, name: 'Phone', platform: 'cli', proof },
    });
    expect(done.status).toBe(200);
    expect((done.body.accounts as Array<{ app_name: string }>).map((a) => a.app_name)).toEqual([
      'Compat A',
      'Compat B',
    ]);
    const device = { id: done.body.device_id as string, privateKey, publicJwk, accounts: [] };
    await createRequest(compatA, id);
    await createRequest(compatB, id);
    await createRequest(strict, id);
    expect((await pending(device)).map((r) => r.app_name).sort()).toEqual(['Compat A', 'Compat B']);
  });
});

describe('what the app sees once a device exists', () => {
  it('user status reports the device; SMS without force is ignored, with force it is sent', async () => {
    const app = await tenant('Status Bank');
    const userId = await register(app);
    await enrollWithLink(server, await link(app, userId));
    const status = (await call(server, 'GET', `/protected/json/users/${userId}/status`, { key: app.key }))
      .body.status as Record<string, unknown>;
    expect(status).toMatchObject({ registered: true, devices: ['authenticator'] });
    const ignored = await call(server, 'GET', `/protected/json/sms/${userId}`, { key: app.key });
    expect(ignored.body).toMatchObject({ ignored: true, success: true, device: 'authenticator' });
    const forced = await call(server, 'GET', `/protected/json/sms/${userId}?force=true`, { key: app.key });
    expect(forced.body).toEqual({
      success: true,
      message: 'SMS token was sent',
      cellphone: expect.any(String),
    });
  });

  it('refuses more than 10 pending requests for one user with 429', async () => {
    const app = await tenant('Busy Bank');
    const userId = await register(app);
    for (let i = 0; i < 10; i++) await createRequest(app, userId);
    const refused = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.key,
      json: { message: 'one more' },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error_code).toBe('60003');
  });

  // The limit and the insert are one statement. On SQLite, with one writer at a time, it holds exactly
  // under concurrent creates; PostgreSQL's concurrent inserts can each miss the others' uncommitted rows
  // and overshoot it (docs/security.md, R40), so the test is registered on SQLite only.
  if (TEST_DIALECT === 'sqlite')
    it('30 concurrent creates for one user: exactly 10 stored, 20 refused', async () => {
      const app = await tenant('Rushed Bank');
      const userId = await register(app);
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
            key: app.key,
            json: { message: `rush ${i}` },
          }),
        ),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
      expect(answers.filter((a) => a.status === 429 && a.body.error_code === '60003')).toHaveLength(20);
    });

  it('a create for an unknown user is a 404 before anything else is checked', async () => {
    const app = await tenant('Careful Bank', { profile: 'strict' });
    const userId = await register(app);
    // A strict app's requests live 600 s at most: the same call for a known user is refused for that.
    const tooLong = { message: 'hello', seconds_to_expire: 3_600 };
    const known = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.key,
      json: tooLong,
    });
    expect(known.status).toBe(400);
    const unknown = await call(server, 'POST', '/onetouch/json/users/987654/approval_requests', {
      key: app.key,
      json: tooLong,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('60026');
    const malformed = await call(server, 'POST', '/onetouch/json/users/abc/approval_requests', {
      key: app.key,
      json: { message: 'hello' },
    });
    expect(malformed.status).toBe(404);
    expect(malformed.body.error_code).toBe('60026');
  });
});
