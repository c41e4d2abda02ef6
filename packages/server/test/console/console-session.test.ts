// The console's operators and sessions (issue 17, item 1) over real HTTP on loopback: setup links, passkey
// sign-in (a software passkey), recovery codes, CSRF, roles, step-up and the timeouts, on a clock the test
// moves. The Chromium suite does the same with the browser's virtual authenticator.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, STEP_UP_MS } from '../../src/operators/operator.service.js';
import { cookieOf, type SignedInOperator, signedInOperator, stepUp } from '../support/console-session.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { SoftwarePasskey } from '../support/software-passkey.js';

let server: TestServer;
let clock: TestClock;
let origin: string;

beforeAll(async () => {
  clock = testClock(Date.now());
  server = await startTestServer({ clock });
  origin = new URL(server.config.publicUrl).origin;
});

afterAll(async () => {
  await server?.close();
});

const session = (cookie: string) => call(server, 'GET', '/console/api/session', { headers: { cookie } });

async function setupToken(email: string, role: 'admin' | 'viewer' = 'admin') {
  const added = await server.app.services.operators.add(email, role);
  return added.setupUrl.split('#/setup/')[1] as string;
}

async function register(token: string, passkey = new SoftwarePasskey(origin)) {
  const options = await call(server, 'POST', '/console/api/setup/options', { json: { token } });
  expect(options.status).toBe(200);
  const body = options.body as { email: string; options: { challenge: string; rp: { id: string } } };
  return {
    passkey,
    email: body.email,
    response: passkey.register(body.options),
    setup: () =>
      call(server, 'POST', '/console/api/setup', {
        json: { token, response: passkey.register(body.options) },
      }),
  };
}

async function passkeySignIn(passkey: SoftwarePasskey) {
  const options = await call(server, 'POST', '/console/api/sign-in/options');
  expect(options.status).toBe(200);
  const { challenge, rpId, userVerification } = (
    options.body as { options: { challenge: string; rpId: string; userVerification: string } }
  ).options;
  expect(userVerification).toBe('required');
  const response = passkey.assert(challenge, rpId);
  return { response, answer: await call(server, 'POST', '/console/api/sign-in', { json: { response } }) };
}

describe('setup links', () => {
  it('registers a passkey, shows ten recovery codes once and opens a session with a strict cookie', async () => {
    const token = await setupToken('Ada@Example.com ');
    const { email, setup } = await register(token);
    expect(email).toBe('ada@example.com');
    const done = await setup();
    expect(done.status).toBe(200);
    const codes = (done.body as { recovery_codes: string[] }).recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const cookie = done.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^countersign_console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const live = await session(cookieOf(done));
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ operator: { email: 'ada@example.com', role: 'admin' } });
    expect(live.body.csrf_token).toMatch(/^[0-9a-f]{64}$/);
    expect(live.headers.get('cache-control')).toBe('no-store');
    // Neither a code nor the token is kept in the clear.
    const kept = JSON.stringify([
      await server.db.selectFrom('operator_recovery_codes').selectAll().execute(),
      await server.db.selectFrom('operator_setup_links').selectAll().execute(),
    ]);
    for (const code of codes) expect(kept).not.toContain(code.replace('-', ''));
    expect(kept).not.toContain(token);
  });

  it('works once: a second setup with the same link is refused and keeps no second passkey', async () => {
    const token = await setupToken('once@example.com');
    const first = await register(token);
    const second = await register(token);
    expect((await first.setup()).status).toBe(200);
    const again = await second.setup();
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('60034');
    expect((await call(server, 'POST', '/console/api/setup/options', { json: { token } })).status).toBe(400);
    const operator = await server.app.services.operators.findByEmail('once@example.com');
    const passkeys = await server.db
      .selectFrom('operator_passkeys')
      .select('credential_id')
      .where('operator_id', '=', operator?.id ?? '')
      .execute();
    expect(passkeys.map((p) => p.credential_id)).toEqual([first.passkey.id]);
  });

  it('expires after 24 hours', async () => {
    const token = await setupToken('late@example.com');
    clock.advance(24 * 60 * 60_000);
    const options = await call(server, 'POST', '/console/api/setup/options', { json: { token } });
    expect(options.status).toBe(400);
    expect(options.body.message).toBe('The setup link is invalid, used or expired');
  });

  it('refuses a registration made for a challenge the service never gave', async () => {
    const token = await setupToken('forged@example.com');
    const { passkey } = await register(token);
    const forged = passkey.register({
      challenge: 'bm90LWlzc3VlZC1ieS10aGUtc2VydmljZQ',
      rp: { id: 'localhost' },
    });
    const answer = await call(server, 'POST', '/console/api/setup', { json: { token, response: forged } });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('60034');
  });
});

