// Drives the running service with the real `authy-client` 1.1.4 (promise API, `X-Authy-API-Key` header, JSON
// bodies, strict response assertions) and asserts on exactly what the client hands back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import {
  type AuthyClient,
  authyClientModule,
  type Body,
  lastMessageTo,
  messagesTo,
  nextTotp,
  rejection,
  UUID,
  wrongTotp,
} from './compat-support.js';

const { Client, errors } = authyClientModule;

const clock = testClock();
let server: TestServer;
let appId: number;
let apiKey: string;
let client: AuthyClient;

beforeAll(async () => {
  server = await startTestServer({ clock });
  const app = await server.createApp({ name: 'Test Bank' });
  appId = app.id;
  apiKey = app.apiKey;
  client = new Client({ key: apiKey }, { host: server.url, timeout: 10_000 });
});
afterAll(async () => {
  await server?.close();
});

/** Registers a US number through the client and returns the Authy id it reported. */
async function register(email: string, phone: string, countryCode = 'US'): Promise<number> {
  const response = await client.registerUser({ countryCode, email, phone });
  const id = (response.user as { id: unknown }).id;
  if (typeof id !== 'number') throw new Error(`registerUser gave no numeric id: ${JSON.stringify(response)}`);
  return id;
}

/** Asserts that an error is the client's HttpError for a non-200 answer (not a failed response assertion). */
function expectHttpError(error: Error & Record<string, unknown>, code: number, message: string): void {
  expect(error).toBeInstanceOf(errors.HttpError);
  expect(error).not.toBeInstanceOf(errors.AssertionFailedError);
  expect(error.code).toBe(code);
  expect(error.message).toBe(message);
}

describe('authy-client registerUser', () => {
  it('registerUser with the ISO country code "US" answers "User created successfully." with a numeric id', async () => {
    const response = await client.registerUser({
      countryCode: 'US',
      email: 'alice@example.com',
      phone: '509-555-1212',
    });
    expect(response).toEqual({
      message: 'User created successfully.',
      user: { id: expect.any(Number) },
      success: true,
    });
  });

  // authy-client takes a calling code only as a string: its phone assert refuses a number (must_be_a_string).
  it('registerUser with the numeric calling code "351" registers a Portuguese number under +351', async () => {
    const id = await register('pedro@example.pt', '911234567', '351');
    const status = await client.getUserStatus({ authyId: id });
    expect(status.status).toMatchObject({ authy_id: id, country_code: 351, phone_number: 'XXX-XXX-4567' });
  });

  it('registerUser gives the same Authy id to the same number written differently', async () => {
    const first = await register('bob@example.com', '201-555-0123');
    const second = await register('bob@example.com', '+1 201 555 0123', '1');
    expect(second).toBe(first);
  });
});

