/**
 * Overload (R55, R78): everything that could grow without bound is bounded — requests and event streams
 * at once, bodies, time to send a request, time spent on outbound calls — and beyond capacity the service
 * answers 429 / 60003 at once instead of queueing until it falls over.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { BODY_LIMIT } from '../../src/http/request-body.js';
import { OT, P, registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';

const MAX_IN_FLIGHT = 4;
const MAX_STREAMS = 2;
let server: TestServer;
let key: string;
let userId: number;

const BUSY = {
  message: 'The service is busy. Try again shortly.',
  success: false,
  errors: { message: 'The service is busy. Try again shortly.' },
  error_code: '60003',
};

/** The service with small caps, one app allowed all of them, and a user of that app. */
async function startLoadServer(
  clock?: TestClock,
): Promise<{ server: TestServer; key: string; userId: number }> {
  const loaded = await startTestServer({
    ...(clock !== undefined && { clock }),
    env: {
      COUNTERSIGN_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      COUNTERSIGN_MAX_STREAMS: String(MAX_STREAMS),
      // The global caps, with one app allowed all of them; the fair shares have their own file.
      COUNTERSIGN_APP_SHARE: '1',
    },
  });
  const loadKey = (await loaded.createApp({ name: 'Load Bank' })).apiKey;
  return {
    server: loaded,
    key: loadKey,
    userId: await registerUser(loaded, loadKey, '3055550161', 'load@example.com'),
  };
}

beforeAll(async () => {
  ({ server, key, userId } = await startLoadServer());
});
afterAll(() => server.close());

