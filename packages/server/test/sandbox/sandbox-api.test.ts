// The `sandbox` profile, row by row of the table in docs/sandbox.md, driven through the real `authy` npm
// 1.4.0 and `authy-client` 1.1.4 packages (plain HTTP only where a client has no such call or cannot send
// the request). authy-client checks phone numbers with libphonenumber before sending, so the sandbox's
// lenient test numbers (111-111-1111, …) go through the `authy` npm client, which sends them as given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/users/phone-number.js';
import {
  type AuthyClient,
  type AuthyNpm,
  authyClientModule,
  type Body,
  createAuthyNpm,
  currentTotp,
  nextTotp,
  outcome,
  rejection,
  UUID,
} from '../compat/compat-support.js';
import { call, rawRequest, startTestServer, type TestServer, testClock } from '../support/harness.js';
import {
  APPROVAL_NOT_FOUND,
  COUNTRY_CODE_REQUIRED,
  errorBody,
  INVALID_KEY,
  PHONE_INVALID,
  registerNpm,
  SANDBOX_CODE,
  SANDBOX_CODE_INCORRECT,
  SANDBOX_TOKEN,
  TOKEN_INVALID,
  TOKEN_VALID,
  USER_DOES_NOT_EXIST,
  USER_NOT_FOUND,
  USER_NOT_VALID,
  wrongToken,
} from './sandbox-support.js';

const { Client, errors } = authyClientModule;

const clock = testClock();
let server: TestServer;
let sandboxId: number;
let sandboxKey: string;
let authy: AuthyNpm;
let client: AuthyClient;

beforeAll(async () => {
  server = await startTestServer({ clock });
  const app = await server.createApp({ name: 'Sandbox App 1', profile: 'sandbox' });
  sandboxId = app.id;
  sandboxKey = app.apiKey;
  authy = createAuthyNpm(sandboxKey, server.url);
  client = new Client({ key: sandboxKey }, { host: server.url, timeout: 10_000 });
});
afterAll(async () => {
  await server?.close();
});

/** Asserts that an authy-client error is its HttpError for a non-200 answer, not a failed assertion. */
function expectHttpError(error: Error & Record<string, unknown>, code: number, message: string): void {
  expect(error).toBeInstanceOf(errors.HttpError);
  expect(error).not.toBeInstanceOf(errors.AssertionFailedError);
  expect(error.code).toBe(code);
  expect(error.message).toBe(message);
}

/** What the console outbox holds for a number, oldest first. */
async function outboxTo(to: string) {
  return (await server.app.services.outbox.list(1000)).filter((m) => m.to === to);
}

/** A phone number of the sandbox rule not used by any other test (8–15 digits, country 1). */
let nextNumber = 0;
function freshNumber(): string {
  nextNumber += 1;
  return `444-${String(100 + nextNumber).padStart(3, '0')}-${String(1000 + nextNumber).padStart(4, '0')}`;
}

describe('keys', () => {
  it('a sandbox key works in the X-Authy-API-Key header (authy-client)', async () => {
    const details = await client.getApplicationDetails();
    expect((details.app as Body).app_id).toBe(sandboxId);
  });

  it('a sandbox key works as the api_key query parameter (authy npm)', async () => {
    const id = await registerNpm(authy, 'query@example.com', freshNumber());
    const { err, res } = await outcome((done) => authy.user_status(String(id), done));
    expect(err).toBeNull();
    expect((res as Body).message).toBe('User status.');
  });

  it('a sandbox key works as an api_key parameter in a form or JSON body (plain HTTP)', async () => {
    const form = await call(server, 'POST', '/protected/json/users/new', {
      form: `api_key=${sandboxKey}&user%5Bemail%5D=form%40example.com&user%5Bcellphone%5D=${freshNumber()}&user%5Bcountry_code%5D=1`,
    });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({
      message: 'User created successfully.',
      user: { id: expect.any(Number) },
      success: true,
    });
    const json = await call(server, 'POST', '/protected/json/users/new', {
      json: {
        api_key: sandboxKey,
        user: { email: 'json@example.com', cellphone: freshNumber(), country_code: 1 },
      },
    });
    expect(json.status).toBe(200);
    expect(json.body.message).toBe('User created successfully.');
  });

  it('an unknown or missing key is 401 / 60001 "Invalid API key" (authy npm, authy-client, plain HTTP)', async () => {
    const npm = await outcome((done) => createAuthyNpm('not-a-key', server.url).user_status('1', done));
    expect(npm).toEqual({ err: INVALID_KEY, res: undefined });
    const error = await rejection(
      new Client({ key: 'not-a-key' }, { host: server.url, timeout: 10_000 }).getApplicationDetails(),
    );
    expectHttpError(error, 401, 'Invalid API key');
    const missing = await call(server, 'GET', '/protected/json/app/details');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(INVALID_KEY);
  });
});