describe('passkey sign-in', () => {
  let admin: SignedInOperator;
  beforeAll(async () => {
    admin = await signedInOperator(server, 'admin');
  });

  it('signs in with the passkey; the same assertion a second time is refused', async () => {
    const { response, answer } = await passkeySignIn(admin.passkey);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      operator: { id: admin.operator.id, email: admin.operator.email, role: 'admin' },
    });
    expect((await session(cookieOf(answer))).status).toBe(200);
    const replay = await call(server, 'POST', '/console/api/sign-in', { json: { response } });
    expect(replay.status).toBe(401);
    expect(replay.body.error_code).toBe('60044');
    expect(replay.headers.get('set-cookie')).toBeNull();
  });

  it('refuses an unknown passkey and an assertion over a challenge the service never gave', async () => {
    const stranger = new SoftwarePasskey(origin);
    const unknown = await passkeySignIn(stranger);
    expect(unknown.answer.status).toBe(401);
    const invented = admin.passkey.assert('aW52ZW50ZWQtYnktdGhlLWNsaWVudA', 'localhost');
    const answer = await call(server, 'POST', '/console/api/sign-in', { json: { response: invented } });
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('Could not sign in');
    const failures = await server.db
      .selectFrom('security_events')
      .select('detail')
      .where('type', '=', 'operator_sign_in_failed')
      .execute();
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const failure of failures) expect(failure.detail).not.toContain(stranger.id);
  });

  it('takes a recovery code once', async () => {
    const code = admin.recoveryCodes.pop() as string;
    const first = await call(server, 'POST', '/console/api/sign-in/recovery', {
      json: { email: admin.operator.email, code: code.toUpperCase() },
    });
    expect(first.status).toBe(200);
    const second = await call(server, 'POST', '/console/api/sign-in/recovery', {
      json: { email: admin.operator.email, code },
    });
    expect(second.status).toBe(401);
    expect(second.body.error_code).toBe('60044');
    const otherOperators = await signedInOperator(server, 'viewer');
    const crossed = await call(server, 'POST', '/console/api/sign-in/recovery', {
      json: { email: otherOperators.operator.email, code: admin.recoveryCodes[0] },
    });
    expect(crossed.status).toBe(401);
  });
});

describe('changes', () => {
  let admin: SignedInOperator;
  let viewer: SignedInOperator;
  beforeAll(async () => {
    admin = await signedInOperator(server, 'admin');
    viewer = await signedInOperator(server, 'viewer');
  });

  const addOperator = (headers: Record<string, string>, email = `new-${randomUUID()}@example.com`) =>
    call(server, 'POST', '/console/api/operators', { headers, json: { email, role: 'viewer' } });

  it('need the CSRF token of the session, and a same-site origin', async () => {
    await stepUp(server, admin);
    const { 'x-csrf-token': _token, ...withoutToken } = admin.headers;
    for (const headers of [
      withoutToken,
      { ...admin.headers, 'x-csrf-token': viewer.csrf },
      { ...admin.headers, 'x-csrf-token': 'a'.repeat(64) },
      { ...admin.headers, origin: 'https://evil.example' },
      { ...admin.headers, 'sec-fetch-site': 'cross-site' },
    ]) {
      const refused = await addOperator(headers);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        error_code: '60031',
        message: 'The request did not come from the console',
      });
    }
    expect((await addOperator(admin.headers)).status).toBe(201);
  });

  it('are refused to a viewer by the server, even with its own valid token', async () => {
    await stepUp(server, viewer);
    const refused = await addOperator(viewer.headers);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error_code: '60031',
      message: 'A viewer can see everything and change nothing',
    });
    const removal = await call(server, 'DELETE', `/console/api/operators/${admin.operator.id}`, {
      headers: viewer.headers,
    });
    expect(removal.status).toBe(403);
    expect((await call(server, 'GET', '/console/api/operators', { headers: viewer.headers })).status).toBe(
      200,
    );
  });

  it('that are dangerous need a passkey assertion in the last five minutes', async () => {
    const stale = await signedInOperator(server, 'admin');
    const refused = await addOperator(stale.headers);
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe('60042');
    await stepUp(server, stale);
    const added = await addOperator(stale.headers, 'grace@example.com');
    expect(added.status).toBe(201);
    expect(added.body.setup_url).toMatch(/\/console\/#\/setup\/[A-Za-z0-9_-]{43}$/);
    clock.advance(STEP_UP_MS);
    expect((await addOperator(stale.headers)).body.error_code).toBe('60042');
    const entry = (await server.app.services.audit.list({ action: 'operator.add', limit: 100 })).find(
      (e) => e.target_id === (added.body.operator as { id: string }).id,
    );
    expect(entry).toMatchObject({
      actor: `operator:${stale.operator.email}`,
      from: '127.0.0.1',
      after: { email: 'grace@example.com', role: 'viewer' },
    });
  });

  it('name an operator by its id, and an unknown one is 404', async () => {
    const admin = await signedInOperator(server, 'admin', { fresh: true });
    const malformed = await call(server, 'DELETE', '/console/api/operators/not-an-id', {
      headers: admin.headers,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      error_code: '60004',
      message: 'Invalid parameter: id - has an invalid format',
    });
    const unknown = await call(server, 'DELETE', `/console/api/operators/${randomUUID()}`, {
      headers: admin.headers,
    });
    expect(unknown.status).toBe(404);
  });

  it('a step-up needs a passkey of the signed-in operator', async () => {
    const options = await call(server, 'POST', '/console/api/step-up/options', { headers: viewer.headers });
    const { challenge, rpId } = (options.body as { options: { challenge: string; rpId: string } }).options;
    const borrowed = admin.passkey.assert(challenge, rpId);
    const answer = await call(server, 'POST', '/console/api/step-up', {
      headers: viewer.headers,
      json: { response: borrowed },
    });
    expect(answer.status).toBe(401);
  });
});

