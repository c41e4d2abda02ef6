/**
 * Fair shares (D13, R5, R78): no app, client address or device can take the capacity the others need: an
 * app holds at most its share of the requests and streams in flight, a client address at most a small
 * budget until a key or device signature is accepted, a slow upload is cut off at the request timeout, and
 * an address that keeps presenting bad keys is throttled.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { OT, P, registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { enrollWithLink, signedHeaders, type TestDevice } from '../support/test-device.js';

const BUSY = {
  message: 'The service is busy. Try again shortly.',
  success: false,
  errors: { message: 'The service is busy. Try again shortly.' },
  error_code: '60003',
};
const INVALID_KEY = {
  message: 'Invalid API key',
  success: false,
  errors: { message: 'Invalid API key' },
  error_code: '60001',
};
const TOO_SLOW =
  '{"message":"Invalid request: it took too long to arrive","success":false,' +
  '"errors":{"message":"Invalid request: it took too long to arrive"},"error_code":"60002"}';

type LogLine = Record<string, unknown>;
const securityEvents = (server: TestServer, from: number): LogLine[] =>
  server.logs
    .slice(from)
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === 'security event');

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Opens an event stream and resolves once its head arrived; `close` ends it. */
function openStream(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Promise<string>;
  close: () => Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.url}${path}`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      const closed = new Promise<void>((done) => response.on('close', () => done()));
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: closed.then(() => Buffer.concat(chunks).toString('utf8')),
        close: async () => {
          request.destroy();
          await closed;
        },
      });
    });
    request.on('error', reject);
  });
}

async function pendingApproval(server: TestServer, key: string, userId: number): Promise<string> {
  const created = await call(server, 'POST', `${OT}/users/${userId}/approval_requests`, {
    key,
    json: { message: 'Hold on' },
  });
  expect(created.status, created.text).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

describe('D13: an app holds at most its share of the requests and streams in flight', () => {
  // Default share, a quarter: 2 of the 8 requests and 1 of the 4 streams per app.
  const MAX_IN_FLIGHT = 8;
  const MAX_STREAMS = 4;
  let server: TestServer;
  let a: { key: string; userId: number };
  let b: { key: string; userId: number };
  /** Long polls end when a test moves the service's time past their wait. */
  const clock = testClock(Date.now(), { timers: 'manual' });

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      env: { COUNTERSIGN_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT), COUNTERSIGN_MAX_STREAMS: String(MAX_STREAMS) },
    });
    const appA = (await server.createApp({ name: 'Busy Bank' })).apiKey;
    const appB = (await server.createApp({ name: 'Quiet Bank' })).apiKey;
    a = { key: appA, userId: await registerUser(server, appA, '3055550171', 'a@example.com') };
    b = { key: appB, userId: await registerUser(server, appB, '3055550172', 'b@example.com') };
  });
  afterAll(() => server.close());

  it('app A firing 10 long polls holds 2 (its share), the other 8 are 429 / 60003 at once; app B is served meanwhile', async () => {
    const uuid = await pendingApproval(server, a.key, a.userId);
    let refused = 0;
    const polls = Array.from({ length: 10 }, () =>
      call(server, 'GET', `${OT}/approval_requests/${uuid}?wait=6`, { key: a.key }).then((res) => {
        if (res.status === 429) refused += 1;
        return res;
      }),
    );
    // The refusals come at once; the two held polls answer when their wait is over.
    await waitFor(() => refused === 8);

    const details = await call(server, 'GET', `${P}/app/details`, { key: b.key });
    expect(details.status, details.text).toBe(200);
    expect((details.body.app as { name: string }).name).toBe('Quiet Bank');
    const bApproval = await pendingApproval(server, b.key, b.userId);
    const bStatus = await call(server, 'GET', `${OT}/approval_requests/${bApproval}`, { key: b.key });
    expect(bStatus.status, bStatus.text).toBe(200);

    const next = await call(server, 'GET', `${P}/app/details`, { key: a.key });
    expect(next.status).toBe(429);
    expect(next.body).toStrictEqual(BUSY);
    expect(next.headers.get('retry-after')).toBe('1');

    // A poll counts against the share from its first byte; its wait is set once it read the request.
    await waitFor(() => clock.scheduled() === 2);
    clock.advance(6_000);
    const answers = await Promise.all(polls);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(2);
    for (const refusal of answers.filter((r) => r.status !== 200)) {
      expect(refusal.status).toBe(429);
      expect(refusal.body).toStrictEqual(BUSY);
      expect(refusal.headers.get('retry-after')).toBe('1');
    }
    // Its polls over, A is served again.
    expect((await call(server, 'GET', `${P}/app/details`, { key: a.key })).status).toBe(200);
  });

  it('app A holds one event stream (its share); its second is 429 / 60003 while app B still opens one', async () => {
    const uuidA = await pendingApproval(server, a.key, a.userId);
    const uuidB = await pendingApproval(server, b.key, b.userId);
    const first = await openStream(server, `${OT}/approval_requests/${uuidA}/events`, {
      'x-authy-api-key': a.key,
    });
    expect(first.status).toBe(200);
    const second = await openStream(server, `${OT}/approval_requests/${uuidA}/events`, {
      'x-authy-api-key': a.key,
    });
    expect(second.status).toBe(429);
    expect(JSON.parse(await second.body)).toStrictEqual(BUSY);
    expect(second.headers['retry-after']).toBe('1');

    const other = await openStream(server, `${OT}/approval_requests/${uuidB}/events`, {
      'x-authy-api-key': b.key,
    });
    expect(other.status).toBe(200);
    await first.close();
    await other.close();
    await waitFor(async () => {
      const again = await openStream(server, `${OT}/approval_requests/${uuidA}/events`, {
        'x-authy-api-key': a.key,
      });
      await again.close();
      return again.status === 200;
    });
  });

  it('the log says which budget refused the call, the answer does not', async () => {
    const from = server.logs.length;
    const uuid = await pendingApproval(server, a.key, a.userId);
    const held = [1, 2].map(() =>
      call(server, 'GET', `${OT}/approval_requests/${uuid}?wait=2`, { key: a.key }),
    );
    await waitFor(async () => (await call(server, 'GET', `${P}/app/details`, { key: a.key })).status === 429);
    await waitFor(() => clock.scheduled() === 2);
    clock.advance(2_000);
    await Promise.all(held);
    expect(securityEvents(server, from)).toContainEqual(
      expect.objectContaining({
        event: 'excess_rate_limit_exceeded',
        code: '60003',
        reason: 'the app holds its share of requests',
      }),
    );
  });
});

/** A raw connection from `localAddress` that sends a POST's headers, then its body one byte at a time. */
function slowUpload(url: string, localAddress: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress });
    const received: Buffer[] = [];
    let trickle: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(
        `POST ${P}/users/new HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 1000\r\n\r\n{',
      );
      trickle = setInterval(() => socket.write(' '), 200);
    });
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      resolve(Buffer.concat(received).toString('utf8'));
    });
  });
}