describe('authy-client getUserStatus, registerActivity and deleteUser', () => {
  let id: number;
  beforeAll(async () => {
    id = await register('carol@example.com', '415-555-2671');
  });

  it('getUserStatus (JSON body {} on a GET) answers "User status." with every field the client checks', async () => {
    const response = await client.getUserStatus({ authyId: id });
    expect(response).toEqual({
      status: {
        authy_id: id,
        confirmed: false,
        registered: false,
        country_code: 1,
        phone_number: 'XXX-XXX-2671',
        email: 'carol@example.com',
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

  it('getUserStatus with an ip option (JSON body {"user_ip":…} on a GET) answers the same status', async () => {
    const response = await client.getUserStatus({ authyId: id }, { ip: '10.0.0.1' });
    expect(response).toMatchObject({ message: 'User status.', status: { authy_id: id } });
  });

  it('getUserStatus of an unknown user rejects with HttpError 404 "User not found."', async () => {
    const error = await rejection(client.getUserStatus({ authyId: 987654321 }));
    expectHttpError(error, 404, 'User not found.');
    expect(error.body).toEqual({
      message: 'User not found.',
      success: false,
      errors: { message: 'User not found.' },
      error_code: '60026',
    });
  });

  it('registerActivity answers "Activity was created." for each activity type', async () => {
    for (const type of ['password_reset', 'banned', 'unbanned', 'cookie_login']) {
      const response = await client.registerActivity(
        { authyId: id, data: { reason: 'foo bar' }, type },
        { ip: '10.0.0.1' },
      );
      expect(response).toEqual({ message: 'Activity was created.', success: true });
    }
  });

  it('registerActivity without data or ip answers "Activity was created."', async () => {
    const response = await client.registerActivity({ authyId: id, type: 'cookie_login' });
    expect(response).toEqual({ message: 'Activity was created.', success: true });
  });

  it('registerActivity for an unknown user rejects with HttpError 404 "User not found."', async () => {
    const error = await rejection(
      client.registerActivity({ authyId: 987654321, data: {}, type: 'password_reset' }),
    );
    expectHttpError(error, 404, 'User not found.');
  });

  it('deleteUser (POST users/{id}/remove) answers "User was added to remove." and the user is then not found', async () => {
    const doomed = await register('dave@example.com', '212-555-0101');
    const response = await client.deleteUser({ authyId: doomed }, { ip: '10.0.0.1' });
    expect(response).toEqual({ message: 'User was added to remove.', success: true });
    expectHttpError(await rejection(client.getUserStatus({ authyId: doomed })), 404, 'User not found.');
  });

  it('deleteUser of an unknown user rejects with HttpError 404 "User not found."', async () => {
    expectHttpError(await rejection(client.deleteUser({ authyId: 987654321 })), 404, 'User not found.');
  });
});

describe('authy-client verifyToken', () => {
  let id: number;
  beforeAll(async () => {
    id = await register('erin@example.com', '650-555-0142');
  });

  it('verifyToken accepts the current TOTP code with "Token is valid." and token "is valid"', async () => {
    const token = await nextTotp(server, clock, appId, id);
    const response = await client.verifyToken({ authyId: id, token });
    expect(response).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('verifyToken marks the user confirmed in getUserStatus', async () => {
    const status = await client.getUserStatus({ authyId: id });
    expect(status.status).toMatchObject({ confirmed: true });
  });

  it("authy-client verifyToken rejects a wrong code with HttpError 401 'Token is invalid'", async () => {
    clock.advance(30_000);
    const token = await wrongTotp(server, clock, appId, id);
    const error = await rejection(client.verifyToken({ authyId: id, token }));
    expectHttpError(error, 401, 'Token is invalid');
    expect(error.body).toEqual({
      message: 'Token is invalid',
      token: 'is invalid',
      success: false,
      errors: { message: 'Token is invalid' },
      error_code: '60020',
    });
  });

  it("authy-client verifyToken rejects a reused TOTP code with 'Token is invalid. Token was used recently.'", async () => {
    const token = await nextTotp(server, clock, appId, id);
    await client.verifyToken({ authyId: id, token });
    const error = await rejection(client.verifyToken({ authyId: id, token }));
    expectHttpError(error, 401, 'Token is invalid. Token was used recently.');
    expect(error.body).toMatchObject({ token: 'is invalid', error_code: '60019' });
  });

  it('verifyToken with force: true accepts a valid code and still rejects a wrong one', async () => {
    const token = await nextTotp(server, clock, appId, id);
    expect(await client.verifyToken({ authyId: id, token }, { force: true })).toEqual({
      message: 'Token is valid.',
      token: 'is valid',
      success: 'true',
    });
    clock.advance(30_000);
    const wrong = await wrongTotp(server, clock, appId, id);
    expectHttpError(
      await rejection(client.verifyToken({ authyId: id, token: wrong }, { force: true })),
      401,
      'Token is invalid',
    );
  });

  it('verifyToken for an unknown user rejects with HttpError 404 "User not found."', async () => {
    expectHttpError(
      await rejection(client.verifyToken({ authyId: 987654321, token: '1234567' })),
      404,
      'User not found.',
    );
  });
});

describe('authy-client requestSms and requestCall', () => {
  it('requestSms answers "SMS token was sent" with the masked cellphone, and the texted code verifies', async () => {
    const id = await register('frank@example.com', '303-555-0177');
    clock.advance(1000);
    const response = await client.requestSms({ authyId: id });
    expect(response).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX77' });
    const sent = await lastMessageTo(server, '+13035550177');
    expect(sent.channel).toBe('sms');
    expect(await client.verifyToken({ authyId: id, token: sent.code })).toEqual({
      message: 'Token is valid.',
      token: 'is valid',
      success: 'true',
    });
  });

  it('requestSms with action and message texts the message; the code verifies only with the same action', async () => {
    const id = await register('grace@example.com', '206-555-0199');
    clock.advance(1000);
    const response = await client.requestSms(
      { authyId: id },
      { force: true, action: 'login', message: 'Login code' },
    );
    expect(response).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX99' });
    const sent = await lastMessageTo(server, '+12065550199');
    expect(sent.body).toMatch(/^Login code \d{7}$/);

    // authy-client's verifyToken cannot pass an action, so it must not be able to use an action-bound code.
    expectHttpError(
      await rejection(client.verifyToken({ authyId: id, token: sent.code })),
      401,
      'Token is invalid',
    );
    const other = await call(server, 'GET', `/protected/json/verify/${sent.code}/${id}?action=logout`, {
      key: apiKey,
    });
    expect(other.status).toBe(401);
    const same = await call(server, 'GET', `/protected/json/verify/${sent.code}/${id}?action=login`, {
      key: apiKey,
    });
    expect(same.status).toBe(200);
    expect(same.text).toBe('{"message":"Token is valid.","token":"is valid","success":"true"}');
  });

  it('requestCall with action and message answers "Call started..." and the call reads the message and code', async () => {
    const id = await register('heidi@example.com', '702-555-0110');
    clock.advance(1000);
    const response = await client.requestCall(
      { authyId: id },
      { force: true, action: 'withdraw', message: 'Withdrawal code' },
    );
    expect(response).toEqual({ success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX10' });
    const sent = await lastMessageTo(server, '+17025550110');
    expect(sent.channel).toBe('call');
    expect(sent.body).toMatch(/^Withdrawal code \d{7}$/);
    const same = await call(server, 'GET', `/protected/json/verify/${sent.code}/${id}?action=withdraw`, {
      key: apiKey,
    });
    expect(same.body).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('requestCall without options calls a code that verifyToken accepts', async () => {
    const id = await register('ivan@example.com', '617-555-0150');
    clock.advance(1000);
    const response = await client.requestCall({ authyId: id });
    expect(response).toEqual({ success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX50' });
    const sent = await lastMessageTo(server, '+16175550150');
    expect(await client.verifyToken({ authyId: id, token: sent.code })).toMatchObject({ token: 'is valid' });
  });

  it('requestSms and requestCall for an unknown user reject with HttpError 404 "User not found."', async () => {
    expectHttpError(await rejection(client.requestSms({ authyId: 987654321 })), 404, 'User not found.');
    expectHttpError(await rejection(client.requestCall({ authyId: 987654321 })), 404, 'User not found.');
  });
});

describe('authy-client phone verification and phone information', () => {
  it('startPhoneVerification via sms answers the carrier fields and "Text message sent to +1 201-555-0124."', async () => {
    clock.advance(1000);
    const response = await client.startPhoneVerification(
      { countryCode: 'US', phone: '201-555-0124', via: 'sms' },
      { codeLength: 6, locale: 'es' },
    );
    expect(response).toEqual({
      carrier: null,
      is_cellphone: true,
      is_ported: false,
      message: 'Text message sent to +1 201-555-0124.',
      seconds_to_expire: 599,
      uuid: expect.stringMatching(UUID),
      success: true,
    });
    const sent = await lastMessageTo(server, '+12015550124');
    expect(sent.channel).toBe('sms');
    // authy-client validates codeLength but never sends it (spec 4.13), so the default length applies.
    expect(sent.code).toMatch(/^\d{4}$/);
  });

  it('verifyPhone with a wrong code rejects with HttpError 401 "Verification code is incorrect"; the right one is "Verification code is correct."', async () => {
    const sent = await lastMessageTo(server, '+12015550124');
    const wrong = sent.code === '0000' ? '1111' : '0000';
    const error = await rejection(
      client.verifyPhone({ countryCode: 'US', phone: '201-555-0124', token: wrong }),
    );
    expectHttpError(error, 401, 'Verification code is incorrect');
    expect(error.body).toMatchObject({ error_code: '60022' });
    const response = await client.verifyPhone({ countryCode: 'US', phone: '201-555-0124', token: sent.code });
    expect(response).toEqual({ message: 'Verification code is correct.', success: true });
  });

  it('verifyPhone after the code was used rejects with HttpError 404 "No pending verifications for +1 201-555-0124 found."', async () => {
    const sent = await lastMessageTo(server, '+12015550124');
    expectHttpError(
      await rejection(client.verifyPhone({ countryCode: 'US', phone: '201-555-0124', token: sent.code })),
      404,
      'No pending verifications for +1 201-555-0124 found.',
    );
  });

  it('startPhoneVerification via call answers "Call to +1 415-555-2672 initiated." and the called code verifies', async () => {
    clock.advance(1000);
    const response = await client.startPhoneVerification({
      countryCode: '1',
      phone: '415-555-2672',
      via: 'call',
    });
    expect(response).toMatchObject({
      carrier: null,
      is_cellphone: true,
      is_ported: false,
      message: 'Call to +1 415-555-2672 initiated.',
      success: true,
    });
    const sent = await lastMessageTo(server, '+14155552672');
    expect(sent.channel).toBe('call');
    expect(await client.verifyPhone({ countryCode: '1', phone: '415-555-2672', token: sent.code })).toEqual({
      message: 'Verification code is correct.',
      success: true,
    });
  });

  it('startPhoneVerification for a Portuguese mobile (PT) texts "+351 911234567"', async () => {
    clock.advance(1000);
    const response = await client.startPhoneVerification({
      countryCode: 'PT',
      phone: '911234567',
      via: 'sms',
    });
    expect(response).toMatchObject({ is_cellphone: true, success: true });
    expect(response.message).toMatch(/^Text message sent to \+351 [\d-]+\.$/);
    expect(await messagesTo(server, '+351911234567')).toBe(1);
  });

  it('getPhoneInformation answers "Phone number information as of <now> UTC" with type, provider and ported', async () => {
    const response = await client.getPhoneInformation(
      { countryCode: 'US', phone: '509-555-1212' },
      { ip: '10.0.0.1' },
    );
    const stamp = new Date(clock.now()).toISOString().replace('T', ' ').slice(0, 19);
    expect(response).toMatchObject({
      message: `Phone number information as of ${stamp} UTC`,
      type: 'cellphone',
      provider: expect.any(String),
      ported: false,
      success: true,
    });
  });
});

describe('authy-client approval requests', () => {
  let id: number;
  beforeAll(async () => {
    id = await register('mallory@example.com', '617-555-0151');
  });

  it('createApprovalRequest answers a uuid and getApprovalRequest returns every status field the client validates', async () => {
    const createdAt = clock.now();
    const logos = [
      { res: 'default', url: 'https://example.com/d.png' },
      { res: 'low', url: 'https://example.com/l.png' },
    ];
    const created = await client.createApprovalRequest(
      {
        authyId: id,
        details: {
          hidden: { ip_address: '10.10.3.203' },
          visible: { 'Account Number': '981266321', username: 'Bill Smith' },
        },
        logos,
        message: 'Login requested',
      },
      { ttl: 120 },
    );
    expect(created).toEqual({ approval_request: { uuid: expect.stringMatching(UUID) }, success: true });
    const uuid = (created.approval_request as { uuid: string }).uuid;

    const response = await client.getApprovalRequest({ id: uuid });
    const iso = new Date(createdAt).toISOString();
    expect(response).toEqual({
      approval_request: {
        _app_name: 'Test Bank',
        _app_serial_id: appId,
        _authy_id: String(id),
        _id: expect.any(String),
        _user_email: 'mallory@example.com',
        app_id: String(appId),
        created_at: iso,
        notified: false,
        processed_at: null,
        seconds_to_expire: 120,
        expires_at: new Date(createdAt + 120_000).toISOString(),
        status: 'pending',
        updated_at: iso,
        user_id: String(id),
        uuid,
        message: 'Login requested',
        details: { 'Account Number': '981266321', username: 'Bill Smith' },
        hidden_details: { ip_address: '10.10.3.203' },
        logos,
      },
      success: true,
    });
  });

  it('getApprovalRequest of a request past its ttl reports status "expired"', async () => {
    const created = await client.createApprovalRequest({ authyId: id, message: 'Short-lived' }, { ttl: 30 });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    clock.advance(31_000);
    const response = await client.getApprovalRequest({ id: uuid });
    expect(response.approval_request).toMatchObject({ uuid, status: 'expired', processed_at: null });
  });

  it('createApprovalRequest without details, logos or ttl is accepted and lists no logos', async () => {
    const created = await client.createApprovalRequest({ authyId: id, message: 'Plain request' });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    const response = await client.getApprovalRequest({ id: uuid });
    expect(response.approval_request).toMatchObject({
      message: 'Plain request',
      details: {},
      hidden_details: {},
      logos: null,
      status: 'pending',
    });
  });

  it('createApprovalRequest with ttl 0 never expires (seconds_to_expire 0, no expires_at)', async () => {
    const created = await client.createApprovalRequest({ authyId: id, message: 'Forever' }, { ttl: 0 });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    clock.advance(2 * 24 * 3600 * 1000);
    const response = await client.getApprovalRequest({ id: uuid });
    expect(response.approval_request).toMatchObject({
      uuid,
      status: 'pending',
      seconds_to_expire: 0,
      expires_at: null,
    });
  });

  it('an app with number matching still satisfies authy-client: create answers number_match, status shows it', async () => {
    const matching = await server.createApp({ name: 'Matching Bank', numberMatching: '2' });
    const matchingClient = new Client({ key: matching.apiKey }, { host: server.url, timeout: 10_000 });
    const userId = (
      await matchingClient.registerUser({
        countryCode: 'US',
        email: 'nina@example.com',
        phone: '617-555-0154',
      })
    ).user as { id: number };
    const created = await matchingClient.createApprovalRequest({
      authyId: userId.id,
      message: 'Login requested',
    });
    expect(created).toEqual({
      approval_request: { uuid: expect.stringMatching(UUID), number_match: expect.stringMatching(/^\d{2}$/) },
      success: true,
    });
    const request = created.approval_request as { uuid: string; number_match: string };
    const response = await matchingClient.getApprovalRequest({ id: request.uuid });
    expect(response.approval_request).toMatchObject({
      uuid: request.uuid,
      number_match: request.number_match,
      _app_name: 'Matching Bank',
      _app_serial_id: matching.id,
      status: 'pending',
    });
  });

  it('createApprovalRequest for an unknown user rejects with HttpError 404 "User not found."', async () => {
    expectHttpError(
      await rejection(client.createApprovalRequest({ authyId: 987654321, message: 'Login requested' })),
      404,
      'User not found.',
    );
  });

  it('getApprovalRequest of an unknown id rejects with HttpError 404 "Approval request not found."', async () => {
    const error = await rejection(client.getApprovalRequest({ id: '00000000-0000-4000-8000-000000000000' }));
    expectHttpError(error, 404, 'Approval request not found.');
    expect(error.body).toMatchObject({ error_code: '60049' });
  });
});

describe('authy-client application details and statistics', () => {
  it('getApplicationDetails answers "Application information." with the app id, name, plan and sms_enabled', async () => {
    for (const response of [
      await client.getApplicationDetails(),
      await client.getApplicationDetails({ ip: '10.0.0.1' }),
    ]) {
      expect(response).toMatchObject({
        app: {
          app_id: appId,
          name: 'Test Bank',
          plan: expect.any(String),
          sms_enabled: true,
          phone_calls_enabled: true,
          onetouch_enabled: true,
        },
        message: 'Application information.',
        success: true,
      });
    }
  });

  it("getApplicationStatistics counts this month's users, SMS, calls and auths and each item has exactly the 7 Authy keys", async () => {
    // A fresh app, so every count is known.
    const fresh = await server.createApp({ name: 'Stats Bank' });
    const statsClient = new Client({ key: fresh.apiKey }, { host: server.url, timeout: 10_000 });
    const first = await statsClient.registerUser({
      countryCode: 'US',
      email: 'sam@example.com',
      phone: '206-555-0101',
    });
    await statsClient.registerUser({ countryCode: 'US', email: 'tom@example.com', phone: '206-555-0102' });
    const userId = (first.user as { id: number }).id;
    clock.advance(1000);
    await statsClient.requestSms({ authyId: userId });
    clock.advance(1000);
    await statsClient.requestCall({ authyId: userId });
    const sent = await lastMessageTo(server, '+12065550101');
    await statsClient.verifyToken({ authyId: userId, token: sent.code });
    await server.app.services.usage.flush();

    const response = await statsClient.getApplicationStatistics({ ip: '10.0.0.1' });
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
    // Five calls were flushed; the statistics call itself may or may not have been flushed by the timer.
    expect(item.api_calls_count).toBeGreaterThanOrEqual(5);
    expect(item.api_calls_count).toBeLessThanOrEqual(6);
  });

  it('getApplicationStatistics lists a zero month with the same 7 keys after a month boundary', async () => {
    const fresh = await server.createApp({ name: 'Rollover Bank' });
    const createdAt = new Date(clock.now());
    const statsClient = new Client({ key: fresh.apiKey }, { host: server.url, timeout: 10_000 });
    await statsClient.getApplicationDetails();
    await server.app.services.usage.flush();
    clock.advance(31 * 24 * 3600 * 1000);
    const response = await statsClient.getApplicationStatistics();
    expect(response.count).toBe(2);
    const stats = response.stats as Body[];
    expect(stats).toHaveLength(2);
    for (const item of stats) {
      expect(Object.keys(item).sort()).toEqual([
        'api_calls_count',
        'auths_count',
        'calls_count',
        'month',
        'sms_count',
        'users_count',
        'year',
      ]);
    }
    const monthOf = (date: Date) => date.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    const now = new Date(clock.now());
    expect(stats[0]).toMatchObject({
      month: monthOf(createdAt),
      year: createdAt.getUTCFullYear(),
      api_calls_count: 1,
      users_count: 0,
    });
    expect(stats[1]).toMatchObject({ month: monthOf(now), year: now.getUTCFullYear() });
    expect(stats[1]).toMatchObject({ sms_count: 0, calls_count: 0, users_count: 0, auths_count: 0 });
    // Only the statistics call itself can have been counted in the new month.
    expect((stats[1] as Body).api_calls_count).toBeLessThanOrEqual(1);
  });
});

describe('authy-client with a wrong API key', () => {
  it('rejects with HttpError 401 "Invalid API key" (key sent in the X-Authy-API-Key header)', async () => {
    const stranger = new Client({ key: 'not-a-real-key' }, { host: server.url, timeout: 10_000 });
    const error = await rejection(stranger.getApplicationDetails());
    expectHttpError(error, 401, 'Invalid API key');
    expect(error.body).toEqual({
      message: 'Invalid API key',
      success: false,
      errors: { message: 'Invalid API key' },
      error_code: '60001',
    });
    expectHttpError(await rejection(stranger.getUserStatus({ authyId: 1 })), 401, 'Invalid API key');
    expectHttpError(
      await rejection(
        stranger.registerUser({ countryCode: 'US', email: 'a@example.com', phone: '509-555-1212' }),
      ),
      401,
      'Invalid API key',
    );
  });
});
