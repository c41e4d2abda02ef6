// Drives the running service with the real `authy` npm 1.4.0 client (callback API, `api_key` in the query
// string, form bodies even on GETs) and asserts on exactly what the client hands back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testClock } from '../support/harness.js';
import {
  type AuthyNpm,
  type Body,
  createAuthyNpm,
  lastMessageTo,
  nextTotp,
  outcome,
  UUID,
  wrongTotp,
} from './compat-support.js';

const clock = testClock();
let server: TestServer;
let appId: number;
let authy: AuthyNpm;

beforeAll(async () => {
  server = await startTestServer({ clock });
  const app = await server.createApp({ name: 'Test Bank' });
  appId = app.id;
  authy = createAuthyNpm(app.apiKey, server.url);
});
afterAll(async () => {
  await server?.close();
});

/** Registers through the client and returns the Authy id it reported. */
async function register(email: string, cellphone: string, countryCode = '1'): Promise<number> {
  const { err, res } = await outcome((done) => authy.register_user(email, cellphone, countryCode, done));
  expect(err).toBeNull();
  const id = ((res as Body).user as { id: unknown }).id;
  if (typeof id !== 'number') throw new Error(`register_user gave no numeric id: ${JSON.stringify(res)}`);
  return id;
}

const USER_NOT_FOUND = {
  message: 'User not found.',
  success: false,
  errors: { message: 'User not found.' },
  error_code: '60026',
};

describe('authy npm register_user', () => {
  it('register_user (default country 1, install link on) answers "User created successfully." with a numeric id', async () => {
    const { err, res } = await outcome((done) =>
      authy.register_user('alice@example.com', '509-555-1212', done),
    );
    expect(err).toBeNull();
    expect(res).toEqual({
      message: 'User created successfully.',
      user: { id: expect.any(Number) },
      success: true,
    });
  });

  it('register_user with a country code argument registers the number under that calling code', async () => {
    const id = await register('pedro@example.pt', '911234567', '351');
    const { err, res } = await outcome((done) => authy.user_status(String(id), done));
    expect(err).toBeNull();
    expect((res as Body).status).toMatchObject({
      authy_id: id,
      country_code: 351,
      phone_number: 'XXX-XXX-4567',
      email: 'pedro@example.pt',
    });
  });

  it('register_user accepts send_install_link_via_sms=false (five arguments) and the boolean-only form', async () => {
    const five = await outcome((done) =>
      authy.register_user('bob@example.com', '201-555-0123', '1', false, done),
    );
    expect(five.err).toBeNull();
    expect(five.res).toEqual({
      message: 'User created successfully.',
      user: { id: expect.any(Number) },
      success: true,
    });
    const four = await outcome((done) => authy.register_user('bob@example.com', '201-555-0123', false, done));
    expect(four.err).toBeNull();
    expect(four.res).toEqual(five.res);
  });

  it('register_user keeps an email with "+" intact through the form encoding', async () => {
    const id = await register('zoe+2fa@example.com', '509-555-1213');
    const { res } = await outcome((done) => authy.user_status(String(id), done));
    expect((res as Body).status).toMatchObject({ email: 'zoe+2fa@example.com' });
  });

  it('register_user gives the same Authy id for the same phone number registered twice', async () => {
    const first = await register('carol@example.com', '415-555-2671');
    const second = await register('carol.other@example.com', '(415) 555.2671');
    expect(second).toBe(first);
  });

  it('register_user rejects an invalid email and cellphone with 60027 "User was not valid" naming both fields', async () => {
    const { err, res } = await outcome((done) => authy.register_user('not-an-email', '12', done));
    expect(res).toBeUndefined();
    expect(err).toEqual({
      email: 'is invalid',
      cellphone: 'is invalid',
      message: 'User was not valid',
      success: false,
      errors: { email: 'is invalid', cellphone: 'is invalid', message: 'User was not valid' },
      error_code: '60027',
    });
  });

  it('register_user rejects an unassigned country code with 60027 and country_code "is not supported"', async () => {
    const { err } = await outcome((done) =>
      authy.register_user('dan@example.com', '509-555-1212', '999', done),
    );
    expect(err).toMatchObject({
      message: 'User was not valid',
      country_code: 'is not supported',
      error_code: '60027',
    });
  });
});

