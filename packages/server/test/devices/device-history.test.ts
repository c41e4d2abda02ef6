/**
 * A device's history (issue 16, item 4): `GET /device/v1/history` lists the final requests of the last 90
 * days that the device may see (D8: the user's requests in the apps it answers), whichever of the user's
 * devices answered them, each with the service's receipt, which verifies; never the hidden details, never a
 * pending request; newest first, a page at a time.
 */
import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  displayHashOf,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  signText,
  type TestDevice,
} from '../support/test-device.js';

let server: TestServer;
let clock: TestClock;
let phone = 4155553700;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};
const DAY_MS = 24 * 60 * 60_000;

beforeAll(async () => {
  clock = testClock(Date.now());
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

interface Tenant {
  key: string;
  id: number;
}

interface HistoryEntry {
  uuid: string;
  app_id: number;
  app_name: string;
  message: string;
  details: Record<string, string>;
  status: string;
  reason: string | null;
  created_at: string;
  expires_at: string | null;
  answered_at: string | null;
  answered_by: { device_id: string; name: string | null; current: boolean } | null;
  receipt: string | null;
}

async function tenant(
  name: string,
  options: { profile?: 'compat' | 'strict'; numberMatching?: 'off' | '2' } = {},
): Promise<Tenant> {
  const created = await server.createApp({ name, userVerification: 'off', ...options });
  return { key: created.apiKey, id: created.id };
}

async function register(app: Tenant, number = nextPhone()): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.key,
    json: { user: { email: `h${number}@example.com`, cellphone: number, country_code: 1 } },
  });
  return (response.body.user as { id: number }).id;
}

async function enroll(app: Tenant, userId: number, name: string): Promise<TestDevice> {
  const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.key,
  });
  return enrollWithLink(server, (response.body.enrollment as { url: string }).url, name);
}

async function createRequest(
  app: Tenant,
  userId: number,
  message: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.key,
    json: {
      message,
      details: { Amount: '$500', To: 'Bob' },
      hidden_details: { secret_note: 'hidden-value-7731' },
      ...extra,
    },
  });
  expect(response.status, response.text).toBe(200);
  return (response.body.approval_request as { uuid: string }).uuid;
}

/** A signed call at the service's (test) time. */
const signed = (device: TestDevice, method: string, path: string, json?: unknown) =>
  deviceCall(server, device, method, path, json, { timestamp: clock.now() });

async function pendingOf(device: TestDevice, uuid: string): Promise<PendingRequest> {
  const listed = (await signed(device, 'GET', '/device/v1/requests')).body.requests as PendingRequest[];
  const found = listed.find((r) => r.uuid === uuid);
  if (found === undefined) throw new Error(`${uuid} is not pending for ${device.id}`);
  return found;
}

async function answer(
  device: TestDevice,
  uuid: string,
  decision: 'approved' | 'denied',
  overrides: Record<string, unknown> = {},
): Promise<void> {
  const body = answerFor(device, await pendingOf(device, uuid), decision, {
    signed_at: clock.now(),
    ...overrides,
  });
  const response = await signed(device, 'POST', `/device/v1/requests/${uuid}/answer`, body);
  expect(response.status, response.text).toBe(200);
}

async function history(device: TestDevice, query = '') {
  const response = await signed(device, 'GET', `/device/v1/history${query}`);
  expect(response.status, response.text).toBe(200);
  return response.body as { history: HistoryEntry[]; next_cursor: string | null; success: true };
}