describe('D13, R5: a client address has a budget of its own until it proves who it is', () => {
  const PER_CLIENT = 4;
  let server: TestServer;
  let key: string;
  let userId: number;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        COUNTERSIGN_MAX_IN_FLIGHT: '12',
        COUNTERSIGN_CLIENT_MAX_IN_FLIGHT: String(PER_CLIENT),
        COUNTERSIGN_REQUEST_TIMEOUT: '2',
      },
    });
    key = (await server.createApp({ name: 'Keyed Bank' })).apiKey;
    userId = await registerUser(server, key, '3055550181', 'k@example.com');
  });
  afterAll(() => server.close());

  it('20 slow uploads from one address: 4 held, 16 refused 429 and closed at once; keyed calls from another address are served; the 4 are cut off with 408', async () => {
    const from = server.logs.length;
    const answers: string[] = [];
    const flood = Array.from({ length: 20 }, () =>
      slowUpload(server.url, '127.0.0.2').then((text) => {
        answers.push(text);
        return text;
      }),
    );
    await waitFor(() => answers.length === 16);
    for (const text of answers) {
      expect(text).toMatch(/^HTTP\/1\.1 429 /);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(text).toContain(JSON.stringify(BUSY));
    }

    const keyed = await Promise.all([
      call(server, 'GET', `${P}/app/details`, { key }),
      call(server, 'GET', `${P}/users/${userId}/status`, { key }),
      call(server, 'POST', `${P}/users/new`, {
        key,
        json: { user: { email: 'n@example.com', cellphone: '3055550182', country_code: 1 } },
      }),
      call(server, 'POST', `${OT}/users/${userId}/approval_requests`, { key, json: { message: 'Hi' } }),
    ]);
    for (const res of keyed) expect(res.status, res.text).toBe(200);

    const all = await Promise.all(flood);
    const cut = all.filter((text) => !text.startsWith('HTTP/1.1 429 '));
    expect(cut).toHaveLength(PER_CLIENT);
    for (const text of cut) {
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text.endsWith(TOO_SLOW)).toBe(true);
    }
    expect(securityEvents(server, from)).toContainEqual(
      expect.objectContaining({
        event: 'excess_rate_limit_exceeded',
        ip: '127.0.0.2',
        reason: 'the client address holds its most requests',
      }),
    );
  }, 20_000);

  it('devices behind one address each keep their streams (a device has the budget, not the address); a device past it is 429', async () => {
    const devices: TestDevice[] = [];
    for (const name of ['Phone one', 'Phone two']) {
      const link = await call(server, 'POST', `${P}/users/${userId}/enrollments`, { key });
      expect(link.status, link.text).toBe(200);
      devices.push(await enrollWithLink(server, (link.body.enrollment as { url: string }).url, name));
    }
    const open = (device: TestDevice) =>
      openStream(server, '/device/v1/events', signedHeaders(device, 'GET', '/device/v1/events'));
    const streams = [];
    for (const device of devices) {
      for (let i = 0; i < PER_CLIENT; i++) streams.push(await open(device));
    }
    expect(streams.map((s) => s.status)).toEqual(Array(2 * PER_CLIENT).fill(200));

    const extra = await open(devices[0] as TestDevice);
    await extra.close();
    for (const stream of streams) await stream.close();
    expect(extra.status).toBe(429);
    expect(JSON.parse(await extra.body)).toStrictEqual(BUSY);
  });
});

