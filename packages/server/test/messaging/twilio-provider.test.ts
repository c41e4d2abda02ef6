import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessagingError, type OutgoingMessage } from '../../src/messaging/messaging-provider.js';
import { createTwilioProvider } from '../../src/messaging/twilio-provider.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { type FakeTwilio, REDIRECT_TARGET, startFakeTwilio, type TwilioRequest } from './fake-twilio.js';

const FROM = '+15005550006';
const PHONE = '+15095551212';

let fake: FakeTwilio;
beforeEach(async () => {
  fake = await startFakeTwilio();
});
afterEach(() => fake.close());

function provider(options: { authToken?: string; timeoutMs?: number } = {}) {
  return createTwilioProvider({
    accountSid: fake.accountSid,
    authToken: options.authToken ?? fake.authToken,
    from: FROM,
    baseUrl: fake.url,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}

const message = (channel: 'sms' | 'call', body: string): OutgoingMessage => ({
  appId: 1,
  channel,
  to: PHONE,
  body,
  sandbox: false,
});

/** The send's rejection, which must be a `MessagingError`. */
async function failure(sending: Promise<void>): Promise<MessagingError> {
  const error = await sending.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MessagingError);
  return error as MessagingError;
}

function only(requests: TwilioRequest[]): TwilioRequest {
  expect(requests).toHaveLength(1);
  return requests[0] as TwilioRequest;
}

/** The code at the end of a message body. */
function codeIn(body: string | undefined, lead = 'Your Test Bank verification code is'): string {
  const match = new RegExp(`^${lead} (\\d+)$`).exec(body ?? '');
  expect(match, `unexpected body: ${body}`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

/** The code read out in a voice Twiml (each digit followed by a space, said twice). */
function codeInTwiml(twiml: string | undefined, lead = 'Your Test Bank verification code is'): string {
  const match = /^<Response><Say>(.*)<\/Say><Pause length="1"\/><Say>(.*)<\/Say><\/Response>$/.exec(
    twiml ?? '',
  );
  expect(match, `unexpected Twiml: ${twiml}`).not.toBeNull();
  const [, first, second] = match as RegExpExecArray;
  expect(second).toBe(first);
  const spoken = new RegExp(`^${lead} ((?:\\d )+)$`).exec(first ?? '');
  expect(spoken, `unexpected speech: ${first}`).not.toBeNull();
  return ((spoken as RegExpExecArray)[1] as string).replaceAll(' ', '');
}

describe('Twilio provider', () => {
  it('sends an SMS as one POST to Messages.json with basic auth and exactly To, From and Body', async () => {
    await provider().send(message('sms', 'Your Test Bank verification code is 1234567'));

    const request = only(fake.requests);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.form).toEqual({
      To: PHONE,
      From: FROM,
      Body: 'Your Test Bank verification code is 1234567',
    });
  });

  it('places a voice call as one POST to Calls.json whose Twiml says the code twice, XML-escaped', async () => {
    await provider().send(message('call', `Code for <Tom & "Jerry's"> 123456`));

    const request = only(fake.requests);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    const said = 'Code for &#60;Tom &#38; &#34;Jerry&#39;s&#34;&#62; 1 2 3 4 5 6 ';
    expect(request.form).toEqual({
      To: PHONE,
      From: FROM,
      Twiml: `<Response><Say>${said}</Say><Pause length="1"/><Say>${said}</Say></Response>`,
    });
  });

  it('rejects with a MessagingError naming the HTTP status and Twilio code when Twilio refuses (400, 21211)', async () => {
    fake.behaviour = 'invalid-number';
    const error = await failure(provider().send(message('sms', 'Your code is 1234567')));
    expect(error.message).toBe('Twilio refused the message with HTTP 400 (Twilio error 21211)');
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects with a MessagingError when Twilio refuses the credentials (401, 20003)', async () => {
    const error = await failure(
      provider({ authToken: 'wrong' }).send(message('sms', 'Your code is 1234567')),
    );
    expect(error.message).toBe('Twilio refused the message with HTTP 401 (Twilio error 20003)');
  });

  it('gives up after timeoutMs when Twilio never answers, instead of hanging', async () => {
    fake.behaviour = 'hang';
    const started = performance.now();
    const error = await failure(provider({ timeoutMs: 200 }).send(message('sms', 'Your code is 1234567')));
    const elapsed = performance.now() - started;
    expect(error.message).toBe('Twilio could not be reached: TimeoutError');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not follow a redirect: the message is refused and only the Twilio URL was requested', async () => {
    fake.behaviour = 'redirect';
    await failure(provider().send(message('sms', 'Your code is 1234567')));
    expect(fake.requests.map((r) => r.path)).toEqual([
      `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`,
    ]);
    expect(fake.requests.some((r) => r.path === REDIRECT_TARGET)).toBe(false);
  });
});

describe('the service configured for Twilio', () => {
  let server: TestServer;
  let key: string;
  let userId: number;

  async function start(env: Record<string, string> = {}): Promise<void> {
    server = await startTestServer({
      env: {
        COUNTERSIGN_MESSAGING: 'twilio',
        TWILIO_ACCOUNT_SID: fake.accountSid,
        TWILIO_AUTH_TOKEN: fake.authToken,
        TWILIO_FROM: FROM,
        TWILIO_BASE_URL: fake.url,
        ...env,
      },
    });
    key = (await server.createApp()).apiKey;
    const created = await call(server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'ada@example.com', cellphone: '509-555-1212', country_code: 1 } },
    });
    expect(created.status).toBe(200);
    userId = (created.body.user as { id: number }).id;
  }

  afterEach(async () => {
    await server?.close();
  });

  it('delivers an SMS code through Twilio that then verifies exactly once', async () => {
    await start();
    const sent = await call(server, 'GET', `/protected/json/sms/${userId}`, { key });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX12' });

    const request = only(fake.requests);
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(request.form.To).toBe(PHONE);
    expect(request.form.From).toBe(FROM);
    const code = codeIn(request.form.Body);
    expect(code).toHaveLength(7);

    const verified = await call(server, 'GET', `/protected/json/verify/${code}/${userId}`, { key });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
    const again = await call(server, 'GET', `/protected/json/verify/${code}/${userId}`, { key });
    expect(again.status).toBe(401);
    // The code just used, sent again: a reuse (D12), told apart from a wrong code.
    expect(again.body).toEqual({
      message: 'Token is invalid. Token was used recently.',
      token: 'is invalid',
      success: false,
      errors: { message: 'Token is invalid. Token was used recently.' },
      error_code: '60019',
    });
  });

  it('delivers a voice code through Twilio Calls that then verifies', async () => {
    await start();
    const sent = await call(server, 'GET', `/protected/json/call/${userId}`, { key });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX12' });

    const request = only(fake.requests);
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    expect(Object.keys(request.form).sort()).toEqual(['From', 'To', 'Twiml']);
    const code = codeInTwiml(request.form.Twiml);
    expect(code).toHaveLength(7);

    const verified = await call(server, 'GET', `/protected/json/verify/${code}/${userId}`, { key });
    expect(verified.status).toBe(200);
  });

  it('answers 503 / 60015 when Twilio refuses; the unsent code never verifies and the failure does not count toward the send limit', async () => {
    await start({ COUNTERSIGN_SEND_LIMIT: '2' });
    fake.behaviour = 'invalid-number';
    for (let i = 0; i < 3; i++) {
      const refused = await call(server, 'GET', `/protected/json/sms/${userId}`, { key });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({
        message: 'The SMS could not be sent. Try again later.',
        success: false,
        errors: { message: 'The SMS could not be sent. Try again later.' },
        error_code: '60015',
      });
      const code = codeIn(fake.requests.at(-1)?.form.Body);
      // The code reached Twilio but must not reach the service's own logs.
      expect(server.logs.join('')).not.toContain(code);
      const verify = await call(server, 'GET', `/protected/json/verify/${code}/${userId}`, { key });
      expect(verify.status).toBe(401);
      expect(verify.body.error_code).toBe('60020');
    }

    fake.behaviour = 'accept';
    for (let i = 0; i < 2; i++) {
      const sent = await call(server, 'GET', `/protected/json/sms/${userId}`, { key });
      expect(sent.status).toBe(200);
    }
    const limited = await call(server, 'GET', `/protected/json/sms/${userId}`, { key });
    expect(limited.status).toBe(429);
    expect(limited.body.error_code).toBe('60003');
    expect(fake.requests).toHaveLength(5);
  });

  it('starts a phone verification by SMS through Twilio, and the code it carried checks once', async () => {
    await start();
    const started = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key,
      json: { via: 'sms', phone_number: '509-555-1212', country_code: '1', code_length: 6 },
    });
    expect(started.status).toBe(200);
    expect(started.body.message).toBe('Text message sent to +1 509-555-1212.');
    expect(started.body.success).toBe(true);

    const request = only(fake.requests);
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(request.form.To).toBe(PHONE);
    const code = codeIn(request.form.Body);
    expect(code).toHaveLength(6);

    const check = `/protected/json/phones/verification/check?phone_number=5095551212&country_code=1&verification_code=${code}`;
    const checked = await call(server, 'GET', check, { key });
    expect(checked.status).toBe(200);
    expect(checked.body).toEqual({ message: 'Verification code is correct.', success: true });
    const again = await call(server, 'GET', check, { key });
    expect(again.status).toBe(404);
    expect(again.body.error_code).toBe('60023');
  });

  it('starts a phone verification by voice through Twilio Calls', async () => {
    await start();
    const started = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key,
      json: { via: 'call', phone_number: '509-555-1212', country_code: '1' },
    });
    expect(started.status).toBe(200);
    expect(started.body.message).toBe('Call to +1 509-555-1212 initiated.');

    const request = only(fake.requests);
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    const code = codeInTwiml(request.form.Twiml);
    expect(code).toHaveLength(4);
    const checked = await call(
      server,
      'GET',
      `/protected/json/phones/verification/check?phone_number=5095551212&country_code=1&verification_code=${code}`,
      { key },
    );
    expect(checked.status).toBe(200);
  });

  it('answers 503 / 60015 when Twilio refuses a phone verification, and that code is never accepted', async () => {
    await start({ COUNTERSIGN_SEND_LIMIT: '1' });
    fake.behaviour = 'invalid-number';
    const start_ = () =>
      call(server, 'POST', '/protected/json/phones/verification/start', {
        key,
        json: { via: 'sms', phone_number: '509-555-1212', country_code: '1' },
      });
    const refused = await start_();
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      message: 'The verification code could not be sent. Try again later.',
      success: false,
      errors: { message: 'The verification code could not be sent. Try again later.' },
      error_code: '60015',
    });
    const code = codeIn(only(fake.requests).form.Body);
    const checked = await call(
      server,
      'GET',
      `/protected/json/phones/verification/check?phone_number=5095551212&country_code=1&verification_code=${code}`,
      { key },
    );
    expect(checked.status).toBe(404);
    expect(checked.body.error_code).toBe('60023');

    // The refused start did not use up the single start the limit allows.
    fake.behaviour = 'accept';
    expect((await start_()).status).toBe(200);
    expect((await start_()).status).toBe(429);
  });
});

describe('console provider', () => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  it('puts an SMS code in the outbox, sealed: the body_ct column never holds the code in clear', async () => {
    server = await startTestServer();
    const key = (await server.createApp()).apiKey;
    const created = await call(server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'ada@example.com', cellphone: '509-555-1212', country_code: 1 } },
    });
    const userId = (created.body.user as { id: number }).id;
    const sent = await call(server, 'GET', `/protected/json/sms/${userId}`, { key });
    expect(sent.status).toBe(200);

    const entries = await server.app.services.outbox.list(10);
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    expect(entry).toMatchObject({ channel: 'sms', to: PHONE });
    const code = codeIn(entry?.body);

    const rows = await server.db.selectFrom('outbox').select(['id', 'body_ct']).execute();
    expect(rows).toHaveLength(1);
    const sealed = rows[0]?.body_ct ?? '';
    expect(sealed).toMatch(/^v2\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(code);
    expect(sealed).not.toContain('verification code');

    const verified = await call(server, 'GET', `/protected/json/verify/${code}/${userId}`, { key });
    expect(verified.status).toBe(200);
  });
});
