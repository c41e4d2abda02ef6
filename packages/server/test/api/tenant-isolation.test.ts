/**
 * Tenant isolation (security R7, R8, R12, D8): one phone is one global id, but everything an app can
 * reach through that id belongs to the app. Another app's ids and uuids must be indistinguishable from
 * ids that do not exist, and nothing one app does may change what another app sees.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  APPROVAL_NOT_FOUND,
  dataSnapshot,
  expectAuthyError,
  OT,
  P,
  type Req,
  type Res,
  registerUser,
  secretOf,
  send,
  TOKEN_INVALID,
  totpNow,
  USER_NOT_FOUND,
  wrongCode,
} from './helpers.js';

let clock: TestClock;
let server: TestServer;
let keyA: string;
let keyB: string;
let appIdB: number;
/** The same phone, registered by both apps. */
let shared: number;
/** A phone only app B registered. */
let onlyB: number;
/** The otpauth URI of `onlyB` in app B. */
let onlyBUri: string;
/** An id no app has. */
const NOBODY = '987654';

async function otpauthUrl(key: string, id: number): Promise<string> {
  const res = await send(server, { method: 'POST', path: `${P}/users/${id}/secret`, key });
  expect(res.status, res.text).toBe(200);
  return res.body.otpauth_url as string;
}

async function createApproval(key: string, id: number, message = 'Login requested'): Promise<string> {
  const res = await send(server, {
    method: 'POST',
    path: `${OT}/users/${id}/approval_requests`,
    key,
    json: { message },
  });
  expect(res.status, res.text).toBe(200);
  return (res.body.approval_request as { uuid: string }).uuid;
}

beforeAll(async () => {
  clock = testClock();
  // No expiry sweeper: a request past its expiry must stay as it is unless a read of its own app expires it.
  server = await startTestServer({ clock, expirySweepMs: 0 });
  keyA = (await server.createApp({ name: 'Bank A' })).apiKey;
  const appB = await server.createApp({ name: 'Bank B' });
  keyB = appB.apiKey;
  appIdB = appB.id;
  shared = await registerUser(server, keyA, '201-555-0123', 'alice@bank-a.example');
  onlyB = await registerUser(server, keyB, '201-555-0177', 'bob@bank-b.example');
  onlyBUri = await otpauthUrl(keyB, onlyB);
});
afterAll(() => server.close());

describe('D8: one phone is one id, but each app keeps its own record of it', () => {
  it('the same phone registered by two apps returns the same id, written any way', async () => {
    expect(await registerUser(server, keyB, '(201) 555-0123', 'alice@bank-b.example')).toBe(shared);
    expect(await registerUser(server, keyB, '+1 201 555 0123', 'alice@bank-b.example', '1')).toBe(shared);
  });

  it('each app reads its own email for the shared id, never the other app’s', async () => {
    const a = await send(server, { method: 'GET', path: `${P}/users/${shared}/status`, key: keyA });
    const b = await send(server, { method: 'GET', path: `${P}/users/${shared}/status`, key: keyB });
    expect((a.body.status as { email: string }).email).toBe('alice@bank-a.example');
    expect((b.body.status as { email: string }).email).toBe('alice@bank-b.example');
  });

  it('each app gets its own TOTP secret for the shared id', async () => {
    expect(secretOf(await otpauthUrl(keyA, shared))).not.toBe(secretOf(await otpauthUrl(keyB, shared)));
  });

  it('app stats count only the calling app’s users', async () => {
    const a = await send(server, { method: 'GET', path: `${P}/app/stats`, key: keyA });
    const b = await send(server, { method: 'GET', path: `${P}/app/stats`, key: keyB });
    expect(a.body.total_users).toBe(1);
    expect(b.body.total_users).toBe(2);
  });
});