describe('phone rule (users/new through the authy npm client)', () => {
  const accepted: [string, string, string][] = [
    ['111-111-1111', '1', '1111111111'],
    ['192-967-1234', '1', '1929671234'],
    ['+57 825-589-8570', '57', '8255898570'],
    ['AAA-338-9302', '1', '2223389302'],
  ];
  it.each(accepted)('accepts %s (country %s) as the national number %s', async (cellphone, cc, national) => {
    const id = await registerNpm(authy, 'rule@example.com', cellphone, cc);
    // The same (country code, national digits) written plainly names the same user.
    expect(await registerNpm(authy, 'rule@example.com', national, cc)).toBe(id);
    const { err, res } = await outcome((done) => authy.user_status(String(id), done));
    expect(err).toBeNull();
    expect((res as Body).status).toMatchObject({
      authy_id: id,
      country_code: Number(cc),
      phone_number: `XXX-XXX-${national.slice(-4)}`,
    });
  });

  it('strips spaces, dashes, dots and parentheses and reads letters of either case as keypad digits', async () => {
    const id = await registerNpm(authy, 'sep@example.com', '222 338 9302');
    for (const spelling of [
      '(222) 338.9302',
      '222-338-9302',
      '222.338.9302',
      '+1 222 338 9302',
      'ABA-DEV-9302',
      'aba-dev-9302',
    ]) {
      expect(await registerNpm(authy, 'sep@example.com', spelling)).toBe(id);
    }
  });

  it('accepts 8 and 15 digits, the bounds of the rule', async () => {
    await registerNpm(authy, 'eight@example.com', '1234-5678');
    await registerNpm(authy, 'fifteen@example.com', '123-456-789-012-345');
  });

  const rejected: [string, string][] = [
    ['', 'the empty string'],
    ['abc-1234', 'seven keypad digits'],
    ['123', 'three digits'],
    ['555-9302', 'seven digits'],
    ['1234-567', 'seven digits (one short of the bound)'],
    ['1234-5678-9012-3456', 'sixteen digits'],
    ['111-111-111#', 'a character that is neither a digit, a letter nor a separator'],
  ];
  it.each(rejected)('rejects %j (%s) with 400 / 60027 cellphone "is invalid"', async (cellphone) => {
    const { err, res } = await outcome((done) =>
      authy.register_user('bad@example.com', cellphone, '1', done),
    );
    expect(res).toBeUndefined();
    expect(err).toEqual(USER_NOT_VALID({ cellphone: 'is invalid' }));
  });

  it.each([['999'], ['-100'], ['abc']])(
    'rejects the country code %s (not an assigned calling code) with 400 / 60027 country_code "is invalid"',
    async (cc) => {
      const { err } = await outcome((done) =>
        authy.register_user('cc@example.com', '111-111-1111', cc, done),
      );
      expect(err).toEqual(USER_NOT_VALID({ country_code: 'is invalid' }));
    },
  );
});

describe('users/new', () => {
  it('gives the same integer id for the same (country code, number), whatever the email', async () => {
    const number = freshNumber();
    const first = await registerNpm(authy, 'one@example.com', number);
    expect(Number.isInteger(first)).toBe(true);
    expect(await registerNpm(authy, 'two@example.com', number)).toBe(first);
    // The same digits under another calling code are another user.
    expect(await registerNpm(authy, 'one@example.com', number, '44')).not.toBe(first);
  });

  it('authy-client registerUser works for a sandbox app (a real-looking number)', async () => {
    const response = await client.registerUser({
      countryCode: 'US',
      email: 'client@example.com',
      phone: '305-456-2345',
    });
    expect(response).toEqual({
      message: 'User created successfully.',
      user: { id: expect.any(Number) },
      success: true,
    });
  });

  it('an invalid email is 400 / 60027 with email "is invalid"', async () => {
    const { err } = await outcome((done) => authy.register_user('not-an-email', '111-111-1111', '1', done));
    expect(err).toEqual(USER_NOT_VALID({ email: 'is invalid' }));
  });

  it('an invalid email and number are both named', async () => {
    const { err } = await outcome((done) => authy.register_user('nope', '123', '1', done));
    expect(err).toEqual(USER_NOT_VALID({ email: 'is invalid', cellphone: 'is invalid' }));
  });

  it('a missing cellphone or country code is 400 / 60027 naming that field "is invalid" (plain HTTP)', async () => {
    const noPhone = await call(server, 'POST', '/protected/json/users/new', {
      key: sandboxKey,
      json: { user: { email: 'a@example.com', country_code: 1 } },
    });
    expect(noPhone.status).toBe(400);
    expect(noPhone.body).toEqual(USER_NOT_VALID({ cellphone: 'is invalid' }));
    const noCountry = await call(server, 'POST', '/protected/json/users/new', {
      key: sandboxKey,
      json: { user: { email: 'a@example.com', cellphone: '111-111-1111' } },
    });
    expect(noCountry.status).toBe(400);
    expect(noCountry.body).toEqual(USER_NOT_VALID({ country_code: 'is invalid' }));
  });
});

