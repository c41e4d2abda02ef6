import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';

let server: TestServer;
let clock: TestClock;
let key: string;
let phone = 2015550200;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({ clock });
  key = (await server.createApp({ name: 'Code Bank' })).apiKey;
});
afterAll(() => server.close());
beforeEach(() => clock.advance(60 * 60_000));

async function newUser(): Promise<number> {
  phone += 1;
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: `s${phone}@example.com`, cellphone: String(phone), country_code: 1 } },
  });
  return (response.body.user as { id: number }).id;
}

/** The code in the newest outbox message: what the user's phone would show. */
async function lastCode(): Promise<{ code: string; to: string; channel: string; body: string }> {
  const [entry] = (await server.app.services.outbox.list(1)).slice(-1);
  if (entry === undefined) throw new Error('outbox is empty');
  const code = /(\d{6,})$/.exec(entry.body)?.[1];
  if (code === undefined) throw new Error(`no code in "${entry.body}"`);
  return { code, to: entry.to, channel: entry.channel, body: entry.body };
}

const verify = (token: string, id: number, query = '') =>
  call(server, 'GET', `/protected/json/verify/${token}/${id}${query}`, { key });

describe('SMS and voice codes (R21, R22)', () => {
  it('sends a 7-digit code by SMS to the registered number and answers with the masked number', async () => {
    const id = await newUser();
    const response = await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      message: 'SMS token was sent',
      cellphone: `+1-XXX-XXX-XX${String(phone).slice(-2)}`,
    });
    const sent = await lastCode();
    expect(sent.to).toBe(`+1${phone}`);
    expect(sent.channel).toBe('sms');
    expect(sent.code).toHaveLength(7);
    expect(sent.body).toBe(`Your Code Bank verification code is ${sent.code}`);
  });

  it('a voice code answers "Call started..." and goes out as a call', async () => {
    const id = await newUser();
    const response = await call(server, 'GET', `/protected/json/call/${id}`, { key });
    expect(response.body).toEqual({
      success: true,
      message: 'Call started...',
      cellphone: `+1-XXX-XXX-XX${String(phone).slice(-2)}`,
    });
    expect((await lastCode()).channel).toBe('call');
  });

  it('a sent code verifies once; the second use is refused as reused (60019)', async () => {
    const id = await newUser();
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    const { code } = await lastCode();
    expect((await verify(code, id)).status).toBe(200);
    const again = await verify(code, id);
    expect(again.status).toBe(401);
    expect(again.body.error_code).toBe('60019');
  });

  it('a double submit of a texted code gives one 200 and 60019s, and never locks the user (D12)', async () => {
    const id = await newUser();
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    const { code } = await lastCode();
    const responses = await Promise.all(Array.from({ length: 30 }, () => verify(code, id)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 401).map((r) => r.body.error_code)).toEqual(
      Array.from({ length: 29 }, () => '60019'),
    );
    // Nothing was counted: a fresh code still works after nine wrong ones.
    for (let i = 0; i < 9; i++) expect((await verify('0000001', id)).body.error_code).toBe('60020');
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    expect((await verify((await lastCode()).code, id)).status).toBe(200);
  });

  it('a resend invalidates the previous code', async () => {
    const id = await newUser();
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    const first = (await lastCode()).code;
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    const second = (await lastCode()).code;
    if (first !== second) expect((await verify(first, id)).status).toBe(401);
    expect((await verify(second, id)).status).toBe(200);
  });

  it('a code sent for an action verifies only with the same action, and carries the action message', async () => {
    const id = await newUser();
    await call(server, 'GET', `/protected/json/sms/${id}?action=login&action_message=Login%20code`, { key });
    const { code, body } = await lastCode();
    expect(body).toBe(`Login code ${code}`);
    expect((await verify(code, id)).status).toBe(401);
    expect((await verify(code, id, '?action=transfer')).status).toBe(401);
    expect((await verify(code, id, '?action=login')).status).toBe(200);
  });

  it('a code is refused after ten minutes', async () => {
    const id = await newUser();
    await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    const { code } = await lastCode();
    clock.advance(10 * 60_000 + 1);
    expect((await verify(code, id)).status).toBe(401);
  });

  it('the sixth send within ten minutes is refused with 429 and sends nothing', async () => {
    const id = await newUser();
    for (let i = 0; i < 5; i++)
      expect((await call(server, 'GET', `/protected/json/sms/${id}`, { key })).status).toBe(200);
    const before = (await server.app.services.outbox.list(1000)).length;
    const refused = await call(server, 'GET', `/protected/json/call/${id}`, { key });
    expect(refused.status).toBe(429);
    expect(refused.body.error_code).toBe('60003');
    expect((await server.app.services.outbox.list(1000)).length).toBe(before);
    clock.advance(10 * 60_000 + 1);
    expect((await call(server, 'GET', `/protected/json/sms/${id}`, { key })).status).toBe(200);
  });

  it('rejects an action message with control characters, which could forge SMS text (R63)', async () => {
    const id = await newUser();
    const response = await call(server, 'GET', `/protected/json/sms/${id}?action_message=hi%0Athere`, {
      key,
    });
    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe('60004');
  });
});
