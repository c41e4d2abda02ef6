import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';

const INVALID = {
  message: 'Token is invalid',
  token: 'is invalid',
  success: false,
  errors: { message: 'Token is invalid' },
  error_code: '60020',
};
const REUSED = {
  message: 'Token is invalid. Token was used recently.',
  token: 'is invalid',
  success: false,
  errors: { message: 'Token is invalid. Token was used recently.' },
  error_code: '60019',
};
const VALID = { message: 'Token is valid.', token: 'is valid', success: 'true' };

let server: TestServer;
let clock: TestClock;
let key: string;
let app: App;
let phone = 2015550100;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({ clock });
  const created = await server.createApp({ name: 'Verify Bank' });
  key = created.apiKey;
  app = (await server.app.services.apps.find(created.id)) as App;
});
afterAll(() => server.close());

async function newUser(): Promise<{ id: number; seed: string }> {
  phone += 1;
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: `u${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  const id = (response.body.user as { id: number }).id;
  const user = await server.app.services.users.find(app, String(id));
  return { id, seed: await server.app.services.users.seed(user) };
}

const verify = (token: string, id: number, query = '') =>
  call(server, 'GET', `/protected/json/verify/${token}/${id}${query}`, { key });

const codeAt = (seed: string, offsetSteps = 0) => totpCode(seed, stepAt(clock.now()) + offsetSteps, 7);

/** A code that is neither the current step's nor the previous step's. */
const wrongCode = (seed: string) => {
  const right = new Set([codeAt(seed), codeAt(seed, -1)]);
  let n = 1_000_000;
  while (right.has(String(n))) n += 1;
  return String(n);
};

describe('TOTP verification (D4, R14, R15)', () => {
  beforeEach(() => clock.advance(5 * 60_000));

  it('accepts the current step with the exact Authy body: compact JSON, success as the string "true"', async () => {
    const { id, seed } = await newUser();
    const response = await verify(codeAt(seed), id);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(VALID);
    expect(response.text).toContain('"token":"is valid"');
  });

  it('never writes the token of a verify call into the logs (R85)', async () => {
    const { id, seed } = await newUser();
    const code = codeAt(seed);
    await verify(code, id);
    const logs = server.logs.join('');
    expect(logs).toContain('/protected/json/verify/[redacted]/');
    expect(logs).not.toContain(`/verify/${code}`);
  });

  it('accepts the previous step, but not two steps back nor the next step', async () => {
    const { id, seed } = await newUser();
    expect((await verify(codeAt(seed, -2), id)).body).toEqual(INVALID);
    expect((await verify(codeAt(seed, 1), id)).body).toEqual(INVALID);
    expect((await verify(codeAt(seed, -1), id)).status).toBe(200);
  });

  it('accepts a code once: the second use is refused as reused', async () => {
    const { id, seed } = await newUser();
    const code = codeAt(seed);
    expect((await verify(code, id)).status).toBe(200);
    const again = await verify(code, id);
    expect(again.status).toBe(401);
    expect(again.body).toEqual(REUSED);
  });

  it('once a step is used, every earlier step is refused', async () => {
    const { id, seed } = await newUser();
    const previous = codeAt(seed, -1);
    expect((await verify(codeAt(seed), id)).status).toBe(200);
    expect((await verify(previous, id)).body).toEqual(REUSED);
  });

  it('a TOTP step is accepted once, even under 50 concurrent verifies', async () => {
    const { id, seed } = await newUser();
    const code = codeAt(seed);
    const responses = await Promise.all(Array.from({ length: 50 }, () => verify(code, id)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // Every other caller is told the code was used (D12), not that it was wrong, nor that the user is locked.
    expect(responses.filter((r) => r.status === 401).map((r) => r.body)).toEqual(
      Array.from({ length: 49 }, () => REUSED),
    );
  });

  it('a double submit never locks the user: 50 concurrent uses of one code leave no failure counted (D12)', async () => {
    const { id, seed } = await newUser();
    const code = codeAt(seed);
    await Promise.all(Array.from({ length: 50 }, () => verify(code, id)));
    // Nine wrong codes now would lock the user had any of the 49 replays counted.
    for (let i = 0; i < 9; i++) expect((await verify(wrongCode(seed), id)).body).toEqual(INVALID);
    clock.advance(30_000);
    expect((await verify(codeAt(seed), id)).body).toEqual(VALID);
  });

  it('a replay of an accepted code is not a failure, but wrong codes still are (D12, R16)', async () => {
    const { id, seed } = await newUser();
    const code = codeAt(seed);
    expect((await verify(code, id)).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await verify(code, id)).body).toEqual(REUSED);
    for (let i = 0; i < 10; i++) expect((await verify(wrongCode(seed), id)).body).toEqual(INVALID);
    // The tenth wrong code locked the user: even a correct code of the next step is refused.
    clock.advance(30_000);
    const locked = await verify(codeAt(seed), id);
    expect(locked.status).toBe(429);
    expect(locked.body.error_code).toBe('60003');
  });

  it('ignores force: a wrong code is refused whether or not force is given', async () => {
    const { id, seed } = await newUser();
    const wrong = String((Number(codeAt(seed)) + 1) % 10_000_000).padStart(7, '0');
    for (const query of ['', '?force=true', '?force=True', '?force=false']) {
      expect((await verify(wrong, id, query)).body).toEqual(INVALID);
    }
  });

  it('refuses tokens that are not 6 to 10 ASCII digits without counting them', async () => {
    const { id } = await newUser();
    for (const token of ['12345', '12345678901', '１２３４５６７', 'abcdefg']) {
      const response = await verify(encodeURIComponent(token), id);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(INVALID);
    }
  });

  it('answers 404 / 60026 for a user the app never registered', async () => {
    const response = await verify('1234567', 987654);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      message: 'User not found.',
      success: false,
      errors: { message: 'User not found.' },
      error_code: '60026',
    });
  });
});

describe('lockout after consecutive failures (D3, R16, R17, R18)', () => {
  beforeEach(() => clock.advance(5 * 60_000));

  it('after 10 failures even a correct code is refused with 429, until the 15-minute lock ends', async () => {
    const { id, seed } = await newUser();
    for (let i = 0; i < 10; i++) expect((await verify(wrongCode(seed), id)).status).toBe(401);
    const locked = await verify(codeAt(seed), id);
    expect(locked.status).toBe(429);
    expect(locked.body.error_code).toBe('60003');
    expect(Number(locked.headers.get('retry-after'))).toBe(15 * 60);
    clock.advance(15 * 60_000 + 1000);
    expect((await verify(codeAt(seed), id)).status).toBe(200);
  });

  it('the second lock lasts twice as long as the first', async () => {
    const { id, seed } = await newUser();
    for (let i = 0; i < 10; i++) await verify(wrongCode(seed), id);
    clock.advance(15 * 60_000 + 1000);
    for (let i = 0; i < 10; i++) await verify(wrongCode(seed), id);
    const locked = await verify(codeAt(seed), id);
    expect(Number(locked.headers.get('retry-after'))).toBe(30 * 60);
  });

  it('a success resets the count: 9 failures, a success, 9 failures leave the user unlocked', async () => {
    const { id, seed } = await newUser();
    for (let i = 0; i < 9; i++) await verify(wrongCode(seed), id);
    expect((await verify(codeAt(seed), id)).status).toBe(200);
    clock.advance(60_000);
    for (let i = 0; i < 9; i++) await verify(wrongCode(seed), id);
    expect((await verify(codeAt(seed), id)).status).toBe(200);
  });

  it('requesting a new SMS code does not reset the failure count', async () => {
    const { id, seed } = await newUser();
    for (let i = 0; i < 5; i++) await verify(wrongCode(seed), id);
    expect((await call(server, 'GET', `/protected/json/sms/${id}`, { key })).status).toBe(200);
    for (let i = 0; i < 5; i++) await verify(wrongCode(seed), id);
    expect((await verify(codeAt(seed), id)).status).toBe(429);
  });

  it('200 wrong codes fired in parallel are evaluated at most 10 times before the lock', async () => {
    const { id, seed } = await newUser();
    const responses = await Promise.all(Array.from({ length: 200 }, () => verify(wrongCode(seed), id)));
    expect(responses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(190);
    expect((await verify(codeAt(seed), id)).status).toBe(429);
  });

  it('the psd2 profile locks after 5 failures', async () => {
    const psd2 = await server.createApp({ name: 'PSD2 Bank', profile: 'psd2' });
    const psd2App = (await server.app.services.apps.find(psd2.id)) as App;
    const created = await call(server, 'POST', '/protected/json/users/new', {
      key: psd2.apiKey,
      json: { user: { email: 'p@example.com', cellphone: '4155552671', country_code: 1 } },
    });
    const id = (created.body.user as { id: number }).id;
    const seed = await server.app.services.users.seed(
      await server.app.services.users.find(psd2App, String(id)),
    );
    for (let i = 0; i < 5; i++) {
      const r = await call(server, 'GET', `/protected/json/verify/${wrongCode(seed)}/${id}`, {
        key: psd2.apiKey,
      });
      expect(r.status).toBe(401);
    }
    const locked = await call(server, 'GET', `/protected/json/verify/${codeAt(seed)}/${id}`, {
      key: psd2.apiKey,
    });
    expect(locked.status).toBe(429);
  });
});