describe('users status / delete', () => {
  it('status of an unknown or non-numeric id is 404 / 60026 "User not found."', async () => {
    for (const id of ['987654321', 'tony']) {
      const { err } = await outcome((done) => authy.user_status(id, done));
      expect(err).toEqual(USER_NOT_FOUND);
    }
    expectHttpError(await rejection(client.getUserStatus({ authyId: 987654321 })), 404, 'User not found.');
  });

  it('status answers the production shape with a masked number', async () => {
    const id = await registerNpm(authy, 'status@example.com', '111-222-3344');
    const { err, res } = await outcome((done) => authy.user_status(String(id), done));
    expect(err).toBeNull();
    expect(res).toEqual({
      status: {
        authy_id: id,
        confirmed: false,
        registered: false,
        country_code: 1,
        phone_number: 'XXX-XXX-3344',
        email: 'status@example.com',
        devices: [],
        has_hard_token: false,
        account_disabled: false,
        detailed_devices: [],
        deleted_devices: [],
      },
      message: 'User status.',
      success: true,
    });
  });

  it('delete answers "User was added to remove.", the user is gone at once and the phone registers again at once', async () => {
    const number = freshNumber();
    const id = await registerNpm(authy, 'doomed@example.com', number);
    const deleted = await outcome((done) => authy.delete_user(String(id), done));
    expect(deleted).toEqual({ err: null, res: { message: 'User was added to remove.', success: true } });
    expect((await outcome((done) => authy.user_status(String(id), done))).err).toEqual(USER_NOT_FOUND);

    const again = await registerNpm(authy, 'back@example.com', number);
    const { err, res } = await outcome((done) => authy.user_status(String(again), done));
    expect(err).toBeNull();
    expect((res as Body).status).toMatchObject({ authy_id: again, email: 'back@example.com' });
  });

  it('delete through authy-client (/users/{id}/remove), then re-registration at once', async () => {
    const id = (
      await client.registerUser({ countryCode: 'US', email: 'c@example.com', phone: '201-555-0123' })
    ).user as { id: number };
    expect(await client.deleteUser({ authyId: id.id })).toEqual({
      message: 'User was added to remove.',
      success: true,
    });
    expectHttpError(await rejection(client.getUserStatus({ authyId: id.id })), 404, 'User not found.');
    const again = await client.registerUser({
      countryCode: 'US',
      email: 'c@example.com',
      phone: '201-555-0123',
    });
    expect(again.message).toBe('User created successfully.');
  });

  it('delete of an unknown or non-numeric id is 404 / 60026 "User not found."', async () => {
    for (const id of ['987654321', 'tony']) {
      expect((await outcome((done) => authy.delete_user(id, done))).err).toEqual(USER_NOT_FOUND);
    }
  });
});

