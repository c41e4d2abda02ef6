// The safety rules of docs/sandbox.md: a sandbox app's magic values never reach other apps, its users live
// in their own namespace, nothing it "sends" leaves the service, its log lines say "sandbox":true, and an
// operator can refuse sandbox apps altogether (COUNTERSIGN_SANDBOX=off).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthyNpm,
  authyClientModule,
  type Body,
  createAuthyNpm,
  outcome,
  rejection,
} from '../compat/compat-support.js';
import { type FakeTwilio, startFakeTwilio } from '../messaging/fake-twilio.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import {
  avoidMagicTotp,
  errorBody,
  registerNpm,
  SANDBOX_CODE,
  SANDBOX_TOKEN,
  TOKEN_INVALID,
  TOKEN_VALID,
  USER_DOES_NOT_EXIST,
  USER_NOT_FOUND,
  USER_NOT_VALID,
} from './sandbox-support.js';

const { Client, errors } = authyClientModule;

/** The same phone number is registered in every app below. */
const PHONE = '509-555-1212';

describe('isolation between sandbox and live apps', () => {
  const clock = testClock();
  let server: TestServer;
  let sandboxA: { id: number; apiKey: string };
  let sandboxB: { id: number; apiKey: string };
  let liveC: { id: number; apiKey: string };
  let liveD: { id: number; apiKey: string };
  let npm: { a: AuthyNpm; b: AuthyNpm; c: AuthyNpm; d: AuthyNpm };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    sandboxA = await server.createApp({ name: 'Sandbox A', profile: 'sandbox' });
    liveC = await server.createApp({ name: 'Live C' });
    sandboxB = await server.createApp({ name: 'Sandbox B', profile: 'sandbox' });
    liveD = await server.createApp({ name: 'Live D', profile: 'psd2' });
    npm = {
      a: createAuthyNpm(sandboxA.apiKey, server.url),
      b: createAuthyNpm(sandboxB.apiKey, server.url),
      c: createAuthyNpm(liveC.apiKey, server.url),
      d: createAuthyNpm(liveD.apiKey, server.url),
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the same phone gets a different id in each sandbox app and in the live apps, which share theirs', async () => {
    const a = await registerNpm(npm.a, 'a@example.com', PHONE);
    const c = await registerNpm(npm.c, 'c@example.com', PHONE);
    const b = await registerNpm(npm.b, 'b@example.com', PHONE);
    const liveClient = new Client({ key: liveD.apiKey }, { host: server.url, timeout: 10_000 });
    const d = (
      (await liveClient.registerUser({ countryCode: 'US', email: 'd@example.com', phone: PHONE })).user as {
        id: number;
      }
    ).id;
    expect(new Set([a, b, c]).size).toBe(3);
    expect(d).toBe(c);
    // Registering again in each app keeps its own id.
    expect(await registerNpm(npm.a, 'a2@example.com', '(509) 555.1212')).toBe(a);
    expect(await registerNpm(npm.b, 'b2@example.com', PHONE)).toBe(b);
  });

  it("a sandbox app cannot see a live app's user, nor a live app a sandbox app's user, nor one sandbox app another's", async () => {
    const a = await registerNpm(npm.a, 'a@example.com', PHONE);
    const b = await registerNpm(npm.b, 'b@example.com', PHONE);
    const c = await registerNpm(npm.c, 'c@example.com', PHONE);
    const look = (client: AuthyNpm, id: number) => outcome((done) => client.user_status(String(id), done));
    expect((await look(npm.a, c)).err).toEqual(USER_NOT_FOUND);
    expect((await look(npm.a, b)).err).toEqual(USER_NOT_FOUND);
    expect((await look(npm.c, a)).err).toEqual(USER_NOT_FOUND);
    expect((await look(npm.d, b)).err).toEqual(USER_NOT_FOUND);
    // …nor verify one of them with a real-looking token.
    expect((await outcome((done) => npm.a.verify(String(c), '1234567', done))).err).toEqual(
      USER_DOES_NOT_EXIST,
    );
    expect((await outcome((done) => npm.c.verify(String(a), '1234567', done))).err).toEqual(USER_NOT_FOUND);
  });

  it('deleting the sandbox user leaves the live user of the same phone untouched, and the other way round', async () => {
    const a = await registerNpm(npm.a, 'a@example.com', '509-555-0142');
    const c = await registerNpm(npm.c, 'c@example.com', '509-555-0142');
    expect((await outcome((done) => npm.a.delete_user(String(a), done))).err).toBeNull();
    expect((await outcome((done) => npm.c.user_status(String(c), done))).err).toBeNull();
    const again = await registerNpm(npm.a, 'a@example.com', '509-555-0142');
    expect(again).not.toBe(c);
    expect((await outcome((done) => npm.c.delete_user(String(c), done))).err).toBeNull();
    expect((await outcome((done) => npm.a.user_status(String(again), done))).err).toBeNull();
  });

  it("the sandbox's lenient phone rule does not reach live apps: 111-111-1111 is refused there", async () => {
    for (const client of [npm.c, npm.d]) {
      const { err } = await outcome((done) =>
        client.register_user('x@example.com', '111-111-1111', '1', done),
      );
      expect(err).toEqual(USER_NOT_VALID({ cellphone: 'is invalid' }));
    }
    const start = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key: liveC.apiKey,
      json: { phone_number: '111-111-1111', country_code: '1', via: 'sms' },
    });
    expect(start.status).toBe(400);
    expect(start.body).toEqual(errorBody('60033', 'Phone number is invalid'));
  });

  it("0000000 never verifies a live app's user with the live app's key (authy npm and authy-client)", async () => {
    const c = await registerNpm(npm.c, 'c@example.com', PHONE);
    await avoidMagicTotp(server, clock, liveC.id, c);
    expect(await outcome((done) => npm.c.verify(String(c), SANDBOX_TOKEN, done))).toEqual({
      err: TOKEN_INVALID,
      res: undefined,
    });
    expect(await outcome((done) => npm.c.verify(String(c), SANDBOX_TOKEN, false, done))).toEqual({
      err: TOKEN_INVALID,
      res: undefined,
    });
    const liveClient = new Client({ key: liveC.apiKey }, { host: server.url, timeout: 10_000 });
    const error = await rejection(liveClient.verifyToken({ authyId: c, token: SANDBOX_TOKEN }));
    expect(error).toBeInstanceOf(errors.HttpError);
    expect(error.code).toBe(401);
    expect(error.message).toBe('Token is invalid');
    // For an id the live app does not know, the live answer stays the production one.
    expect((await outcome((done) => npm.c.verify('987654321', SANDBOX_TOKEN, done))).err).toEqual(
      USER_NOT_FOUND,
    );
  });

  it("0000000 is valid for the sandbox key whatever the id, yet verifying it does not verify the live user's token", async () => {
    const c = await registerNpm(npm.c, 'c@example.com', PHONE);
    await avoidMagicTotp(server, clock, liveC.id, c);
    // The sandbox key says "valid" even for the live app's id: that is the sandbox's own namespace talking.
    expect(await outcome((done) => npm.a.verify(String(c), SANDBOX_TOKEN, done))).toEqual({
      err: null,
      res: TOKEN_VALID,
    });
    // The live app is not affected: its user is still not confirmed and the magic token still fails there.
    const { res } = await outcome((done) => npm.c.user_status(String(c), done));
    expect(((res as Body).status as Body).confirmed).toBe(false);
    expect((await outcome((done) => npm.c.verify(String(c), SANDBOX_TOKEN, done))).err).toEqual(
      TOKEN_INVALID,
    );
  });

  it("0000 never passes a live app's phone check, with or without a start", async () => {
    const none = await outcome((done) =>
      npm.c.phones().verification_check('509-555-1313', '1', SANDBOX_CODE, done),
    );
    expect(none.err).toEqual(errorBody('60023', 'No pending verifications for +1 509-555-1313 found.'));

    // A six-digit code can never be 0000.
    const started = await outcome((done) =>
      npm.c.phones().verification_start('509-555-1313', '1', { via: 'sms', code_length: 6 }, done),
    );
    expect(started.err).toBeNull();
    const checked = await outcome((done) =>
      npm.c.phones().verification_check('509-555-1313', '1', SANDBOX_CODE, done),
    );
    expect(checked.err).toEqual(errorBody('60022', 'Verification code is incorrect'));
  });

  it("a sandbox app's verification start creates nothing a live app can check", async () => {
    const sandboxStart = await outcome((done) =>
      npm.a.phones().verification_start('509-555-1414', '1', done),
    );
    expect(sandboxStart.err).toBeNull();
    const sent = (await server.app.services.outbox.list(1000)).filter((m) => m.to === '+15095551414');
    expect(sent).toHaveLength(1);
    const code = /(\d+)$/.exec(sent[0]?.body ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{4}$/);
    for (const attempt of [SANDBOX_CODE, code]) {
      const checked = await outcome((done) =>
        npm.c.phones().verification_check('509-555-1414', '1', attempt, done),
      );
      expect(checked.err).toEqual(errorBody('60023', 'No pending verifications for +1 509-555-1414 found.'));
    }
  });

  it("approval requests do not cross: neither app reads the other's request (404 / 60049)", async () => {
    const a = await registerNpm(npm.a, 'a@example.com', PHONE);
    const c = await registerNpm(npm.c, 'c@example.com', PHONE);
    const create = async (client: AuthyNpm, id: number) => {
      const { err, res } = await outcome((done) =>
        client.send_approval_request(String(id), { message: 'Login' }, null, null, done),
      );
      expect(err).toBeNull();
      return ((res as Body).approval_request as { uuid: string }).uuid;
    };
    const sandboxUuid = await create(npm.a, a);
    const liveUuid = await create(npm.c, c);
    const notFound = errorBody('60049', 'Approval request not found.');
    expect((await outcome((done) => npm.a.check_approval_status(liveUuid, done))).err).toEqual(notFound);
    expect((await outcome((done) => npm.c.check_approval_status(sandboxUuid, done))).err).toEqual(notFound);
    expect((await outcome((done) => npm.b.check_approval_status(sandboxUuid, done))).err).toEqual(notFound);
  });

  it('a live app\'s details carry no "sandbox" key; a sandbox app\'s say "sandbox":true', async () => {
    const live = await call(server, 'GET', '/protected/json/app/details', { key: liveC.apiKey });
    expect(Object.hasOwn(live.body.app as Body, 'sandbox')).toBe(false);
    const sandbox = await call(server, 'GET', '/protected/json/app/details', { key: sandboxB.apiKey });
    expect((sandbox.body.app as Body).sandbox).toBe(true);
  });
});

