/**
 * The security log (R25, R84, R86): every refusal that matters to a defender is one structured JSON line
 * naming the OWASP event, the request, the app and the source address; and nothing a caller sends can
 * forge or break a line.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OT, P, registerUser, totpNow, wrongCode } from '../api/helpers.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';

let server: TestServer;
let phone = 3125550100;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

beforeAll(async () => {
  server = await startTestServer({ env: { COUNTERSIGN_RATE_LIMIT: '30' } });
});
afterAll(() => server.close());

type LogLine = Record<string, unknown>;

/** Runs `action` and returns the log lines it caused, parsed. */
async function linesOf(action: () => Promise<unknown>): Promise<LogLine[]> {
  const before = server.logs.length;
  await action();
  // The request line is written once the answer is sent; give it a tick.
  await new Promise((r) => setTimeout(r, 20));
  return server.logs.slice(before).map((l) => JSON.parse(l) as LogLine);
}

const events = (lines: LogLine[]) => lines.filter((l) => l.msg === 'security event');

async function newApp(name: string) {
  const app = await server.createApp({ name });
  return { ...app, key: app.apiKey };
}

async function userWithSeed(key: string) {
  const id = await registerUser(server, key, nextPhone(), 'log@example.com');
  const secret = await call(server, 'POST', `${P}/users/${id}/secret`, { key });
  return { id, uri: secret.body.otpauth_url as string };
}

describe('R84: security events are logged with their context', () => {
  it('an unknown API key is authn_login_fail with the request id, source address and time, and no key', async () => {
    const bogus = 'f'.repeat(48);
    const lines = await linesOf(() =>
      call(server, 'GET', `${P}/app/details`, { key: bogus, headers: { 'x-request-id': 'req-key-1' } }),
    );
    const [event] = events(lines);
    expect(event).toMatchObject({
      level: 40,
      event: 'authn_login_fail',
      code: '60001',
      status: 401,
      ip: '127.0.0.1',
      requestId: 'req-key-1',
    });
    expect(typeof event?.time).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(bogus);
  });

  it('every key failure answers alike, and only its log line says which it was (R1)', async () => {
    const strict = await server.createApp({ name: 'Strict Log Bank', profile: 'strict' });
    const cases = [
      { request: {}, reason: 'no API key' },
      {
        request: { key: 'e'.repeat(48) },
        reason: 'no app holds this API key (unknown, rotated out or revoked)',
      },
      {
        path: `?api_key=${strict.apiKey}`,
        request: {},
        reason: 'the key of a strict app was sent in the query string',
        appId: strict.id,
      },
      { path: '?api_key=a&api_key=b', request: {}, reason: 'the API key is not one string' },
    ];
    const answers = new Set<string>();
    for (const { path = '', request, reason, appId } of cases) {
      let answer = '';
      const lines = await linesOf(async () => {
        answer = (await call(server, 'GET', `${P}/app/details${path}`, request)).text;
      });
      answers.add(answer);
      expect(events(lines)).toEqual([
        expect.objectContaining({ event: 'authn_login_fail', code: '60001', status: 401, reason }),
      ]);
      if (appId !== undefined) expect(events(lines)[0]?.appId).toBe(appId);
      expect(answer).not.toContain(reason);
    }
    expect([...answers]).toEqual([
      '{"message":"Invalid API key","success":false,"errors":{"message":"Invalid API key"},"error_code":"60001"}',
    ]);
    expect(server.logs.join('')).not.toContain(strict.apiKey);
  });

  it('the source address is the peer’s, never a header the caller wrote', async () => {
    const lines = await linesOf(() =>
      call(server, 'GET', `${P}/app/details`, {
        key: 'nope',
        headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' },
      }),
    );
    expect(events(lines)[0]?.ip).toBe('127.0.0.1');
  });

  it('a wrong TOTP code is authn_login_fail naming the app; the tenth locks (authn_login_lock); then authn_login_fail_max', async () => {
    const app = await newApp('Lock Bank');
    const { id, uri } = await userWithSeed(app.key);
    const wrong = wrongCode(uri, Date.now());
    const first = events(await linesOf(() => call(server, 'GET', `${P}/verify/${wrong}/${id}`, app)));
    expect(first).toEqual([
      expect.objectContaining({ event: 'authn_login_fail', code: '60020', appId: app.id, status: 401 }),
    ]);
    for (let i = 0; i < 8; i++) await call(server, 'GET', `${P}/verify/${wrong}/${id}`, app);
    const tenth = events(await linesOf(() => call(server, 'GET', `${P}/verify/${wrong}/${id}`, app)));
    expect(tenth).toEqual([expect.objectContaining({ event: 'authn_login_lock', appId: app.id })]);
    const locked = events(
      await linesOf(() => call(server, 'GET', `${P}/verify/${totpNow(uri, Date.now())}/${id}`, app)),
    );
    expect(locked).toEqual([
      expect.objectContaining({ event: 'authn_login_fail_max', code: '60003', status: 429 }),
    ]);
    expect(JSON.stringify(locked)).not.toContain(wrong);
  });

  it('a phone verification code that is wrong is authn_login_fail', async () => {
    const app = await newApp('Phone Bank');
    const number = nextPhone();
    await call(server, 'POST', `${P}/phones/verification/start`, {
      key: app.key,
      json: { via: 'sms', country_code: 1, phone_number: number },
    });
    const lines = await linesOf(() =>
      call(
        server,
        'GET',
        `${P}/phones/verification/check?country_code=1&phone_number=${number}&verification_code=0000`,
        { key: app.key },
      ),
    );
    expect(events(lines)).toEqual([expect.objectContaining({ event: 'authn_login_fail', code: '60022' })]);
  });

  it('exceeding the per-app rate limit is excess_rate_limit_exceeded', async () => {
    const app = await newApp('Busy Bank');
    const answers = [];
    for (let i = 0; i < 31; i++) answers.push(await call(server, 'GET', `${P}/app/details`, app));
    expect(answers.at(-1)?.status).toBe(429);
    const lines = await linesOf(() => call(server, 'GET', `${P}/app/details`, app));
    expect(events(lines)).toEqual([
      expect.objectContaining({ event: 'excess_rate_limit_exceeded', appId: app.id, status: 429 }),
    ]);
  });
});