describe('verify', () => {
  let userId: number;
  beforeAll(async () => {
    userId = await registerNpm(authy, 'verify@example.com', '111-111-2222');
  });

  it('0000000 is valid for an existing id (authy npm verify and authy-client verifyToken)', async () => {
    const npm = await outcome((done) => authy.verify(String(userId), SANDBOX_TOKEN, done));
    expect(npm).toEqual({ err: null, res: TOKEN_VALID });
    expect(await client.verifyToken({ authyId: userId, token: SANDBOX_TOKEN })).toEqual(TOKEN_VALID);
    // …and again: the magic token is not used up.
    expect(await client.verifyToken({ authyId: userId, token: SANDBOX_TOKEN })).toEqual(TOKEN_VALID);
  });

  it('0000000 is valid for ids that do not exist, numeric or not', async () => {
    for (const id of ['987654321', 'tony']) {
      expect(await outcome((done) => authy.verify(id, SANDBOX_TOKEN, done))).toEqual({
        err: null,
        res: TOKEN_VALID,
      });
    }
    expect(await client.verifyToken({ authyId: 987654321, token: SANDBOX_TOKEN })).toEqual(TOKEN_VALID);
    const raw = await call(server, 'GET', `/protected/json/verify/${SANDBOX_TOKEN}/987654321`, {
      key: sandboxKey,
    });
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('{"message":"Token is valid.","token":"is valid","success":"true"}');
  });

  it('any other token for an unknown id is 404 / 60026 "User doesn\'t exist"', async () => {
    for (const id of ['987654321', 'tony']) {
      const { err } = await outcome((done) => authy.verify(id, '1234567', done));
      expect(err).toEqual(USER_DOES_NOT_EXIST);
    }
    expectHttpError(
      await rejection(client.verifyToken({ authyId: 987654321, token: '1234567' })),
      404,
      "User doesn't exist",
    );
    // A malformed token for an unknown id: still the unknown user first.
    const raw = await call(server, 'GET', '/protected/json/verify/12/987654321', { key: sandboxKey });
    expect(raw.status).toBe(404);
    expect(raw.body).toEqual(USER_DOES_NOT_EXIST);
  });

  it('any other token for a known id is 401 / 60020 "Token is invalid" with token "is invalid"', async () => {
    const wrong = await wrongToken(server, clock, sandboxId, userId);
    expect(await outcome((done) => authy.verify(String(userId), wrong, done))).toEqual({
      err: TOKEN_INVALID,
      res: undefined,
    });
    expectHttpError(
      await rejection(client.verifyToken({ authyId: userId, token: wrong })),
      401,
      'Token is invalid',
    );
    const raw = await call(server, 'GET', `/protected/json/verify/00000000/${userId}`, { key: sandboxKey });
    expect(raw.status).toBe(401);
    expect(raw.body).toEqual(TOKEN_INVALID);
  });

  it('force is ignored: force=false does not make a wrong token valid, force=true does not change any answer', async () => {
    const wrong = await wrongToken(server, clock, sandboxId, userId);
    for (const force of [true, false]) {
      expect((await outcome((done) => authy.verify(String(userId), wrong, force, done))).err).toEqual(
        TOKEN_INVALID,
      );
      expect((await outcome((done) => authy.verify('987654321', wrong, force, done))).err).toEqual(
        USER_DOES_NOT_EXIST,
      );
      expect(await outcome((done) => authy.verify('987654321', SANDBOX_TOKEN, force, done))).toEqual({
        err: null,
        res: TOKEN_VALID,
      });
    }
    expectHttpError(
      await rejection(client.verifyToken({ authyId: userId, token: wrong }, { force: true })),
      401,
      'Token is invalid',
    );
    for (const force of ['True', 'False']) {
      const raw = await call(server, 'GET', `/protected/json/verify/${wrong}/${userId}?force=${force}`, {
        key: sandboxKey,
      });
      expect(raw.status).toBe(401);
      expect(raw.body).toEqual(TOKEN_INVALID);
    }
  });

  it("a real TOTP code of the user's seed still verifies (design choice), once per step", async () => {
    const code = await nextTotp(server, clock, sandboxId, userId);
    expect(await outcome((done) => authy.verify(String(userId), code, done))).toEqual({
      err: null,
      res: TOKEN_VALID,
    });
    const next = await nextTotp(server, clock, sandboxId, userId);
    expect(await client.verifyToken({ authyId: userId, token: next })).toEqual(TOKEN_VALID);
    expect(await currentTotp(server, clock, sandboxId, userId)).toBe(next);
  });
});