describe('nothing leaves a sandbox app (service configured for Twilio)', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  beforeEach(async () => {
    fake = await startFakeTwilio();
    server = await startTestServer({
      env: {
        COUNTERSIGN_MESSAGING: 'twilio',
        TWILIO_ACCOUNT_SID: fake.accountSid,
        TWILIO_AUTH_TOKEN: fake.authToken,
        TWILIO_FROM: '+15005550006',
        TWILIO_BASE_URL: fake.url,
      },
    });
  });
  afterEach(async () => {
    await server?.close();
    await fake?.close();
  });

  it('SMS, voice, phone verifications and approval requests of a sandbox app reach Twilio never, the outbox always; a live app on the same service reaches Twilio', async () => {
    const sandbox = await server.createApp({ name: 'Sandbox App 1', profile: 'sandbox' });
    const live = await server.createApp({ name: 'Live Bank' });
    const authy = createAuthyNpm(sandbox.apiKey, server.url);
    const client = new Client({ key: sandbox.apiKey }, { host: server.url, timeout: 10_000 });
    const id = await registerNpm(authy, 'sandbox@example.com', '111-111-1111');

    expect((await outcome((done) => authy.request_sms(String(id), done))).err).toBeNull();
    expect((await outcome((done) => authy.request_call(String(id), true, done))).err).toBeNull();
    await client.requestSms({ authyId: id }, { force: true });
    await client.requestCall({ authyId: id });
    expect(
      (await outcome((done) => authy.phones().verification_start('111-111-1111', '1', done))).err,
    ).toBeNull();
    expect(
      (await outcome((done) => authy.phones().verification_start('509-555-1212', '1', 'call', done))).err,
    ).toBeNull();
    await client.startPhoneVerification({ countryCode: 'US', phone: '509-555-1212', via: 'sms' });
    expect(
      (
        await outcome((done) =>
          authy.send_approval_request(String(id), { message: 'Login' }, null, null, done),
        )
      ).err,
    ).toBeNull();

    expect(fake.requests).toEqual([]);
    const outbox = await server.app.services.outbox.list(100);
    expect(outbox.map((m) => [m.appId, m.channel, m.to])).toEqual([
      [sandbox.id, 'sms', '+11111111111'],
      [sandbox.id, 'call', '+11111111111'],
      [sandbox.id, 'sms', '+11111111111'],
      [sandbox.id, 'call', '+11111111111'],
      [sandbox.id, 'sms', '+11111111111'],
      [sandbox.id, 'call', '+15095551212'],
      [sandbox.id, 'sms', '+15095551212'],
    ]);

    // The same service does reach Twilio for a live app.
    const liveAuthy = createAuthyNpm(live.apiKey, server.url);
    const liveId = await registerNpm(liveAuthy, 'live@example.com', '509-555-1212');
    expect((await outcome((done) => liveAuthy.request_sms(String(liveId), done))).err).toBeNull();
    expect(fake.requests.map((r) => [r.path, r.form.To])).toEqual([
      [`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, '+15095551212'],
    ]);
    expect(await server.app.services.outbox.list(100)).toHaveLength(outbox.length);
  });
});

describe('log lines of a sandbox request say so', () => {
  let server: TestServer;
  let sandbox: { id: number; apiKey: string };
  let live: { id: number; apiKey: string };
  beforeAll(async () => {
    server = await startTestServer();
    sandbox = await server.createApp({ name: 'Sandbox App 1', profile: 'sandbox' });
    live = await server.createApp({ name: 'Live Bank' });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The parsed log lines written while `run` ran (the server serves nothing else meanwhile). */
  async function linesOf(run: () => Promise<unknown>): Promise<Body[]> {
    const from = server.logs.length;
    await run();
    // The request line is written when the response has been sent; wait (bounded) for it.
    for (let i = 0; i < 100 && !server.logs.slice(from).some((l) => l.includes('"msg":"request"')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return server.logs.slice(from).map((line) => JSON.parse(line) as Body);
  }

  it('every line of a sandbox request, successful or not, carries the appId and "sandbox":true', async () => {
    const authy = createAuthyNpm(sandbox.apiKey, server.url);
    const requests: [string, () => Promise<unknown>][] = [
      [
        'users/new',
        () => outcome((done) => authy.register_user('log@example.com', '111-111-1111', '1', done)),
      ],
      ['verify (magic)', () => outcome((done) => authy.verify('42', SANDBOX_TOKEN, done))],
      ['verify (unknown user)', () => outcome((done) => authy.verify('42', '1234567', done))],
      ['sms (unknown user)', () => outcome((done) => authy.request_sms('42', done))],
      ['users/new (invalid)', () => outcome((done) => authy.register_user('nope', '123', '1', done))],
      ['phones/start', () => outcome((done) => authy.phones().verification_start('111-111-1111', '1', done))],
      ['app/details', () => call(server, 'GET', '/protected/json/app/details', { key: sandbox.apiKey })],
    ];
    for (const [what, run] of requests) {
      const lines = await linesOf(run);
      expect(lines.length, what).toBeGreaterThanOrEqual(1);
      for (const line of lines) expect(line, what).toMatchObject({ appId: sandbox.id, sandbox: true });
      expect(
        lines.some((l) => l.msg === 'request'),
        what,
      ).toBe(true);
    }
  });

  it('the lines of a live request carry its appId and no "sandbox" key', async () => {
    const lines = await linesOf(() =>
      call(server, 'GET', '/protected/json/app/details', { key: live.apiKey }),
    );
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) {
      expect(line.appId).toBe(live.id);
      expect(Object.hasOwn(line, 'sandbox')).toBe(false);
    }
  });

  it('the magic token is not written to the log', async () => {
    expect(server.logs.join('')).not.toContain(`/verify/${SANDBOX_TOKEN}`);
  });
});

describe('COUNTERSIGN_SANDBOX=off', () => {
  let server: TestServer;
  let sandbox: { id: number; apiKey: string };
  let live: { id: number; apiKey: string };
  const REFUSED = errorBody('60031', 'Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)');

  beforeAll(async () => {
    server = await startTestServer({ env: { COUNTERSIGN_SANDBOX: 'off' } });
    // An app made while sandbox apps were allowed (the CLI refuses to make one now).
    sandbox = await server.createApp({ name: 'Sandbox App 1', profile: 'sandbox' });
    live = await server.createApp({ name: 'Live Bank' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses every API call of a sandbox app with 403 / 60031 and the exact envelope, magic token included', async () => {
    const routes: [string, string, Record<string, unknown> | undefined][] = [
      ['GET', '/protected/json/app/details', undefined],
      ['GET', '/protected/json/app/stats', undefined],
      [
        'POST',
        '/protected/json/users/new',
        { user: { email: 'a@example.com', cellphone: '111-111-1111', country_code: 1 } },
      ],
      ['GET', '/protected/json/users/1/status', undefined],
      ['GET', `/protected/json/verify/${SANDBOX_TOKEN}/1`, undefined],
      ['GET', '/protected/json/sms/1', undefined],
      ['GET', '/protected/json/call/1', undefined],
      ['POST', '/onetouch/json/users/1/approval_requests', { message: 'Login' }],
      ['GET', '/onetouch/json/approval_requests/550e8400-e29b-41d4-a716-446655440000', undefined],
      ['POST', '/protected/json/phones/verification/start', { phone_number: '1111111111', country_code: 1 }],
      [
        'GET',
        `/protected/json/phones/verification/check?phone_number=1111111111&country_code=1&verification_code=${SANDBOX_CODE}`,
        undefined,
      ],
      ['GET', '/protected/json/phones/verification/status?phone_number=1111111111&country_code=1', undefined],
      ['GET', '/protected/json/phones/info?phone_number=1111111111&country_code=1', undefined],
    ];
    for (const [method, path, json] of routes) {
      const refused = await call(server, method, path, {
        key: sandbox.apiKey,
        ...(json !== undefined && { json }),
      });
      expect(refused.status, path).toBe(403);
      expect(refused.text, path).toBe(JSON.stringify(REFUSED));
    }
    expect(await server.app.services.outbox.list(10)).toEqual([]);
    expect(await server.app.services.users.countForApp(await appOf(sandbox.id))).toBe(0);
  });

  it('refuses the real clients too: authy npm gets the envelope, authy-client an HttpError 403', async () => {
    const authy = createAuthyNpm(sandbox.apiKey, server.url);
    expect(await outcome((done) => authy.verify('1', SANDBOX_TOKEN, done))).toEqual({
      err: REFUSED,
      res: undefined,
    });
    const error = await rejection(
      new Client({ key: sandbox.apiKey }, { host: server.url, timeout: 10_000 }).getApplicationDetails(),
    );
    expect(error).toBeInstanceOf(errors.HttpError);
    expect(error.code).toBe(403);
    expect(error.message).toBe('Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)');
  });

  it('the refusal is logged with the appId and "sandbox":true', async () => {
    const from = server.logs.length;
    await call(server, 'GET', '/protected/json/app/details', { key: sandbox.apiKey });
    for (let i = 0; i < 100 && server.logs.length === from; i++) await new Promise((r) => setTimeout(r, 10));
    const lines = server.logs.slice(from).map((line) => JSON.parse(line) as Body);
    expect(lines).toContainEqual(expect.objectContaining({ appId: sandbox.id, sandbox: true, status: 403 }));
  });

  it('live apps keep working', async () => {
    const details = await call(server, 'GET', '/protected/json/app/details', { key: live.apiKey });
    expect(details.status).toBe(200);
    expect((details.body.app as Body).app_id).toBe(live.id);
  });

  async function appOf(id: number) {
    const app = await server.app.services.apps.find(id);
    if (app === undefined) throw new Error(`no app ${id}`);
    return app;
  }
});