/** Checks a receipt as anyone holding it can: the service's key, then the device's own signature inside. */
async function verifiedReceipt(receipt: string): Promise<Record<string, unknown>> {
  const jwks = (await call(server, 'GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
  const { payload } = await compactVerify(receipt, createLocalJWKSet(jwks));
  const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  const key = createPublicKey({ key: claims.device_public_key as Record<string, string>, format: 'jwk' });
  const deviceSigned = verify(
    'sha256',
    Buffer.from(canonicalJson(claims.answer), 'utf8'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(claims.device_signature as string, 'base64url'),
  );
  expect(deviceSigned).toBe(true);
  return claims;
}

describe('GET /device/v1/history', () => {
  it('lists the answers of this device and of its sibling, and expiries, newest first; not pending requests', async () => {
    const app = await tenant('History Bank');
    const userId = await register(app);
    const first = await enroll(app, userId, 'First phone');
    const second = await enroll(app, userId, 'Second phone');

    const approved = await createRequest(app, userId, 'Log in from Firefox');
    await answer(first, approved, 'approved');
    clock.advance(1_000);
    const expired = await createRequest(app, userId, 'Log in from Safari', { seconds_to_expire: 1 });
    clock.advance(2_000);
    const reported = await createRequest(app, userId, 'Transfer $500 to Bob');
    await answer(second, reported, 'denied', { reason: 'not_me' });
    clock.advance(1_000);
    const pending = await createRequest(app, userId, 'Still waiting');

    const seen = await history(first);
    expect(seen.next_cursor).toBeNull();
    expect(seen.history.map((e) => e.uuid)).toEqual([reported, expired, approved]);
    expect(seen.history.map((e) => e.uuid)).not.toContain(pending);
    const [notMe, timedOut, mine] = seen.history;
    expect(mine).toMatchObject({
      uuid: approved,
      app_id: app.id,
      app_name: 'History Bank',
      message: 'Log in from Firefox',
      details: { Amount: '$500', To: 'Bob' },
      status: 'approved',
      reason: null,
      answered_by: { device_id: first.id, name: 'First phone', current: true },
      receipt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(Date.parse(mine?.answered_at ?? '')).toBeGreaterThanOrEqual(Date.parse(mine?.created_at ?? ''));
    expect(notMe).toMatchObject({
      status: 'denied',
      reason: 'not_me',
      answered_by: { device_id: second.id, name: 'Second phone', current: false },
    });
    // Past its expiry, never read by the app: final all the same.
    expect(timedOut).toEqual({
      uuid: expired,
      app_id: app.id,
      app_name: 'History Bank',
      message: 'Log in from Safari',
      details: { Amount: '$500', To: 'Bob' },
      status: 'expired',
      reason: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      answered_at: null,
      answered_by: null,
      receipt: null,
    });

    // The sibling sees the same requests, itself as the answering device of the report.
    const fromSecond = await history(second);
    expect(fromSecond.history.map((e) => [e.uuid, e.answered_by?.current ?? null])).toEqual([
      [reported, true],
      [expired, null],
      [approved, false],
    ]);
  });

  it('gives each answer the receipt the app gets, which verifies, over what the device showed', async () => {
    const app = await tenant('Receipt History Bank', { numberMatching: '2' });
    const userId = await register(app);
    const device = await enroll(app, userId, 'Phone');
    const uuid = await createRequest(app, userId, 'Pay the rent');
    const code = (await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: app.key }))
      .body.approval_request as { number_match?: string };
    // A wrong code: the service ends the request as denied, number_mismatch.
    const wrong = code.number_match === '11' ? '12' : '11';
    await answer(device, uuid, 'approved', { number_match: wrong });

    const [entry] = (await history(device)).history;
    expect(entry).toMatchObject({ uuid, status: 'denied', reason: 'number_mismatch' });
    const status = (await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: app.key }))
      .body.approval_request as { receipt: string };
    expect(entry?.receipt).toBe(status.receipt);
    const claims = await verifiedReceipt(entry?.receipt ?? '');
    expect(claims).toMatchObject({ sub: uuid, aud: String(app.id), status: 'denied', device_id: device.id });
    const answered = claims.answer as { display_hash: string; decision: string };
    expect(answered.decision).toBe('approved');
    expect(answered.display_hash).toBe(
      displayHashOf(entry?.app_name ?? '', entry?.message ?? '', entry?.details ?? {}),
    );
  });

  it('never carries hidden details', async () => {
    const app = await tenant('Hidden Bank');
    const userId = await register(app);
    const device = await enroll(app, userId, 'Phone');
    await answer(device, await createRequest(app, userId, 'Sign in'), 'denied');
    const response = await signed(device, 'GET', '/device/v1/history');
    expect((response.body.history as unknown[]).length).toBe(1);
    expect(response.text).not.toContain('hidden');
    expect(response.text).not.toContain('secret_note');
  });

  it('shows only the user’s requests in the apps the device answers (D8)', async () => {
    const mine = await tenant('Own App');
    const other = await tenant('Other App');
    const number = nextPhone();
    const userId = await register(mine, number);
    // The same phone is the same user in another app, whose devices answer only it.
    expect(await register(other, number)).toBe(userId);
    const device = await enroll(mine, userId, 'Phone');
    const otherAppDevice = await enroll(other, userId, 'Other phone');
    const stranger = await register(mine);
    const strangerDevice = await enroll(mine, stranger, 'Stranger phone');

    const own = await createRequest(mine, userId, 'Mine');
    await answer(device, own, 'approved');
    const otherApps = await createRequest(other, userId, 'Other app');
    await answer(otherAppDevice, otherApps, 'approved');
    const strangers = await createRequest(mine, stranger, 'Stranger');
    await answer(strangerDevice, strangers, 'approved');

    expect((await history(device)).history.map((e) => e.uuid)).toEqual([own]);
    expect((await history(otherAppDevice)).history.map((e) => e.uuid)).toEqual([otherApps]);
    expect((await history(strangerDevice)).history.map((e) => e.uuid)).toEqual([strangers]);
  });

  it('shows a phone-enrolled device every compat app of the phone, but not a strict one (D8)', async () => {
    const compat = await tenant('Compat History');
    const strict = await tenant('Strict History', { profile: 'strict' });
    const number = nextPhone();
    const userId = await register(compat, number);
    await register(strict, number);
    const started = await call(server, 'POST', '/device/v1/phone-enrollments', {
      json: { country_code: '1', phone_number: number },
    });
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
    expect(done.status, done.text).toBe(200);
    const byPhone: TestDevice = { id: done.body.device_id as string, privateKey, publicJwk, accounts: [] };
    const strictDevice = await enroll(strict, userId, 'Strict phone');

    const compatRequest = await createRequest(compat, userId, 'Compat');
    await answer(byPhone, compatRequest, 'approved');
    const strictRequest = await createRequest(strict, userId, 'Strict');
    await answer(strictDevice, strictRequest, 'approved');

    expect((await history(byPhone)).history.map((e) => e.uuid)).toEqual([compatRequest]);
    expect((await history(strictDevice)).history.map((e) => e.uuid)).toEqual([strictRequest]);
  });

  it('goes back 90 days, no further', async () => {
    const app = await tenant('Ninety Bank');
    const userId = await register(app);
    const device = await enroll(app, userId, 'Phone');
    const uuid = await createRequest(app, userId, 'Long ago');
    await answer(device, uuid, 'approved');
    clock.advance(90 * DAY_MS - 60_000);
    expect((await history(device)).history.map((e) => e.uuid)).toEqual([uuid]);
    clock.advance(2 * 60_000);
    expect((await history(device)).history).toEqual([]);
  });

  it('pages newest first without losing or repeating a request, even several made in one millisecond', async () => {
    const app = await tenant('Paging Bank');
    const userId = await register(app);
    const device = await enroll(app, userId, 'Phone');
    // The clock stands still: all five share one creation time, and the uuid orders them.
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(await createRequest(app, userId, `Request ${i}`, { seconds_to_expire: 1 }));
    clock.advance(2_000);
    const later = await createRequest(app, userId, 'Later');
    await answer(device, later, 'denied');

    const pages: HistoryEntry[][] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const listed = await history(device, query);
      pages.push(listed.history);
      cursor = listed.next_cursor;
      if (cursor === null) break;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const uuids = pages.flat().map((e) => e.uuid);
    expect(uuids[0]).toBe(later);
    expect(uuids.slice(1)).toEqual([...made].sort().reverse());
    // The default page holds them all, in the same order.
    expect((await history(device)).history.map((e) => e.uuid)).toEqual(uuids);
    expect((await history(device, '?limit=100')).history.map((e) => e.uuid)).toEqual(uuids);
  });

  it('refuses a bad query with 400 60004 naming the parameter', async () => {
    const app = await tenant('Query Bank');
    const device = await enroll(app, await register(app), 'Phone');
    const cases: Array<[string, string]> = [
      ['?limit=0', 'Invalid parameter: limit - must be >= 1'],
      ['?limit=101', 'Invalid parameter: limit - must be <= 100'],
      ['?limit=ten', 'Invalid parameter: limit - must be a whole number'],
      ['?limit=1.5', 'Invalid parameter: limit - must be a whole number'],
      ['?cursor=2026-01-01', 'Invalid parameter: cursor - has an invalid format'],
      ['?cursor=1.not-a-uuid', 'Invalid parameter: cursor - has an invalid format'],
      ['?cursor[a]=1', 'Invalid parameter: cursor - must be a string'],
      ['?before=1', 'Invalid parameter: query - may hold only cursor and limit'],
    ];
    for (const [query, message] of cases) {
      const response = await signed(device, 'GET', `/device/v1/history${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body, query).toMatchObject({ success: false, error_code: '60004', message });
    }
  });

  it('refuses an unsigned call, or one signed by another key, with the one 401', async () => {
    const app = await tenant('Unsigned Bank');
    const device = await enroll(app, await register(app), 'Phone');
    const unsigned = await call(server, 'GET', '/device/v1/history');
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({
      success: false,
      error_code: '60031',
      message: 'Could not verify the device signature',
    });
    const forged = await deviceCall(
      server,
      { id: device.id, privateKey: newKeyPair().privateKey },
      'GET',
      '/device/v1/history',
      undefined,
      { timestamp: clock.now() },
    );
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual(unsigned.body);
  });
});