describe('sms / call', () => {
  let userId: number;
  let other: number;
  beforeAll(async () => {
    userId = await registerNpm(authy, 'sms@example.com', '111-111-3302');
    other = await registerNpm(authy, 'co@example.com', '+57 825-589-8570', '57');
  });

  it('request_sms answers 200 "SMS token was sent" with the masked cellphone and no `ignored` key, forced or not', async () => {
    const expected = { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX02' };
    const plain = await outcome((done) => authy.request_sms(String(userId), done));
    expect(plain).toEqual({ err: null, res: expected });
    expect(Object.hasOwn(plain.res as Body, 'ignored')).toBe(false);
    expect(await outcome((done) => authy.request_sms(String(userId), true, done))).toEqual({
      err: null,
      res: expected,
    });
    const viaClient = await client.requestSms({ authyId: userId }, { force: true });
    expect(viaClient).toEqual(expected);
    expect(await client.requestSms({ authyId: other })).toEqual({
      success: true,
      message: 'SMS token was sent',
      cellphone: '+57-XXX-XXX-XX70',
    });
  });

  it('request_call answers 200 "Call started..." with the masked cellphone and no `ignored` key', async () => {
    const expected = { success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX02' };
    const plain = await outcome((done) => authy.request_call(String(userId), done));
    expect(plain).toEqual({ err: null, res: expected });
    expect(Object.hasOwn(plain.res as Body, 'ignored')).toBe(false);
    expect(await client.requestCall({ authyId: userId }, { force: true })).toEqual(expected);
  });

  it('what a sandbox app "sends" is written to the console outbox only, for its own app id', async () => {
    const before = (await outboxTo('+11111113302')).length;
    await client.requestSms({ authyId: userId });
    await client.requestCall({ authyId: userId });
    const after = await outboxTo('+11111113302');
    expect(after.slice(before).map((m) => [m.appId, m.channel])).toEqual([
      [sandboxId, 'sms'],
      [sandboxId, 'call'],
    ]);
  });

  it('sandbox sends are not throttled: ten SMS in a row all answer 200', async () => {
    for (let i = 0; i < 10; i++) {
      const sent = await outcome((done) => authy.request_sms(String(other), done));
      expect(sent.err).toBeNull();
    }
  });

  it('an unknown id is 404 / 60026 "User not found."', async () => {
    expect((await outcome((done) => authy.request_sms('987654321', done))).err).toEqual(USER_NOT_FOUND);
    expect((await outcome((done) => authy.request_call('tony', done))).err).toEqual(USER_NOT_FOUND);
    expectHttpError(await rejection(client.requestSms({ authyId: 987654321 })), 404, 'User not found.');
  });
});

describe('OneTouch', () => {
  let userId: number;
  beforeAll(async () => {
    userId = (
      (await client.registerUser({ countryCode: 'US', email: 'push@example.com', phone: '509-555-1212' }))
        .user as { id: number }
    ).id;
  });

  async function statusOf(uuid: string): Promise<Body> {
    const { err, res } = await outcome((done) => authy.check_approval_status(uuid, done));
    expect(err).toBeNull();
    return (res as Body).approval_request as Body;
  }

  it('create answers 200 {approval_request:{uuid}} (authy npm and authy-client)', async () => {
    const npm = await outcome((done) =>
      authy.send_approval_request(String(userId), { message: 'Login requested' }, null, null, done),
    );
    expect(npm).toEqual({
      err: null,
      res: { approval_request: { uuid: expect.stringMatching(UUID) }, success: true },
    });
    const viaClient = await client.createApprovalRequest({ authyId: userId, message: 'Login requested' });
    expect(viaClient).toEqual({ approval_request: { uuid: expect.stringMatching(UUID) }, success: true });
  });

  it('a request without seconds_to_expire stays "pending" (never auto-approved) for 86 400 s, then reads "expired"', async () => {
    const created = await client.createApprovalRequest({ authyId: userId, message: 'Login requested' });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    const start = clock.now();
    const first = await statusOf(uuid);
    expect(first).toMatchObject({ status: 'pending', seconds_to_expire: 86_400, processed_at: null, uuid });
    expect(first.expires_at).toBe(new Date(start + 86_400_000).toISOString());

    clock.advance(1000);
    expect((await client.getApprovalRequest({ id: uuid })).approval_request).toMatchObject({
      status: 'pending',
    });
    clock.set(start + 86_400_000 - 1);
    expect((await statusOf(uuid)).status).toBe('pending');
    clock.set(start + 86_400_000);
    expect((await statusOf(uuid)).status).toBe('expired');
    expect((await client.getApprovalRequest({ id: uuid })).approval_request).toMatchObject({
      status: 'expired',
    });
  });

  it('an explicit seconds_to_expire is honoured: pending until then, then expired', async () => {
    const { res } = await outcome((done) =>
      authy.send_approval_request(
        String(userId),
        { message: 'Pay', seconds_to_expire: 120 },
        null,
        null,
        done,
      ),
    );
    const uuid = ((res as Body).approval_request as { uuid: string }).uuid;
    expect(await statusOf(uuid)).toMatchObject({ status: 'pending', seconds_to_expire: 120 });
    clock.advance(119_999);
    expect((await statusOf(uuid)).status).toBe('pending');
    clock.advance(1);
    expect((await statusOf(uuid)).status).toBe('expired');
  });

  it('an unknown uuid is 404 / 60049', async () => {
    for (const uuid of ['550e8400-e29b-41d4-a716-446655440000', 'made-up']) {
      expect(await outcome((done) => authy.check_approval_status(uuid, done))).toEqual({
        err: APPROVAL_NOT_FOUND,
        res: undefined,
      });
    }
    expectHttpError(
      await rejection(client.getApprovalRequest({ id: '550e8400-e29b-41d4-a716-446655440000' })),
      404,
      'Approval request not found.',
    );
  });

  it('create for an unknown id is 404 / 60026 "User not found."', async () => {
    const { err } = await outcome((done) =>
      authy.send_approval_request('987654321', { message: 'Login requested' }, null, null, done),
    );
    expect(err).toEqual(USER_NOT_FOUND);
  });
});

describe('phones/verification/start', () => {
  const started = (message: string) => ({
    carrier: 'Google Voice',
    is_cellphone: false,
    is_ported: false,
    message,
    seconds_to_expire: 599,
    uuid: expect.stringMatching(UUID),
    success: true,
  });

  it('via sms answers the exact sandbox body, grouping 3054562345 as 305-456-2345', async () => {
    const { err, res } = await outcome((done) => authy.phones().verification_start('3054562345', '1', done));
    expect(err).toBeNull();
    expect(res).toEqual(started('Text message sent to +1 305-456-2345.'));
    expect(Object.keys(res as Body)).toEqual([
      'carrier',
      'is_cellphone',
      'is_ported',
      'message',
      'seconds_to_expire',
      'uuid',
      'success',
    ]);
  });

  it('via call answers "Call to +{cc} {grouped} initiated." (authy npm and authy-client)', async () => {
    const npm = await outcome((done) => authy.phones().verification_start('111-111-1111', '1', 'call', done));
    expect(npm).toEqual({ err: null, res: started('Call to +1 111-111-1111 initiated.') });
    const viaClient = await client.startPhoneVerification({
      countryCode: 'US',
      phone: '305-456-2345',
      via: 'call',
    });
    expect(viaClient).toEqual(started('Call to +1 305-456-2345 initiated.'));
  });

  it('groups any accepted length as …-NNN-NNNN, after dropping a leading +cc and reading letters', async () => {
    const cases: [string, string, string][] = [
      ['12345678', '1', '+1 1-234-5678'],
      ['123456789012345', '1', '+1 12345678-901-2345'],
      ['+57 825-589-8570', '57', '+57 825-589-8570'],
      ['AAA-338-9302', '54', '+54 222-338-9302'],
    ];
    for (const [phone, cc, shown] of cases) {
      const { err, res } = await outcome((done) => authy.phones().verification_start(phone, cc, done));
      expect(err).toBeNull();
      expect(res).toEqual(started(`Text message sent to ${shown}.`));
    }
  });

  it('28223 would group as 2-8223, but five digits fail the 8–15 digit rule: 400 / 60033', async () => {
    expect(groupDigits('28223')).toBe('2-8223');
    expect(groupDigits('3054562345')).toBe('305-456-2345');
    const { err } = await outcome((done) => authy.phones().verification_start('28223', '1', done));
    expect(err).toEqual(PHONE_INVALID);
  });

  it('accepts code_length, locale, custom_message and custom_code; the message lands in the outbox only', async () => {
    const { err, res } = await outcome((done) =>
      authy.phones().verification_start(
        '111-111-5555',
        '1',
        {
          via: 'sms',
          locale: 'es',
          code_length: 6,
          custom_message: 'Tu codigo es',
          custom_code: '424242',
        },
        done,
      ),
    );
    expect(err).toBeNull();
    expect(res).toEqual(started('Text message sent to +1 111-111-5555.'));
    const sent = await outboxTo('+11111115555');
    expect(sent.map((m) => [m.appId, m.channel, m.body])).toEqual([
      [sandboxId, 'sms', 'Tu codigo es 424242'],
    ]);
    const viaClient = await client.startPhoneVerification(
      { countryCode: 'US', phone: '305-456-2345', via: 'sms' },
      { codeLength: 6, locale: 'es' },
    );
    expect(viaClient).toEqual(started('Text message sent to +1 305-456-2345.'));
  });

  it('is not throttled for a sandbox app: ten starts to one number all answer 200', async () => {
    for (let i = 0; i < 10; i++) {
      const { err } = await outcome((done) => authy.phones().verification_start('111-111-6666', '1', done));
      expect(err).toBeNull();
    }
  });

  it('without a country code is 400 / 60004 "Invalid parameter: country_code - Parameter is required"', async () => {
    const { err } = await outcome((done) =>
      authy.phones().verification_start('3054562345', undefined as unknown as string, done),
    );
    expect(err).toEqual(COUNTRY_CODE_REQUIRED);
    const raw = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key: sandboxKey,
      json: { phone_number: '3054562345', via: 'sms' },
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toEqual(COUNTRY_CODE_REQUIRED);
  });

  it('an invalid number is 400 / 60033 "Phone number is invalid"', async () => {
    for (const phone of ['123', '555-9302', 'abc-1234', '1234-5678-9012-3456']) {
      const { err } = await outcome((done) => authy.phones().verification_start(phone, '1', done));
      expect(err).toEqual(PHONE_INVALID);
    }
  });

  it('a country code that is not an assigned calling code (999, -100) is refused with 400', async () => {
    for (const cc of ['999', '-100']) {
      const { err } = await outcome((done) => authy.phones().verification_start('3054562345', cc, done));
      expect(err).toEqual(
        errorBody('60004', 'Invalid parameter: country_code - is not a calling code', {
          fields: { country_code: 'is not a calling code' },
        }),
      );
    }
  });
});

describe('phones/verification/check', () => {
  it('0000 is correct for a number that was never started (authy npm and authy-client)', async () => {
    const npm = await outcome((done) =>
      authy.phones().verification_check('111-111-7777', '1', SANDBOX_CODE, done),
    );
    expect(npm).toEqual({ err: null, res: { message: 'Verification code is correct.', success: true } });
    expect(
      await client.verifyPhone({ countryCode: 'US', phone: '201-555-0199', token: SANDBOX_CODE }),
    ).toEqual({
      message: 'Verification code is correct.',
      success: true,
    });
  });

  it('0000 is correct after a start, and again (it is not used up)', async () => {
    await outcome((done) => authy.phones().verification_start('111-111-8888', '1', done));
    for (let i = 0; i < 2; i++) {
      const checked = await outcome((done) =>
        authy.phones().verification_check('111-111-8888', '1', SANDBOX_CODE, done),
      );
      expect(checked).toEqual({
        err: null,
        res: { message: 'Verification code is correct.', success: true },
      });
    }
  });

  it('any other code is 401 / 60022 "Verification code is incorrect.", even the code the start carried', async () => {
    const { res } = await outcome((done) =>
      authy.phones().verification_start('111-111-9999', '1', { custom_code: '5555' }, done),
    );
    expect((res as Body).success).toBe(true);
    for (const code of ['1234', '5555', '00000']) {
      const { err } = await outcome((done) =>
        authy.phones().verification_check('111-111-9999', '1', code, done),
      );
      expect(err).toEqual(SANDBOX_CODE_INCORRECT);
    }
    expectHttpError(
      await rejection(client.verifyPhone({ countryCode: 'US', phone: '201-555-0199', token: '1234' })),
      401,
      'Verification code is incorrect.',
    );
  });

  it('an invalid number is 400 / 60033', async () => {
    const { err } = await outcome((done) =>
      authy.phones().verification_check('555-9302', '1', SANDBOX_CODE, done),
    );
    expect(err).toEqual(PHONE_INVALID);
  });
});

describe('phones/verification/status', () => {
  it('without a start answers 200 pending (authy npm, form body on a GET)', async () => {
    const { err, res } = await outcome((done) =>
      authy.phones().verification_status('111-222-0001', '1', done),
    );
    expect(err).toBeNull();
    expect(res).toEqual({
      message: 'Phone Verification status.',
      status: 'pending',
      seconds_to_expire: 599,
      success: true,
    });
  });

  it('after a start answers 200 pending with the time left, then expired', async () => {
    await outcome((done) => authy.phones().verification_start('111-222-0002', '1', done));
    clock.advance(100_000);
    const pending = await outcome((done) => authy.phones().verification_status('111-222-0002', '1', done));
    expect(pending).toEqual({
      err: null,
      res: {
        message: 'Phone Verification status.',
        status: 'pending',
        seconds_to_expire: 500,
        success: true,
      },
    });
    clock.advance(500_000);
    const expired = await outcome((done) => authy.phones().verification_status('111-222-0002', '1', done));
    expect(expired.res).toEqual({
      message: 'Phone Verification status.',
      status: 'expired',
      seconds_to_expire: 0,
      success: true,
    });
  });

  it('an invalid number is 400 / 60033, a missing country code 400 / 60004', async () => {
    const invalid = await rawRequest(
      server,
      'GET',
      '/protected/json/phones/verification/status',
      { 'x-authy-api-key': sandboxKey, 'content-type': 'application/x-www-form-urlencoded' },
      'phone_number=123&country_code=1',
    );
    expect(invalid).toMatchObject({ status: 400, body: PHONE_INVALID });
    const missing = await call(
      server,
      'GET',
      '/protected/json/phones/verification/status?phone_number=1111111111',
      {
        key: sandboxKey,
      },
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(COUNTRY_CODE_REQUIRED);
  });
});

describe('phones/info', () => {
  it('answers landline, provider "", not ported, for a sandbox number (authy npm)', async () => {
    const { err, res } = await outcome((done) => authy.phones().info('111-111-1111', '1', done));
    expect(err).toBeNull();
    const stamp = new Date(clock.now()).toISOString().replace('T', ' ').slice(0, 19);
    expect(res).toEqual({
      message: `Phone number information as of ${stamp} UTC`,
      type: 'landline',
      provider: '',
      ported: false,
      valid: true,
      country: null,
      formatted: '+1 1111111111',
      success: true,
    });
  });

  it('answers landline for a real mobile number too, and passes authy-client getPhoneInformation', async () => {
    const response = await client.getPhoneInformation({ countryCode: 'PT', phone: '911234567' });
    expect(response).toMatchObject({ type: 'landline', provider: '', ported: false, success: true });
    expect(response.message).toMatch(/^Phone number information as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it('an invalid number is 400 / 60033, a missing country code 400 / 60004', async () => {
    expect((await outcome((done) => authy.phones().info('123', '1', done))).err).toEqual(PHONE_INVALID);
    const missing = await call(server, 'GET', '/protected/json/phones/info?phone_number=1111111111', {
      key: sandboxKey,
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(COUNTRY_CODE_REQUIRED);
  });
});

describe('app/details, app/stats', () => {
  it('app/details has the production shape, the app name and "sandbox":true', async () => {
    expect(await client.getApplicationDetails({ ip: '10.0.0.1' })).toEqual({
      app: {
        name: 'Sandbox App 1',
        plan: 'self_hosted',
        sms_enabled: true,
        phone_calls_enabled: true,
        app_id: sandboxId,
        onetouch_enabled: true,
        profile: 'sandbox',
        number_matching: 'off',
        sandbox: true,
      },
      message: 'Application information.',
      success: true,
    });
  });

  it("app/stats has the production shape and counts the sandbox app's own usage", async () => {
    const fresh = await server.createApp({ name: 'Sandbox App 2', profile: 'sandbox' });
    const statsClient = new Client({ key: fresh.apiKey }, { host: server.url, timeout: 10_000 });
    const statsNpm = createAuthyNpm(fresh.apiKey, server.url);
    const first = await registerNpm(statsNpm, 'a@example.com', '111-333-0001');
    await registerNpm(statsNpm, 'b@example.com', '111-333-0002');
    await statsClient.requestSms({ authyId: first });
    await statsClient.requestCall({ authyId: first });
    const code = await nextTotp(server, clock, fresh.id, first);
    await statsClient.verifyToken({ authyId: first, token: code });
    await server.app.services.usage.flush();

    const response = await statsClient.getApplicationStatistics();
    const now = new Date(clock.now());
    expect(response).toEqual({
      message: 'Monthly statistics.',
      count: 1,
      total_users: 2,
      app_id: fresh.id,
      stats: [
        {
          sms_count: 1,
          calls_count: 1,
          users_count: 2,
          auths_count: 1,
          month: now.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' }),
          api_calls_count: expect.any(Number),
          year: now.getUTCFullYear(),
        },
      ],
      success: true,
    });
    const item = (response.stats as Body[])[0] as Body;
    expect(item.api_calls_count).toBeGreaterThanOrEqual(5);
    expect(item.api_calls_count).toBeLessThanOrEqual(6);
  });
});

// The magic token through an unknown sandbox key must not be a way around authentication.
describe('keys and magic values', () => {
  it('0000000 with an unknown key is 401 / 60001, not "Token is valid."', async () => {
    const { err } = await outcome((done) =>
      createAuthyNpm('not-a-key', server.url).verify('1', SANDBOX_TOKEN, done),
    );
    expect(err).toEqual(INVALID_KEY);
  });
});
