import { CountersignError, createClient } from '@countersign/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testClock } from '../support/harness.js';
import { currentCode, failure, lastOutboxCode, nextPhone, type SdkSetup, setUp } from './sdk-support.js';

let server: TestServer;
let s: SdkSetup;

beforeAll(async () => {
  server = await startTestServer();
  s = await setUp(server);
});
afterAll(() => server.close());

const UNKNOWN_USER = { code: 'api_error', errorCode: '60026', status: 404, message: 'User not found.' };

/** A new user of the setup's app, without a device. */
async function bareUser(): Promise<number> {
  return (
    await s.client.users.register({ email: 'bare@example.com', cellphone: nextPhone(), countryCode: '1' })
  ).id;
}

describe('the SDK against the real service: users', () => {
  it('register returns the id; the same phone gets the same id', async () => {
    const cellphone = nextPhone();
    const first = await s.client.users.register({ email: 'a@example.com', cellphone, countryCode: 1 });
    expect(first).toMatchObject({ message: 'User created successfully.' });
    expect(Number.isInteger(first.id)).toBe(true);
    const again = await s.client.users.register({ email: 'b@example.com', cellphone, countryCode: '1' });
    expect(again.id).toBe(first.id);
  });

  it('register refuses an invalid user with 60027 and the field', async () => {
    const error = await failure(
      s.client.users.register({ email: 'not-an-email', cellphone: nextPhone(), countryCode: 1 }),
    );
    expect(error).toBeInstanceOf(CountersignError);
    expect(error).toMatchObject({
      code: 'api_error',
      errorCode: '60027',
      status: 400,
      message: 'User was not valid',
      fields: { email: 'is invalid' },
    });
  });

  it('status tells whether a device is enrolled; an unknown user is 60026', async () => {
    const status = await s.client.users.status(s.userId);
    expect(status).toMatchObject({
      authyId: s.userId,
      registered: true,
      countryCode: 1,
      email: s.email,
      devices: ['authenticator'],
      hasHardToken: false,
      message: 'User status.',
    });
    expect(status.phoneNumber).toMatch(/^XXX-XXX-\d{4}$/);
    expect((await s.client.users.status(await bareUser())).registered).toBe(false);
    expect(await failure(s.client.users.status(999_999))).toMatchObject(UNKNOWN_USER);
  });

  it('remove removes the user from this app; after that the user is unknown', async () => {
    const id = await bareUser();
    expect(await s.client.users.remove(id, { userIp: '10.0.0.1' })).toMatchObject({
      message: 'User was added to remove.',
    });
    expect(await failure(s.client.users.status(id))).toMatchObject(UNKNOWN_USER);
    expect(await failure(s.client.users.remove(id))).toMatchObject(UNKNOWN_USER);
  });

  it('registerActivity records an activity; an unknown user is 60026', async () => {
    expect(
      await s.client.users.registerActivity(s.userId, { type: 'password_reset', data: { reason: 'forgot' } }),
    ).toMatchObject({ message: 'Activity was created.' });
    expect(await failure(s.client.users.registerActivity(999_999, { type: 'banned' }))).toMatchObject(
      UNKNOWN_USER,
    );
  });

  it('authenticatorSecret hands out the otpauth URI and QR code until the first accepted code (then 60123)', async () => {
    const { client, userId, appId, device } = await setUp(server, { name: 'Secret Bank' });
    const secret = await client.users.authenticatorSecret(userId, { label: 'alice', qrSize: 200 });
    expect(secret).toMatchObject({ label: 'alice', issuer: 'Secret Bank' });
    expect(secret.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(secret.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(await failure(client.users.authenticatorSecret(userId, { qrSize: 5 }))).toMatchObject({
      errorCode: '60004',
      status: 400,
      fields: { qr_size: expect.any(String) },
    });
    await client.tokens.verify(userId, currentCode(device, appId));
    expect(await failure(client.users.authenticatorSecret(userId))).toMatchObject({
      code: 'api_error',
      errorCode: '60123',
      status: 403,
    });
  });
});

describe('the SDK against the real service: tokens', () => {
  it('verify accepts the current TOTP code once, then refuses it as reused (60019); a wrong one is 60020', async () => {
    const { client, userId, appId, device } = await setUp(server);
    const code = currentCode(device, appId);
    expect(await client.tokens.verify(userId, code)).toMatchObject({ message: 'Token is valid.' });
    expect(await failure(client.tokens.verify(userId, code))).toMatchObject({
      code: 'api_error',
      errorCode: '60019',
      status: 401,
    });
    const wrong = code === '0000000' ? '1111111' : '0000000';
    expect(await failure(client.tokens.verify(userId, wrong))).toMatchObject({
      code: 'api_error',
      errorCode: '60020',
      status: 401,
      message: 'Token is invalid',
    });
    expect(await failure(client.tokens.verify(999_999, wrong))).toMatchObject({
      errorCode: '60026',
      status: 404,
    });
  });

  it('requestSms is ignored for a user with a device unless forced; the sent code verifies', async () => {
    expect(await s.client.tokens.requestSms(s.userId)).toMatchObject({
      ignored: true,
      device: 'authenticator',
      message: expect.stringMatching(/^Ignored: SMS is not needed/),
    });
    const sent = await s.client.tokens.requestSms(s.userId, { force: true });
    expect(sent).toMatchObject({ ignored: false, device: undefined, message: 'SMS token was sent' });
    expect(sent.cellphone).toMatch(/^\+1-XXX-XXX-XX\d\d$/);
    expect(sent.raw).not.toHaveProperty('ignored');
    expect(await s.client.tokens.verify(s.userId, await lastOutboxCode(server))).toMatchObject({
      message: 'Token is valid.',
    });
    expect(await failure(s.client.tokens.requestSms(999_999))).toMatchObject(UNKNOWN_USER);
  });

  it('requestCall starts a call for a user without a device; an unknown user is 60026', async () => {
    expect(await s.client.tokens.requestCall(await bareUser())).toMatchObject({
      ignored: false,
      message: 'Call started...',
    });
    expect(await failure(s.client.tokens.requestCall(999_999))).toMatchObject(UNKNOWN_USER);
  });
});

describe('the SDK against the real service: app, phones, registrations', () => {
  it('app.details and app.stats describe the calling app; a wrong key is 60001', async () => {
    expect(await s.client.app.details()).toMatchObject({
      appId: s.appId,
      name: 'SDK Bank',
      plan: 'self_hosted',
      onetouchEnabled: true,
      message: 'Application information.',
    });
    const stats = await s.client.app.stats();
    expect(stats).toMatchObject({ appId: s.appId, message: 'Monthly statistics.' });
    expect(stats.count).toBe(stats.stats.length);
    expect(stats.totalUsers).toBeGreaterThanOrEqual(1);
    // Usage is written in batches, so the counts themselves may lag: check the shape of each month.
    for (const month of stats.stats) {
      expect(month.month).toMatch(/^[A-Z][a-z]+$/);
      expect(Number.isInteger(month.apiCallsCount) && Number.isInteger(month.year)).toBe(true);
    }
    const wrong = createClient({ baseUrl: server.url, apiKey: 'not-a-key' });
    // One call at a time: a refusal that settles while the other is awaited would be an unhandled rejection.
    for (const call of [() => wrong.app.details(), () => wrong.app.stats()]) {
      expect(await failure(call())).toMatchObject({
        code: 'api_error',
        errorCode: '60001',
        status: 401,
        message: 'Invalid API key',
      });
    }
  });

  it('phone verification: start, status, a wrong code (60022), the right code, then nothing pending (60023)', async () => {
    const phone = { countryCode: 1, phoneNumber: nextPhone() };
    const started = await s.client.phones.startVerification(phone, { via: 'sms', codeLength: 6 });
    expect(started.message).toMatch(/^Text message sent to \+1 /);
    expect(started).toMatchObject({ isPorted: false, uuid: expect.any(String) });
    expect(await s.client.phones.verificationStatus(phone)).toMatchObject({
      status: 'pending',
      message: 'Phone Verification status.',
    });
    const code = await lastOutboxCode(server);
    expect(code).toHaveLength(6);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await failure(s.client.phones.checkVerification(phone, wrong))).toMatchObject({
      code: 'api_error',
      errorCode: '60022',
      status: 401,
    });
    expect(await s.client.phones.checkVerification(phone, code)).toMatchObject({
      message: 'Verification code is correct.',
    });
    expect(await failure(s.client.phones.checkVerification(phone, code))).toMatchObject({
      errorCode: '60023',
      status: 404,
    });
    const never = { countryCode: '1', phoneNumber: nextPhone() };
    expect(await failure(s.client.phones.verificationStatus(never))).toMatchObject({
      errorCode: '60023',
      status: 404,
    });
  });

  it('startVerification refuses a number that cannot exist (60033) and a bad country code (60004)', async () => {
    expect(
      await failure(s.client.phones.startVerification({ countryCode: 1, phoneNumber: '123' })),
    ).toMatchObject({
      errorCode: '60033',
      status: 400,
      message: 'Phone number is invalid',
    });
    expect(
      await failure(s.client.phones.startVerification({ countryCode: 'xx', phoneNumber: nextPhone() })),
    ).toMatchObject({ errorCode: '60004', status: 400, fields: { country_code: expect.any(String) } });
  });

  it('phones.info describes a number; a bad country code is 60004', async () => {
    const info = await s.client.phones.info(
      { countryCode: 1, phoneNumber: nextPhone() },
      { userIp: '10.0.0.1' },
    );
    expect(info.message).toMatch(/^Phone number information as of \d+-\d+-\d+ \d+:\d+:\d+ UTC$/);
    expect(info).toMatchObject({ ported: false, type: expect.any(String), provider: expect.any(String) });
    expect(await failure(s.client.phones.info({ countryCode: 'xx', phoneNumber: '1' }))).toMatchObject({
      errorCode: '60004',
      status: 400,
    });
  });

  it('registrations.status: Countersign has no SDK registrations (60035)', async () => {
    expect(await failure(s.client.registrations.status('user-1'))).toMatchObject({
      code: 'api_error',
      errorCode: '60035',
      status: 404,
    });
  });

  it('a rate-limited app gets 60003 with Retry-After', async () => {
    const limited = await startTestServer({ clock: testClock(), env: { COUNTERSIGN_RATE_LIMIT: '1' } });
    try {
      const { apiKey } = await limited.createApp({ name: 'Busy Bank' });
      const client = createClient({ baseUrl: limited.url, apiKey });
      await client.app.details();
      const error = await failure(client.app.details());
      expect(error).toMatchObject({ code: 'api_error', errorCode: '60003', status: 429 });
      expect((error as CountersignError).retryAfter).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('the SDK against the real service: enrollments and approval requests', () => {
  it('createEnrollment returns a single-use link, its QR code and its expiry; an unknown user is 60026', async () => {
    const before = Date.now();
    const enrollment = await s.client.createEnrollment(s.userId);
    expect(enrollment.url).toMatch(
      new RegExp(`^${server.config.publicUrl}/authenticator/#enroll=[A-Za-z0-9_-]{43}$`),
    );
    expect(enrollment.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(enrollment.expiresAt.getTime() - before).toBeGreaterThan(9 * 60_000);
    expect(enrollment.expiresAt.getTime() - before).toBeLessThanOrEqual(10 * 60_000 + 1000);
    expect(await failure(s.client.createEnrollment(999_999))).toMatchObject(UNKNOWN_USER);
  });

  it('createApprovalRequest sends it; getApprovalRequest reads every field back', async () => {
    const created = await s.client.createApprovalRequest(s.userId, {
      message: 'Transfer money to bob@example.com',
      details: { From: 'Checking', 'US Dollar Amount': 500 },
      hiddenDetails: { ip: '10.0.0.1' },
      secondsToExpire: 600,
    });
    expect(created.numberMatch).toBeUndefined();
    const read = await s.client.getApprovalRequest(created.uuid);
    expect(read).toMatchObject({
      uuid: created.uuid,
      status: 'pending',
      appName: 'SDK Bank',
      message: 'Transfer money to bob@example.com',
      details: { From: 'Checking', 'US Dollar Amount': '500' },
      hiddenDetails: { ip: '10.0.0.1' },
      secondsToExpire: 600,
      processedAt: null,
      receipt: undefined,
      deviceUuid: undefined,
    });
    expect(read.expiresAt?.getTime()).toBe(read.createdAt.getTime() + 600_000);
    expect(read.raw._authy_id).toBe(String(s.userId));
  });

  it('with number matching on, the create answer carries the code to show', async () => {
    const { client, userId } = await setUp(server, { name: 'Match Bank', numberMatching: '2' });
    const created = await client.createApprovalRequest(userId, { message: 'Log in' });
    expect(created.numberMatch).toMatch(/^\d{2}$/);
    expect((await client.getApprovalRequest(created.uuid)).numberMatch).toBe(created.numberMatch);
  });

  it('createApprovalRequest refuses a blank message (60004 naming it) and an unknown user (60026)', async () => {
    expect(await failure(s.client.createApprovalRequest(s.userId, { message: '' }))).toMatchObject({
      code: 'api_error',
      errorCode: '60004',
      status: 400,
      // A field called `message` cannot be told apart from the envelope's own `errors.message`.
      message: 'Invalid parameter: message - must not be blank',
    });
    expect(await failure(s.client.createApprovalRequest(999_999, { message: 'Log in' }))).toMatchObject(
      UNKNOWN_USER,
    );
  });

  it('getApprovalRequest and approvalEvents refuse an unknown uuid with 60049', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const expected = {
      code: 'api_error',
      errorCode: '60049',
      status: 404,
      message: 'Approval request not found.',
    };
    expect(await failure(s.client.getApprovalRequest(unknown))).toMatchObject(expected);
    expect(await failure(s.client.getApprovalRequest(unknown, { wait: 5 }))).toMatchObject(expected);
    const events = s.client.approvalEvents(unknown);
    expect(await failure(events.next())).toMatchObject(expected);
  });
});