describe('sessions end', () => {
  it('after 30 minutes without a request', async () => {
    const operator = await signedInOperator(server, 'viewer');
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await session(operator.cookie)).status).toBe(200);
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await session(operator.cookie)).status).toBe(200);
    clock.advance(SESSION_IDLE_MS);
    const ended = await session(operator.cookie);
    expect(ended.status).toBe(401);
    expect(ended.body.error_code).toBe('60040');
    const read = await call(server, 'GET', '/console/api/operators', { headers: operator.headers });
    expect(read.status).toBe(401);
  });

  it('12 hours after sign-in however active', async () => {
    const operator = await signedInOperator(server, 'viewer');
    for (let spent = 0; spent < SESSION_ABSOLUTE_MS - 20 * 60_000; spent += 20 * 60_000) {
      clock.advance(20 * 60_000);
      expect((await session(operator.cookie)).status).toBe(200);
    }
    clock.advance(20 * 60_000);
    expect((await session(operator.cookie)).status).toBe(401);
  });

  it('on sign-out, and for every session of an operator who is removed', async () => {
    const leaving = await signedInOperator(server, 'viewer');
    const other = await signedInOperator(server, 'viewer');
    const out = await call(server, 'POST', '/console/api/sign-out', { headers: leaving.headers });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^countersign_console=; Path=\/; Max-Age=0;/);
    expect((await session(leaving.cookie)).status).toBe(401);
    const admin = await signedInOperator(server, 'admin', { fresh: true });
    const removed = await call(server, 'DELETE', `/console/api/operators/${other.operator.id}`, {
      headers: admin.headers,
    });
    expect(removed.status).toBe(204);
    expect((await session(other.cookie)).status).toBe(401);
    expect((await passkeySignIn(other.passkey)).answer.status).toBe(401);
  });
});

describe('sign-in attempts', () => {
  it('are limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await call(server, 'POST', '/console/api/sign-in/recovery', {
        json: { email: 'nobody@example.com', code: 'aaaaa-aaaaa' },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });
});

describe('over HTTPS', () => {
  it('the cookie is __Host- prefixed and Secure, and a foreign origin is refused', async () => {
    const secure = await startTestServer({ env: { PUBLIC_URL: 'https://console.example.com' } });
    try {
      const operator = await signedInOperator(secure, 'admin', { fresh: true });
      expect(operator.cookie).toMatch(/^__Host-countersign_console=[A-Za-z0-9_-]{43}$/);
      const added = await secure.app.services.operators.add('tls@example.com', 'viewer');
      const token = added.setupUrl.split('#/setup/')[1] as string;
      expect(added.setupUrl.startsWith('https://console.example.com/console/#/setup/')).toBe(true);
      const options = await call(secure, 'POST', '/console/api/setup/options', { json: { token } });
      const passkey = new SoftwarePasskey('https://console.example.com');
      const setup = await call(secure, 'POST', '/console/api/setup', {
        json: { token, response: passkey.register((options.body as { options: never }).options) },
      });
      expect(setup.headers.get('set-cookie')).toMatch(
        /^__Host-countersign_console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$/,
      );
      // The plain name is not read over HTTPS: a cookie planted without the prefix opens nothing.
      const planted = cookieOf(setup).replace('__Host-', '');
      expect(
        (await call(secure, 'GET', '/console/api/session', { headers: { cookie: planted } })).status,
      ).toBe(401);
      const foreign = await call(secure, 'POST', '/console/api/sign-in/options', {
        headers: { origin: 'http://console.example.com' },
      });
      expect(foreign.status).toBe(403);
    } finally {
      await secure.close();
    }
  });
});