describe('R25: a reused code is surfaced', () => {
  it('a TOTP code used twice is refused (60019) and logged as authn_token_reuse, without the code', async () => {
    const app = await newApp('Reuse Bank');
    const { id, uri } = await userWithSeed(app.key);
    const code = totpNow(uri, Date.now());
    expect((await call(server, 'GET', `${P}/verify/${code}/${id}`, app)).status).toBe(200);
    let second: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await linesOf(async () => {
      second = await call(server, 'GET', `${P}/verify/${code}/${id}`, app);
    });
    expect(second?.body).toMatchObject({ error_code: '60019', token: 'is invalid' });
    expect(events(lines)).toEqual([
      expect.objectContaining({ event: 'authn_token_reuse', code: '60019', appId: app.id }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(code);
  });
});

describe('R84: device refusals are logged', () => {
  let app: Awaited<ReturnType<typeof newApp>>;
  let device: TestDevice;
  let other: TestDevice;
  let request: PendingRequest;

  beforeAll(async () => {
    app = await newApp('Device Log Bank');
    const enroll = async () => {
      const id = await registerUser(server, app.key, nextPhone(), 'd@example.com');
      const link = await call(server, 'POST', `${P}/users/${id}/enrollments`, { key: app.key });
      return { id, device: await enrollWithLink(server, (link.body.enrollment as { url: string }).url) };
    };
    const mine = await enroll();
    device = mine.device;
    other = (await enroll()).device;
    await call(server, 'POST', `${OT}/users/${mine.id}/approval_requests`, {
      key: app.key,
      json: { message: 'Log in' },
    });
    const listed = (await deviceCall(server, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    request = listed[0] as PendingRequest;
  });

  it('a bad device signature is authn_login_fail', async () => {
    const forged = { ...device, privateKey: newKeyPair().privateKey };
    const lines = await linesOf(() => deviceCall(server, forged, 'GET', '/device/v1/requests'));
    expect(events(lines)).toEqual([
      expect.objectContaining({ event: 'authn_login_fail', code: '60031', status: 401 }),
    ]);
  });

  it('another user’s device answering is authz_fail in the log, yet answered exactly as an unknown request', async () => {
    const path = `/device/v1/requests/${request.uuid}/answer`;
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await linesOf(async () => {
      refused = await deviceCall(server, other, 'POST', path, answerFor(other, request, 'approved'));
    });
    const unknown = { ...request, uuid: '00000000-0000-4000-8000-000000000000' };
    const missing = await deviceCall(
      server,
      other,
      'POST',
      `/device/v1/requests/${unknown.uuid}/answer`,
      answerFor(other, unknown, 'approved'),
    );
    expect(refused?.status).toBe(404);
    expect(refused?.text).toBe(missing.text);
    expect(events(lines)).toEqual([expect.objectContaining({ event: 'authz_fail', code: '60049' })]);
  });

  it('a replayed answer is authn_token_reuse', async () => {
    const signed = answerFor(device, request, 'approved');
    const path = `/device/v1/requests/${request.uuid}/answer`;
    expect((await deviceCall(server, device, 'POST', path, signed)).status).toBe(200);
    const lines = await linesOf(() => deviceCall(server, device, 'POST', path, signed));
    expect(events(lines)).toEqual([
      expect.objectContaining({ event: 'authn_token_reuse', code: '60079', status: 409 }),
    ]);
  });
});

describe('R30, R87: binding changes leave an audit record', () => {
  it('enrolling and revoking a device each record who, what and when', async () => {
    const app = await newApp('Audit Bank');
    const id = await registerUser(server, app.key, nextPhone(), 'audit@example.com');
    const enroll = async () => {
      const link = await call(server, 'POST', `${P}/users/${id}/enrollments`, { key: app.key });
      return enrollWithLink(server, (link.body.enrollment as { url: string }).url);
    };
    const first = await enroll();
    const second = await enroll();
    const revoked = await deviceCall(server, first, 'DELETE', `/device/v1/devices/${second.id}`);
    expect(revoked.status, revoked.text).toBe(200);
    const records = await server.db
      .selectFrom('security_events')
      .selectAll()
      .where('user_id', '=', id)
      .orderBy('created_at')
      .execute();
    expect(records.map((r) => [r.type, r.device_id, Number(r.app_id)])).toEqual([
      ['device.registered', first.id, app.id],
      ['device.registered', second.id, app.id],
      ['device.revoked', second.id, app.id],
    ]);
    for (const record of records)
      expect(Math.abs(Number(record.created_at) - Date.now())).toBeLessThan(60_000);
    expect(JSON.parse(records[0]?.detail ?? '{}')).toMatchObject({ method: 'link', platform: 'cli' });
    expect(JSON.parse(records[2]?.detail ?? '{}')).toEqual({ by: first.id });
  });
});

describe('R86: nothing a caller sends can forge or split a log line', () => {
  function rawRequest(text: string): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += String(chunk);
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', () => resolve(answer));
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  }

  it('CR/LF and forged JSON in the URL, the request id and the body stay inside one escaped line', async () => {
    const forged = '%0d%0a{"level":60,"msg":"forged"}%0a';
    const lines = await linesOf(async () => {
      await call(server, 'GET', `${P}/app/details?note=${forged}`, { key: 'nope' });
      await call(server, 'GET', `${P}/users/1%0d%0a/status`, { key: 'nope' });
      await call(server, 'POST', `${OT}/users/1/approval_requests`, {
        key: 'nope',
        json: { message: 'a\r\n{"level":60,"msg":"forged"}' },
        headers: { 'x-request-id': 'ok"id' },
      });
      await rawRequest(`GET ${P}/app/details HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rb\r\n\r\n`);
    });
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      expect(line.level).not.toBe(60);
      expect(line.msg).not.toBe('forged');
      expect(String(line.requestId ?? '')).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
    }
  });

  it('every chunk the service wrote to its log, over the whole file, is exactly one JSON object on one line', () => {
    expect(server.logs.length).toBeGreaterThan(50);
    for (const chunk of server.logs) {
      expect(chunk.endsWith('\n')).toBe(true);
      expect(chunk.slice(0, -1)).not.toMatch(/[\r\n]/);
      expect(() => JSON.parse(chunk)).not.toThrow();
    }
  });
});