async function pendingRequest(): Promise<string> {
  const created = await call(server, 'POST', `${OT}/users/${userId}/approval_requests`, {
    key,
    json: { message: 'Hold on' },
  });
  expect(created.status, created.text).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

/** Opens an event stream and resolves once its head arrived; `close` ends it. */
function openStream(path: string): Promise<{ status: number; close: () => void; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.url}${path}`, { headers: { 'x-authy-api-key': key } }, (response) => {
      response.resume();
      const closed = new Promise<void>((done) => response.on('close', () => done()));
      resolve({ status: response.statusCode ?? 0, close: () => request.destroy(), closed });
    });
    request.on('error', reject);
  });
}

const waitFor = async (condition: () => Promise<boolean>, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('R78: beyond capacity the service answers 429, then recovers', () => {
  it(`past ${MAX_IN_FLIGHT} requests at once, every further one is 429 / 60003 with Retry-After, at once; probes still answer`, async () => {
    // Long polls that end only when the test moves the service's clock: every refusal below is answered
    // while all of them are still held, so none waited for capacity.
    const clock = testClock(Date.now(), { timers: 'manual' });
    const busy = await startLoadServer(clock);
    try {
      const created = await call(busy.server, 'POST', `${OT}/users/${busy.userId}/approval_requests`, {
        key: busy.key,
        json: { message: 'Hold on' },
      });
      const uuid = (created.body.approval_request as { uuid: string }).uuid;
      let answeredPolls = 0;
      const held = Array.from({ length: MAX_IN_FLIGHT }, () =>
        call(busy.server, 'GET', `${OT}/approval_requests/${uuid}?wait=2`, { key: busy.key }).finally(() => {
          answeredPolls += 1;
        }),
      );
      await waitFor(
        async () => (await call(busy.server, 'GET', `${P}/app/details`, { key: busy.key })).status === 429,
      );

      const burst = await Promise.all(
        Array.from({ length: 100 }, () => call(busy.server, 'GET', `${P}/app/details`, { key: busy.key })),
      );
      expect(answeredPolls).toBe(0);
      for (const refused of burst) {
        expect(refused.status).toBe(429);
        expect(refused.body).toStrictEqual(BUSY);
        expect(refused.headers.get('retry-after')).toBe('1');
      }
      expect((await call(busy.server, 'GET', '/healthz')).status).toBe(200);
      expect((await call(busy.server, 'GET', '/readyz')).status).toBe(200);
      expect(answeredPolls).toBe(0);

      await waitFor(async () => clock.scheduled() === MAX_IN_FLIGHT);
      clock.advance(2_000);
      for (const poll of await Promise.all(held)) {
        expect(poll.status).toBe(200);
        expect((poll.body.approval_request as { status: string }).status).toBe('pending');
      }
      expect((await call(busy.server, 'GET', `${P}/app/details`, { key: busy.key })).status).toBe(200);
    } finally {
      await busy.server.close();
    }
  });

  it('a storm of concurrent requests gets only 200s and 429s — never a 5xx, a reset or a hang', async () => {
    const uuid = await pendingRequest();
    const storm = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 10 === 0
          ? call(server, 'GET', `${OT}/approval_requests/${uuid}?wait=1`, { key })
          : call(server, 'GET', `${P}/users/${userId}/status`, { key }),
      ),
    );
    const statuses = new Set(storm.map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 429]);
    await waitFor(async () => (await call(server, 'GET', `${P}/app/details`, { key })).status === 200);
  });

  it(`event streams have a budget of their own (${MAX_STREAMS}): one more is 429, requests still pass`, async () => {
    const uuid = await pendingRequest();
    const path = `${OT}/approval_requests/${uuid}/events`;
    const streams = [await openStream(path), await openStream(path)];
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const third = await call(server, 'GET', path, { key });
    expect(third.status).toBe(429);
    expect(third.body).toStrictEqual(BUSY);
    expect((await call(server, 'GET', `${P}/app/details`, { key })).status).toBe(200);
    for (const stream of streams) {
      stream.close();
      await stream.closed;
    }
    await waitFor(async () => {
      const again = await openStream(path);
      again.close();
      await again.closed;
      return again.status === 200;
    });
  });
});

describe('R78: bounded bodies and times everywhere', () => {
  it('a device route refuses an oversized body with 413 too (the API routes are covered by the R57 table)', async () => {
    const body = JSON.stringify({ token: 'x', padding: 'x'.repeat(BODY_LIMIT) });
    for (const path of [
      '/device/v1/enrollments',
      '/device/v1/phone-enrollments',
      '/device/v1/push-subscription',
    ]) {
      const response = await call(server, 'POST', path, { json: JSON.parse(body) });
      expect(response.status, path).toBe(413);
      expect(response.body.error_code).toBe('60002');
    }
  });

  it('the HTTP server bounds how long a request may take to arrive and how long a connection may idle', () => {
    const node = server.app.server;
    expect(node.requestTimeout).toBe(10_000);
    expect(node.headersTimeout).toBe(10_000);
    expect(node.timeout).toBe(60_000);
    expect(node.keepAliveTimeout).toBeGreaterThan(0);
    expect(node.keepAliveTimeout).toBeLessThanOrEqual(75_000);
    expect(BODY_LIMIT).toBe(64 * 1024);
  });

  it('the limits are on by default and configurable, and nonsense is refused at start', () => {
    const base = { COUNTERSIGN_MASTER_KEY: 'ab'.repeat(32) };
    const defaults = loadConfig(base);
    expect(defaults.maxInFlight).toBe(1024);
    expect(defaults.maxStreams).toBe(4096);
    expect(defaults.rateLimitPerMinute).toBeGreaterThan(0);
    expect(defaults.webhookTimeoutSeconds).toBeLessThanOrEqual(30);
    expect(loadConfig({ ...base, COUNTERSIGN_MAX_IN_FLIGHT: '10' }).maxInFlight).toBe(10);
    expect(() => loadConfig({ ...base, COUNTERSIGN_MAX_IN_FLIGHT: '0' })).toThrow(
      /COUNTERSIGN_MAX_IN_FLIGHT/,
    );
    expect(() => loadConfig({ ...base, COUNTERSIGN_MAX_STREAMS: 'many' })).toThrow(/COUNTERSIGN_MAX_STREAMS/);
  });
});