/** Every route that takes a user id, with a request that would succeed for the app's own user. */
const ID_ROUTES: readonly { route: string; req: (id: string) => Omit<Req, 'key'> }[] = [
  { route: 'GET users/{id}/status', req: (id) => ({ method: 'GET', path: `${P}/users/${id}/status` }) },
  { route: 'POST users/{id}/remove', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/remove` }) },
  { route: 'POST users/{id}/delete', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/delete` }) },
  { route: 'POST users/delete/{id}', req: (id) => ({ method: 'POST', path: `${P}/users/delete/${id}` }) },
  {
    route: 'POST users/{id}/register_activity',
    req: (id) => ({ method: 'POST', path: `${P}/users/${id}/register_activity`, json: { type: 'banned' } }),
  },
  { route: 'POST users/{id}/secret', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/secret` }) },
  { route: 'GET sms/{id}', req: (id) => ({ method: 'GET', path: `${P}/sms/${id}?force=true` }) },
  { route: 'GET call/{id}', req: (id) => ({ method: 'GET', path: `${P}/call/${id}?force=true` }) },
  {
    // B's user's *current valid* code: even the right code must not reveal that the id exists elsewhere.
    route: 'GET verify/{token}/{id} with the valid code',
    req: (id) => ({ method: 'GET', path: `${P}/verify/${totpNow(onlyBUri, clock.now())}/${id}` }),
  },
  {
    route: 'GET verify/{token}/{id} with a wrong code',
    req: (id) => ({ method: 'GET', path: `${P}/verify/${wrongCode(onlyBUri, clock.now())}/${id}` }),
  },
  {
    route: 'POST onetouch users/{id}/approval_requests',
    req: (id) => ({
      method: 'POST',
      path: `${OT}/users/${id}/approval_requests`,
      json: { message: 'Pay 1 000 €' },
    }),
  },
];

describe('R7: with A’s key, B’s user ids behave exactly like ids that do not exist', () => {
  it.each(ID_ROUTES)(
    '$route: same status and byte-identical body as a nonexistent id, nothing written',
    async ({ req }) => {
      const before = await dataSnapshot(server.db);
      const foreign = await send(server, { ...req(String(onlyB)), key: keyA });
      const missing = await send(server, { ...req(NOBODY), key: keyA });
      expectAuthyError(foreign, USER_NOT_FOUND);
      expect(foreign.status).toBe(missing.status);
      expect(foreign.text).toBe(missing.text);
      expect(await dataSnapshot(server.db)).toStrictEqual(before);
    },
  );

  it('B’s user is untouched by all of that: same status, no activity, no code sent, no approval', async () => {
    const status = await send(server, { method: 'GET', path: `${P}/users/${onlyB}/status`, key: keyB });
    expect(status.status, status.text).toBe(200);
    expect(status.body.status).toMatchObject({
      authy_id: onlyB,
      email: 'bob@bank-b.example',
      confirmed: false,
    });
    const rows = async (table: 'activities' | 'otp_codes' | 'approval_requests') =>
      server.db.selectFrom(table).selectAll().where('user_id', '=', onlyB).execute();
    expect(await rows('activities')).toStrictEqual([]);
    expect(await rows('otp_codes')).toStrictEqual([]);
    expect(await rows('approval_requests')).toStrictEqual([]);
    const link = await server.db
      .selectFrom('app_users')
      .select(['failed_count', 'locked_until', 'totp_last_step'])
      .where('user_id', '=', onlyB)
      .execute();
    expect(link).toStrictEqual([{ failed_count: 0, locked_until: null, totp_last_step: null }]);
  });

  it('B can still use its user after A’s attempts: B’s valid code verifies', async () => {
    const res = await send(server, {
      method: 'GET',
      path: `${P}/verify/${totpNow(onlyBUri, clock.now())}/${onlyB}`,
      key: keyB,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ message: 'Token is valid.', token: 'is valid' });
  });
});

describe('R7: approval requests are visible only to the app that created them', () => {
  const read = (key: string, uuid: string) =>
    send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });

  async function expectLikeRandom(reader: string, uuid: string): Promise<Res> {
    const before = await dataSnapshot(server.db);
    const foreign = await read(reader, uuid);
    const random = await read(reader, randomUUID());
    expectAuthyError(foreign, APPROVAL_NOT_FOUND);
    expect(foreign.status).toBe(random.status);
    expect(foreign.text).toBe(random.text);
    expect(await dataSnapshot(server.db)).toStrictEqual(before);
    return foreign;
  }

  it('A’s uuid read with B’s key answers exactly what a random uuid answers', async () => {
    const uuid = await createApproval(keyA, shared);
    await expectLikeRandom(keyB, uuid);
    await expectLikeRandom(keyB, uuid.toUpperCase());
    expect((await read(keyA, uuid)).status).toBe(200);
  });

  it('B’s uuid for the shared id read with A’s key answers exactly what a random uuid answers', async () => {
    const uuid = await createApproval(keyB, shared, 'Wire 5 000 € to Mallory');
    const foreign = await expectLikeRandom(keyA, uuid);
    expect(foreign.text).not.toContain('Mallory');
    expect((await read(keyB, uuid)).status).toBe(200);
  });

  it('an expired request of A read with B’s key is still “not found” and is not touched', async () => {
    const uuid = await createApproval(keyA, shared);
    clock.advance(601_000);
    await expectLikeRandom(keyB, uuid);
    const row = await server.db
      .selectFrom('approval_requests')
      .select('status')
      .where('uuid', '=', uuid)
      .execute();
    expect(row).toStrictEqual([{ status: 'pending' }]);
  });
});

describe('R8: deleting the shared user in A leaves B’s user intact', () => {
  it('after A removes the id, A gets 404 while B’s status, seed, approvals and codes are unchanged', async () => {
    const id = await registerUser(server, keyA, '201-555-0124', 'carol@bank-a.example');
    expect(await registerUser(server, keyB, '201-555-0124', 'carol@bank-b.example')).toBe(id);
    const uriB = await otpauthUrl(keyB, id);
    const uuidB = await createApproval(keyB, id);
    await createApproval(keyA, id);
    const statusB = await send(server, { method: 'GET', path: `${P}/users/${id}/status`, key: keyB });
    const linkB = () =>
      server.db
        .selectFrom('app_users')
        .selectAll()
        .where('app_id', '=', appIdB)
        .where('user_id', '=', id)
        .execute();
    const linkBefore = await linkB();

    const removed = await send(server, { method: 'POST', path: `${P}/users/${id}/remove`, key: keyA });
    expect(removed.status, removed.text).toBe(200);

    expectAuthyError(
      await send(server, { method: 'GET', path: `${P}/users/${id}/status`, key: keyA }),
      USER_NOT_FOUND,
    );
    const statusAfter = await send(server, { method: 'GET', path: `${P}/users/${id}/status`, key: keyB });
    expect(statusAfter.status).toBe(200);
    expect(statusAfter.text).toBe(statusB.text);
    expect(await linkB()).toStrictEqual(linkBefore);
    expect(await server.db.selectFrom('users').select('id').where('id', '=', id).execute()).toStrictEqual([
      { id },
    ]);
    expect(
      (await send(server, { method: 'GET', path: `${OT}/approval_requests/${uuidB}`, key: keyB })).status,
    ).toBe(200);
    const approvalsLeft = await server.db
      .selectFrom('approval_requests')
      .select('uuid')
      .where('user_id', '=', id)
      .execute();
    expect(approvalsLeft).toStrictEqual([{ uuid: uuidB }]);
    const verified = await send(server, {
      method: 'GET',
      path: `${P}/verify/${totpNow(uriB, clock.now())}/${id}`,
      key: keyB,
    });
    expect(verified.status, verified.text).toBe(200);
  });

  it('A can register the phone again and gets the same id back, with a fresh record of its own', async () => {
    const id = await registerUser(server, keyA, '201-555-0124', 'carol@bank-a.example');
    const status = await send(server, { method: 'GET', path: `${P}/users/${id}/status`, key: keyA });
    expect(status.body.status).toMatchObject({
      authy_id: id,
      email: 'carol@bank-a.example',
      confirmed: false,
    });
    const statusB = await send(server, { method: 'GET', path: `${P}/users/${id}/status`, key: keyB });
    expect(statusB.body.status).toMatchObject({ authy_id: id, email: 'carol@bank-b.example' });
  });
});

describe('R8/D3: failures, locks and limits in A never reach B', () => {
  it('ten wrong codes lock the shared user in A (429) while B still verifies and only counts its own failures', async () => {
    const id = await registerUser(server, keyA, '201-555-0125', 'dave@bank-a.example');
    expect(await registerUser(server, keyB, '201-555-0125', 'dave@bank-b.example')).toBe(id);
    const uriA = await otpauthUrl(keyA, id);
    const uriB = await otpauthUrl(keyB, id);
    const verify = (key: string, code: string) =>
      send(server, { method: 'GET', path: `${P}/verify/${code}/${id}`, key });

    for (let attempt = 1; attempt <= 10; attempt++) {
      expectAuthyError(await verify(keyA, wrongCode(uriA, clock.now())), TOKEN_INVALID);
    }
    const locked = await verify(keyA, totpNow(uriA, clock.now()));
    expectAuthyError(locked, {
      status: 429,
      code: '60003',
      message: 'Too many failed attempts. Try again later.',
    });

    const linkB = await server.db
      .selectFrom('app_users')
      .select(['failed_count', 'lock_count', 'locked_until'])
      .where('user_id', '=', id)
      .where('app_id', '=', appIdB)
      .execute();
    expect(linkB).toStrictEqual([{ failed_count: 0, lock_count: 0, locked_until: null }]);
    expectAuthyError(await verify(keyB, wrongCode(uriB, clock.now())), TOKEN_INVALID);
    const ok = await verify(keyB, totpNow(uriB, clock.now()));
    expect(ok.status, ok.text).toBe(200);

    expect((await verify(keyA, totpNow(uriA, clock.now()))).status).toBe(429);
  });

  it('A reaching the SMS send limit for the shared user does not limit B', async () => {
    const id = await registerUser(server, keyA, '201-555-0126', 'erin@bank-a.example');
    expect(await registerUser(server, keyB, '201-555-0126', 'erin@bank-b.example')).toBe(id);
    const sms = (key: string) => send(server, { method: 'GET', path: `${P}/sms/${id}?force=true`, key });
    for (let sent = 1; sent <= server.config.sendLimitPer10Minutes; sent++) {
      expect((await sms(keyA)).status).toBe(200);
    }
    expectAuthyError(await sms(keyA), {
      status: 429,
      code: '60003',
      message: 'Too many codes were sent to this user. Try again later.',
    });
    const b = await sms(keyB);
    expect(b.status, b.text).toBe(200);
  });

  it('A’s failed phone verification checks do not touch B’s verification of the same number', async () => {
    const number = { country_code: 1, phone_number: '201-555-0130', code_length: 10 };
    const codes: Record<string, string> = {};
    for (const [name, key] of [
      ['A', keyA],
      ['B', keyB],
    ] as const) {
      const started = await send(server, {
        method: 'POST',
        path: `${P}/phones/verification/start`,
        key,
        json: number,
      });
      expect(started.status, started.text).toBe(200);
      const [message] = await server.app.services.outbox.list(1);
      codes[name] = /(\d{10})$/.exec(message?.body ?? '')?.[1] ?? '';
    }
    expect(codes.A).toMatch(/^\d{10}$/);
    expect(codes.B).toMatch(/^\d{10}$/);
    const checkA = (code: string) =>
      send(server, {
        method: 'GET',
        path: `${P}/phones/verification/check?country_code=1&phone_number=2015550130&verification_code=${code}`,
        key: keyA,
      });
    const incorrect = { status: 401, code: '60022', message: 'Verification code is incorrect' };
    expectAuthyError(await checkA(codes.B ?? ''), incorrect);
    for (let attempt = 2; attempt <= 5; attempt++) expectAuthyError(await checkA('0000'), incorrect);
    expectAuthyError(await checkA(codes.A ?? ''), {
      status: 404,
      code: '60023',
      message: 'No pending verifications for +1 201-555-0130 found.',
    });

    const statusB = await send(server, {
      method: 'GET',
      path: `${P}/phones/verification/status?country_code=1&phone_number=2015550130`,
      key: keyB,
    });
    expect(statusB.body).toMatchObject({ status: 'pending', success: true });
    const checkB = await send(server, {
      method: 'GET',
      path: `${P}/phones/verification/check?country_code=1&phone_number=2015550130&verification_code=${codes.B}`,
      key: keyB,
    });
    expect(checkB.status, checkB.text).toBe(200);
    expect(checkB.body).toStrictEqual({ message: 'Verification code is correct.', success: true });
  });
});

describe('R12: the per-app rate limit is per app', () => {
  it('A exhausting its requests per minute gets 429 while B is served', async () => {
    const limited = await startTestServer({ clock: testClock(), env: { COUNTERSIGN_RATE_LIMIT: '3' } });
    try {
      const a = (await limited.createApp({ name: 'Bank A' })).apiKey;
      const b = (await limited.createApp({ name: 'Bank B' })).apiKey;
      const details = (key: string) => send(limited, { method: 'GET', path: `${P}/app/details`, key });
      for (let call = 1; call <= 3; call++) expect((await details(a)).status).toBe(200);
      expectAuthyError(await details(a), { status: 429, code: '60003', message: 'Too many requests' });
      const served = await details(b);
      expect(served.status, served.text).toBe(200);
      expect((served.body.app as { name: string }).name).toBe('Bank B');
    } finally {
      await limited.close();
    }
  });
});