describe('R5: failed keys are throttled per client address; X-Forwarded-For counts only from trusted proxies', () => {
  const LIMIT = 5;
  let server: TestServer;
  let key: string;
  const clock = testClock();

  beforeAll(async () => {
    // The test clock keeps every call of a case in one minute window.
    server = await startTestServer({
      clock,
      env: { COUNTERSIGN_KEY_FAILURE_LIMIT: String(LIMIT), COUNTERSIGN_TRUST_PROXY: '127.0.0.1' },
    });
    key = (await server.createApp({ name: 'Proxied Bank' })).apiKey;
  });
  afterAll(() => server.close());

  const from = (address: string, apiKey: string) =>
    call(server, 'GET', `${P}/app/details`, { key: apiKey, headers: { 'x-forwarded-for': address } });

  it(`after ${LIMIT} bad keys in a minute an address's bad keys are answered 429 / 60003 with Retry-After until the minute is over; its valid keys and other addresses are unaffected`, async () => {
    for (let i = 0; i < LIMIT; i++) {
      const bad = await from('198.51.100.7', `bad-key-${i}`);
      expect(bad.status).toBe(401);
      expect(bad.body).toStrictEqual(INVALID_KEY);
    }
    const logFrom = server.logs.length;
    const throttled = await from('198.51.100.7', 'bad-key-again');
    expect(throttled.status).toBe(429);
    expect(throttled.body.error_code).toBe('60003');
    const wait = Number(throttled.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(securityEvents(server, logFrom)).toEqual([
      expect.objectContaining({
        event: 'authn_login_fail_max',
        code: '60003',
        ip: '198.51.100.7',
        reason:
          'too many failed API keys from this address (no app holds this API key (unknown, rotated out or revoked))',
      }),
    ]);
    // Bad keys from a shared address (a NAT, a proxy) must not lock out the apps behind it.
    expect((await from('198.51.100.7', key)).status).toBe(200);
    const again = await from('198.51.100.7', 'bad-key-still');
    expect(again.status).toBe(429);
    expect(again.body).toStrictEqual(throttled.body);

    const elsewhere = await from('198.51.100.8', 'bad-key-elsewhere');
    expect(elsewhere.status).toBe(401);
    expect((await from('198.51.100.8', key)).status).toBe(200);

    clock.advance(wait * 1000);
    expect((await from('198.51.100.7', key)).status).toBe(200);
    expect((await from('198.51.100.7', 'bad-key-next-minute')).status).toBe(401);
  });

  it('X-Forwarded-For is the client address from a trusted proxy, and ignored from anyone else', async () => {
    const logFrom = server.logs.length;
    await from('203.0.113.5', 'nope');
    const direct = await new Promise<number>((resolve, reject) => {
      const request = http.get(
        `${server.url}${P}/app/details`,
        {
          localAddress: '127.0.0.2',
          headers: { 'x-authy-api-key': 'nope', 'x-forwarded-for': '203.0.113.6' },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
    });
    expect(direct).toBe(401);
    expect(securityEvents(server, logFrom).map((line) => line.ip)).toEqual(['203.0.113.5', '127.0.0.2']);
  });
});

describe('D13, R5: the budgets are configurable, with safe defaults, and nonsense is refused at start', () => {
  const base = { COUNTERSIGN_MASTER_KEY: 'ab'.repeat(32) };

  it('defaults: a quarter of the caps per app, 128 per client, 30 bad keys a minute, 10 s to send a request, no proxy trusted', () => {
    const config = loadConfig(base);
    expect(config.appShare).toBe(0.25);
    expect(config.clientMaxInFlight).toBe(128);
    expect(config.keyFailuresPerMinute).toBe(30);
    expect(config.requestTimeoutSeconds).toBe(10);
    expect(config.trustProxy).toBe(false);
  });

  it('accepts a share, budgets and a list of proxies', () => {
    const config = loadConfig({
      ...base,
      COUNTERSIGN_APP_SHARE: '0.5',
      COUNTERSIGN_CLIENT_MAX_IN_FLIGHT: '16',
      COUNTERSIGN_KEY_FAILURE_LIMIT: '100',
      COUNTERSIGN_REQUEST_TIMEOUT: '5',
      COUNTERSIGN_TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.0.2.1, fd00::/8',
    });
    expect(config.appShare).toBe(0.5);
    expect(config.clientMaxInFlight).toBe(16);
    expect(config.keyFailuresPerMinute).toBe(100);
    expect(config.requestTimeoutSeconds).toBe(5);
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.0/8', '192.0.2.1', 'fd00::/8']);
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
    expect(loadConfig({ ...base, COUNTERSIGN_APP_SHARE: '1' }).appShare).toBe(1);
    expect(loadConfig({ ...base, COUNTERSIGN_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
  });

  it.each([
    ['COUNTERSIGN_APP_SHARE', '0'],
    ['COUNTERSIGN_APP_SHARE', '1.5'],
    ['COUNTERSIGN_APP_SHARE', 'half'],
    ['COUNTERSIGN_APP_SHARE', '-0.5'],
    ['COUNTERSIGN_CLIENT_MAX_IN_FLIGHT', '0'],
    ['COUNTERSIGN_KEY_FAILURE_LIMIT', 'many'],
    ['COUNTERSIGN_REQUEST_TIMEOUT', '0'],
    ['COUNTERSIGN_REQUEST_TIMEOUT', '301'],
    ['COUNTERSIGN_TRUST_PROXY', 'true'],
    ['COUNTERSIGN_TRUST_PROXY', '1'],
    ['COUNTERSIGN_TRUST_PROXY', '10.0.0.0/33'],
    ['COUNTERSIGN_TRUST_PROXY', '10.1'],
    ['COUNTERSIGN_TRUST_PROXY', '10.0.0.1,'],
  ])('%s=%s is refused at start, naming the setting', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });
});