describe('authy npm user_status and delete_user', () => {
  it('user_status of a known user answers "User status." with the masked phone and the Authy status fields', async () => {
    const id = await register('erin@example.com', '212-555-0101');
    const { err, res } = await outcome((done) => authy.user_status(String(id), done));
    expect(err).toBeNull();
    expect(res).toEqual({
      status: {
        authy_id: id,
        confirmed: false,
        registered: false,
        country_code: 1,
        phone_number: 'XXX-XXX-0101',
        email: 'erin@example.com',
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

  it('user_status of an unknown numeric id fails with 60026 "User not found."', async () => {
    const { err, res } = await outcome((done) => authy.user_status('987654321', done));
    expect(res).toBeUndefined();
    expect(err).toEqual(USER_NOT_FOUND);
  });

  it('user_status of the non-numeric id "tony" fails with err.message "User not found."', async () => {
    const { err } = await outcome((done) => authy.user_status('tony', done));
    expect((err as Body).message).toBe('User not found.');
    expect(err).toEqual(USER_NOT_FOUND);
  });

  it('delete_user answers "User was added to remove." and the user is then not found', async () => {
    const id = await register('frank@example.com', '650-555-0142');
    const deleted = await outcome((done) => authy.delete_user(String(id), done));
    expect(deleted.err).toBeNull();
    expect(deleted.res).toEqual({ message: 'User was added to remove.', success: true });
    const status = await outcome((done) => authy.user_status(String(id), done));
    expect(status.err).toEqual(USER_NOT_FOUND);
  });

  it('delete_user of an unknown user fails with 60026 "User not found."', async () => {
    const { err } = await outcome((done) => authy.delete_user('987654321', done));
    expect(err).toEqual(USER_NOT_FOUND);
  });
});

describe('authy npm verify', () => {
  let id: number;
  beforeAll(async () => {
    id = await register('grace@example.com', '303-555-0177');
  });

  it('verify accepts the current TOTP code with "Token is valid." and success "true" (a string)', async () => {
    const code = await nextTotp(server, clock, appId, id);
    const { err, res } = await outcome((done) => authy.verify(String(id), code, done));
    expect(err).toBeNull();
    expect(res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('verify accepts a code of the previous 30-second step (typed just before the step changed)', async () => {
    const code = await nextTotp(server, clock, appId, id);
    clock.advance(30_000);
    const { err, res } = await outcome((done) => authy.verify(String(id), code, done));
    expect(err).toBeNull();
    expect(res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('verify marks the user confirmed once a code was accepted', async () => {
    const { res } = await outcome((done) => authy.user_status(String(id), done));
    expect((res as Body).status).toMatchObject({ authy_id: id, confirmed: true });
  });

  it('verify rejects a wrong code with 60020 "Token is invalid" and token "is invalid"', async () => {
    clock.advance(30_000);
    const code = await wrongTotp(server, clock, appId, id);
    const { err, res } = await outcome((done) => authy.verify(String(id), code, done));
    expect(res).toBeUndefined();
    expect(err).toEqual({
      message: 'Token is invalid',
      token: 'is invalid',
      success: false,
      errors: { message: 'Token is invalid' },
      error_code: '60020',
    });
  });

  it("verify rejects a reused TOTP code with 60019 'Token is invalid. Token was used recently.'", async () => {
    const code = await nextTotp(server, clock, appId, id);
    const first = await outcome((done) => authy.verify(String(id), code, done));
    expect(first.err).toBeNull();
    const again = await outcome((done) => authy.verify(String(id), code, done));
    expect(again.err).toEqual({
      message: 'Token is invalid. Token was used recently.',
      token: 'is invalid',
      success: false,
      errors: { message: 'Token is invalid. Token was used recently.' },
      error_code: '60019',
    });
  });

  it('verify with the force argument accepts a valid code', async () => {
    const code = await nextTotp(server, clock, appId, id);
    const { err, res } = await outcome((done) => authy.verify(String(id), code, true, done));
    expect(err).toBeNull();
    expect(res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('verify with force=true still rejects a wrong code (force never skips the check)', async () => {
    clock.advance(30_000);
    const code = await wrongTotp(server, clock, appId, id);
    const { err } = await outcome((done) => authy.verify(String(id), code, true, done));
    expect(err).toMatchObject({ message: 'Token is invalid', error_code: '60020' });
  });

  it('verify for an unknown user fails with 60026 "User not found."', async () => {
    const { err } = await outcome((done) => authy.verify('987654321', '1234567', done));
    expect(err).toEqual(USER_NOT_FOUND);
  });
});

describe('authy npm request_sms and request_call', () => {
  it('request_sms answers "SMS token was sent" with the masked cellphone, and the texted code verifies', async () => {
    const id = await register('heidi@example.com', '206-555-0199');
    clock.advance(1000);
    const { err, res } = await outcome((done) => authy.request_sms(String(id), done));
    expect(err).toBeNull();
    expect(res).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX99' });
    const sent = await lastMessageTo(server, '+12065550199');
    expect(sent.channel).toBe('sms');
    expect(sent.code).toMatch(/^\d{7}$/);
    const verified = await outcome((done) => authy.verify(String(id), sent.code, done));
    expect(verified.err).toBeNull();
    expect(verified.res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('request_sms with force=true sends a code that verifies once; a second use is refused with token "is invalid"', async () => {
    const id = await register('ivan@example.com', '702-555-0110');
    clock.advance(1000);
    const { err, res } = await outcome((done) => authy.request_sms(String(id), true, done));
    expect(err).toBeNull();
    expect(res).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX10' });
    const sent = await lastMessageTo(server, '+17025550110');
    const first = await outcome((done) => authy.verify(String(id), sent.code, done));
    expect(first.err).toBeNull();
    const again = await outcome((done) => authy.verify(String(id), sent.code, done));
    // Spec 4.8 gives 60019 only for a reused TOTP code; for a used SMS code either refusal code is allowed.
    expect(again.err).toMatchObject({ success: false, token: 'is invalid' });
    expect((again.err as Body).error_code).toMatch(/^600(19|20)$/);
  });

  it('request_call answers "Call started..." and the code read out by the call verifies', async () => {
    const id = await register('judy@example.com', '617-555-0150');
    clock.advance(1000);
    const { err, res } = await outcome((done) => authy.request_call(String(id), done));
    expect(err).toBeNull();
    expect(res).toEqual({ success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX50' });
    const sent = await lastMessageTo(server, '+16175550150');
    expect(sent.channel).toBe('call');
    const verified = await outcome((done) => authy.verify(String(id), sent.code, done));
    expect(verified.err).toBeNull();
    expect(verified.res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });

  it('request_call with force=true calls the user', async () => {
    const id = await register('ken@example.com', '617-555-0151');
    clock.advance(1000);
    const { err, res } = await outcome((done) => authy.request_call(String(id), true, done));
    expect(err).toBeNull();
    expect(res).toEqual({ success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX51' });
    expect((await lastMessageTo(server, '+16175550151')).channel).toBe('call');
  });

  it('a second request_sms replaces the first code: only the newest one verifies', async () => {
    const id = await register('leo@example.com', '617-555-0152');
    clock.advance(1000);
    await outcome((done) => authy.request_sms(String(id), done));
    const old = await lastMessageTo(server, '+16175550152');
    clock.advance(1000);
    await outcome((done) => authy.request_sms(String(id), done));
    const fresh = await lastMessageTo(server, '+16175550152');
    if (old.code !== fresh.code) {
      const stale = await outcome((done) => authy.verify(String(id), old.code, done));
      expect(stale.err).toMatchObject({ message: 'Token is invalid', error_code: '60020' });
    }
    const verified = await outcome((done) => authy.verify(String(id), fresh.code, done));
    expect(verified.err).toBeNull();
  });

  it('request_sms and request_call for an unknown user fail with 60026 and send nothing', async () => {
    const before = (await server.app.services.outbox.list(500)).length;
    const sms = await outcome((done) => authy.request_sms('987654321', done));
    expect(sms.err).toEqual(USER_NOT_FOUND);
    const call = await outcome((done) => authy.request_call('tony', done));
    expect(call.err).toEqual(USER_NOT_FOUND);
    expect((await server.app.services.outbox.list(500)).length).toBe(before);
  });
});

describe('authy npm send_approval_request and check_approval_status', () => {
  let id: number;
  beforeAll(async () => {
    id = await register('mallory@example.com', '617-555-0153');
  });

  it('send_approval_request with details, hidden_details, logos and seconds_to_expire answers a uuid; check_approval_status returns them', async () => {
    const createdAt = clock.now();
    const logos = [
      { res: 'default', url: 'https://example.com/d.png' },
      { res: 'low', url: 'https://example.com/l.png' },
    ];
    const sent = await outcome((done) =>
      authy.send_approval_request(
        String(id),
        {
          message: 'Login requested',
          details: { 'Account Number': '981266321', username: 'Bill Smith' },
          seconds_to_expire: 120,
        },
        { ip_address: '10.10.3.203' },
        logos,
        done,
      ),
    );
    expect(sent.err).toBeNull();
    expect(sent.res).toEqual({ approval_request: { uuid: expect.stringMatching(UUID) }, success: true });
    const uuid = ((sent.res as Body).approval_request as { uuid: string }).uuid;

    const { err, res } = await outcome((done) => authy.check_approval_status(uuid, done));
    expect(err).toBeNull();
    const iso = new Date(createdAt).toISOString();
    expect(res).toEqual({
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

  it('check_approval_status reports "expired" once seconds_to_expire has passed', async () => {
    const sent = await outcome((done) =>
      authy.send_approval_request(
        String(id),
        { message: 'Wire transfer', seconds_to_expire: 60 },
        null,
        null,
        done,
      ),
    );
    const uuid = ((sent.res as Body).approval_request as { uuid: string }).uuid;
    clock.advance(61_000);
    const { err, res } = await outcome((done) => authy.check_approval_status(uuid, done));
    expect(err).toBeNull();
    expect((res as Body).approval_request).toMatchObject({ uuid, status: 'expired', seconds_to_expire: 60 });
  });

  it('send_approval_request without details, logos or expiry stores empty details and no logos', async () => {
    const sent = await outcome((done) =>
      authy.send_approval_request(String(id), { message: 'Plain request' }, null, null, done),
    );
    expect(sent.err).toBeNull();
    const uuid = ((sent.res as Body).approval_request as { uuid: string }).uuid;
    const { res } = await outcome((done) => authy.check_approval_status(uuid, done));
    expect((res as Body).approval_request).toMatchObject({
      message: 'Plain request',
      details: {},
      hidden_details: {},
      logos: null,
      status: 'pending',
    });
  });

  it('send_approval_request keeps non-ASCII text and reserved characters of the form body intact', async () => {
    const sent = await outcome((done) =>
      authy.send_approval_request(
        String(id),
        { message: 'Überweisung 100 € & mehr?', details: { 'Empfänger Name': 'Zoë + Co = 1/2' } },
        { 'note#1': 'a&b=c' },
        null,
        done,
      ),
    );
    expect(sent.err).toBeNull();
    const uuid = ((sent.res as Body).approval_request as { uuid: string }).uuid;
    const { res } = await outcome((done) => authy.check_approval_status(uuid, done));
    expect((res as Body).approval_request).toMatchObject({
      message: 'Überweisung 100 € & mehr?',
      details: { 'Empfänger Name': 'Zoë + Co = 1/2' },
      hidden_details: { 'note#1': 'a&b=c' },
    });
  });

  it('send_approval_request for an unknown user fails with 60026 "User not found."', async () => {
    const { err } = await outcome((done) =>
      authy.send_approval_request('987654321', { message: 'Login requested' }, null, null, done),
    );
    expect(err).toEqual(USER_NOT_FOUND);
  });

  it('check_approval_status of an unknown uuid fails with 60049 "Approval request not found."', async () => {
    const { err } = await outcome((done) =>
      authy.check_approval_status('00000000-0000-4000-8000-000000000000', done),
    );
    expect(err).toEqual({
      message: 'Approval request not found.',
      success: false,
      errors: { message: 'Approval request not found.' },
      error_code: '60049',
    });
  });
});

describe('authy npm phones()', () => {
  it('verification_start (sms by default) texts a code, verification_status is pending and verification_check (GET with a form body) accepts it once', async () => {
    clock.advance(1000);
    const started = await outcome((done) => authy.phones().verification_start('201-555-0124', '1', done));
    expect(started.err).toBeNull();
    expect(started.res).toEqual({
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
    expect(sent.code).toMatch(/^\d{4}$/);

    const pending = await outcome((done) => authy.phones().verification_status('201-555-0124', '1', done));
    expect(pending.err).toBeNull();
    expect(pending.res).toEqual({
      message: 'Phone Verification status.',
      status: 'pending',
      seconds_to_expire: expect.any(Number),
      success: true,
    });

    const checked = await outcome((done) =>
      authy.phones().verification_check('201-555-0124', '1', sent.code, done),
    );
    expect(checked.err).toBeNull();
    expect(checked.res).toEqual({ message: 'Verification code is correct.', success: true });

    const verified = await outcome((done) => authy.phones().verification_status('201-555-0124', '1', done));
    expect(verified.res).toEqual({
      message: 'Phone Verification status.',
      status: 'verified',
      seconds_to_expire: 0,
      success: true,
    });

    const again = await outcome((done) =>
      authy.phones().verification_check('201-555-0124', '1', sent.code, done),
    );
    expect(again.err).toEqual({
      message: 'No pending verifications for +1 201-555-0124 found.',
      success: false,
      errors: { message: 'No pending verifications for +1 201-555-0124 found.' },
      error_code: '60023',
    });
  });

  it('verification_check with a wrong code fails with 60022 "Verification code is incorrect"', async () => {
    clock.advance(1000);
    await outcome((done) => authy.phones().verification_start('201-555-0125', '1', done));
    const sent = await lastMessageTo(server, '+12015550125');
    const wrong = sent.code === '0000' ? '1111' : '0000';
    const { err, res } = await outcome((done) =>
      authy.phones().verification_check('201-555-0125', '1', wrong, done),
    );
    expect(res).toBeUndefined();
    expect(err).toEqual({
      message: 'Verification code is incorrect',
      success: false,
      errors: { message: 'Verification code is incorrect' },
      error_code: '60022',
    });
    const right = await outcome((done) =>
      authy.phones().verification_check('201-555-0125', '1', sent.code, done),
    );
    expect(right.res).toEqual({ message: 'Verification code is correct.', success: true });
  });

  it('verification_start with via=call, locale, code_length and custom_message calls with a code of that length', async () => {
    clock.advance(1000);
    const { err, res } = await outcome((done) =>
      authy
        .phones()
        .verification_start(
          '415-555-2672',
          '1',
          { via: 'call', locale: 'pl', code_length: 6, custom_message: 'Hi there' },
          done,
        ),
    );
    expect(err).toBeNull();
    expect(res).toMatchObject({ message: 'Call to +1 415-555-2672 initiated.', success: true });
    const sent = await lastMessageTo(server, '+14155552672');
    expect(sent.channel).toBe('call');
    expect(sent.body).toMatch(/^Hi there \d{6}$/);
    const checked = await outcome((done) =>
      authy.phones().verification_check('415-555-2672', '1', sent.code, done),
    );
    expect(checked.res).toEqual({ message: 'Verification code is correct.', success: true });
  });

  it('verification_start with custom_code sends that code, and verification_check accepts it', async () => {
    clock.advance(1000);
    const { err } = await outcome((done) =>
      authy.phones().verification_start('415-555-2674', '1', { via: 'sms', custom_code: '12345' }, done),
    );
    expect(err).toBeNull();
    const sent = await lastMessageTo(server, '+14155552674');
    expect(sent.code).toBe('12345');
    const checked = await outcome((done) =>
      authy.phones().verification_check('415-555-2674', '1', '12345', done),
    );
    expect(checked.res).toEqual({ message: 'Verification code is correct.', success: true });
  });

  it('verification_start accepts the via string as third argument', async () => {
    clock.advance(1000);
    const { err, res } = await outcome((done) =>
      authy.phones().verification_start('415-555-2673', '1', 'call', done),
    );
    expect(err).toBeNull();
    expect((res as Body).message).toBe('Call to +1 415-555-2673 initiated.');
    expect((await lastMessageTo(server, '+14155552673')).channel).toBe('call');
  });

  it('verification_start for a number that cannot exist fails with 60033 "Phone number is invalid" and sends nothing', async () => {
    const before = (await server.app.services.outbox.list(500)).length;
    const { err } = await outcome((done) => authy.phones().verification_start('123', '1', done));
    expect(err).toEqual({
      message: 'Phone number is invalid',
      success: false,
      errors: { message: 'Phone number is invalid' },
      error_code: '60033',
    });
    expect((await server.app.services.outbox.list(500)).length).toBe(before);
  });

  it('verification_status of a number never verified fails with 60023', async () => {
    const { err } = await outcome((done) => authy.phones().verification_status('212-555-0102', '1', done));
    expect(err).toMatchObject({
      message: 'No pending verifications for +1 212-555-0102 found.',
      error_code: '60023',
    });
  });

  it('info (GET with a form body) answers the dated message, the line type, provider and ported', async () => {
    const { err, res } = await outcome((done) => authy.phones().info('509-555-1212', '1', done));
    expect(err).toBeNull();
    const stamp = new Date(clock.now()).toISOString().replace('T', ' ').slice(0, 19);
    expect(res).toMatchObject({
      message: `Phone number information as of ${stamp} UTC`,
      type: 'cellphone',
      provider: expect.any(String),
      ported: false,
      success: true,
    });
  });

  it('info of a Portuguese fixed line reports a landline', async () => {
    const { err, res } = await outcome((done) => authy.phones().info('212345678', '351', done));
    expect(err).toBeNull();
    expect(res).toMatchObject({ type: 'landline', ported: false, success: true });
  });

  it('info of a Portuguese mobile number reports a cellphone', async () => {
    const { err, res } = await outcome((done) => authy.phones().info('911234567', '351', done));
    expect(err).toBeNull();
    expect(res).toMatchObject({ type: 'cellphone', ported: false, success: true });
  });
});

describe('authy npm with a wrong or missing API key', () => {
  it('every call fails with 60001 "Invalid API key" (api_key in the query string)', async () => {
    const stranger = createAuthyNpm('not-a-real-key', server.url);
    const invalid = {
      message: 'Invalid API key',
      success: false,
      errors: { message: 'Invalid API key' },
      error_code: '60001',
    };
    expect((await outcome((done) => stranger.user_status('1', done))).err).toEqual(invalid);
    expect(
      (await outcome((done) => stranger.register_user('a@example.com', '509-555-1212', done))).err,
    ).toEqual(invalid);
    expect((await outcome((done) => stranger.phones().info('509-555-1212', '1', done))).err).toEqual(invalid);
    const keyless = createAuthyNpm('', server.url);
    expect((await outcome((done) => keyless.user_status('1', done))).err).toEqual(invalid);
  });
});
