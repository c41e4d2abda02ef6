// Issue 6, operations: liveness and readiness, request ids in answers and logs, Prometheus metrics on a
// port of their own, and a graceful shutdown on SIGTERM (R83). Runs on SQLite and on PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/server/start-server.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { countersign, freePort } from '../support/processes.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';

const BIN = join(import.meta.dirname, '../../bin/countersign.js');

describe('health and request ids', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('/healthz says the process is alive; /readyz that the database answers and the bus listens', async () => {
    const live = await call(server, 'GET', '/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await call(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      database: 'ok',
      events: TEST_DIALECT === 'postgres' ? 'listening' : 'local',
    });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('every answer carries an X-Request-Id, and every log line of the request names it', async () => {
    const response = await call(server, 'GET', '/protected/json/app/details', { key: 'not-a-key' });
    expect(response.status).toBe(401);
    const id = response.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const lines = server.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === id);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', status: 401, url: '/protected/json/app/details' }),
    );
  });

  it("a request's line names its app, bound by the API gate before its logger wrote anything", async () => {
    const app = await server.createApp({ name: 'Logged Bank' });
    const response = await call(server, 'GET', '/protected/json/app/details', { key: app.apiKey });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id') ?? '';
    const lines = server.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === id);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request',
        appId: app.id,
        status: 200,
        url: '/protected/json/app/details',
      }),
    ]);
  });

  it("a caller's plain X-Request-Id is kept (a proxy's id follows the request); anything else is replaced", async () => {
    const kept = await call(server, 'GET', '/healthz', { headers: { 'x-request-id': 'lb-1234.abc_DEF' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc_DEF');
    for (const given of ['a'.repeat(65), 'two words', 'quote"d', '{"json":1}']) {
      const replaced = await call(server, 'GET', '/healthz', { headers: { 'x-request-id': given } });
      expect(replaced.headers.get('x-request-id')).not.toBe(given);
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(server.logs.join('')).not.toContain('quote\\"d');
  });
});

describe('Prometheus metrics (METRICS_PORT)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  const env = () => ({
    COUNTERSIGN_MASTER_KEY: 'c'.repeat(64),
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
  });

  it('are served on their own port only: request counts by route pattern, never by URL, and the process', async () => {
    const running = await startServer(loadConfig({ ...env(), METRICS_PORT: '0' }));
    try {
      const metricsUrl = running.metricsUrl ?? '';
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(metricsUrl).port).not.toBe(new URL(running.url).port);
      await fetch(`${running.url}/healthz`);
      await fetch(
        `${running.url}/onetouch/json/approval_requests/5b3c1c52-0b8e-4e0e-9d53-b8a6a1c0d001?api_key=secret-key`,
      );
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('countersign_http_requests_total{method="GET",route="/healthz",status="200"} 1');
      expect(text).toContain('route="/onetouch/json/approval_requests/:uuid",status="401"');
      expect(text).not.toContain('5b3c1c52');
      expect(text).not.toContain('secret-key');
      expect(text).toMatch(/^countersign_http_request_duration_seconds_bucket\{/m);
      expect(text).toMatch(/^countersign_webhook_events_due 0$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      if (TEST_DIALECT === 'postgres') expect(text).toMatch(/^countersign_event_bus_listening 1$/m);
      // The API port has no metrics.
      expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
    } finally {
      await running.close();
    }
    await expect(fetch(running.metricsUrl ?? '')).rejects.toThrow();
  });

  it('are off by default', async () => {
    const running = await startServer(loadConfig(env()));
    try {
      expect(running.metricsUrl).toBeUndefined();
    } finally {
      await running.close();
    }
  });
});

describe('graceful shutdown on SIGTERM (R83)', () => {
  let database: TestDatabase;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database.drop();
  });

  it('answers the long polls and ends the streams at once, finishes what is in flight, and exits 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    };
    const { api_key: key } = JSON.parse(
      await countersign(['apps', 'create', '--name', 'Stop Bank', '--json'], env),
    ) as { api_key: string };
    child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await expect
      .poll(
        () =>
          fetch(`${url}/readyz`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 20_000, interval: 100 },
      )
      .toBe(200);
    const server = { url };
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 's@example.com', cellphone: '2015557001', country_code: 1 } },
    });
    const userId = (user.body.user as { id: number }).id;
    const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key,
      json: { message: 'Held', seconds_to_expire: 600 },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;

    const longPoll = call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=60`, { key });
    const stream = await fetch(`${url}/onetouch/json/approval_requests/${uuid}/events`, {
      headers: { 'x-authy-api-key': key },
    });
    const streamText = stream.text();
    await new Promise((r) => setTimeout(r, 300));

    const signalled = Date.now();
    child.kill('SIGTERM');
    const polled = await longPoll;
    expect(polled.status).toBe(200);
    expect(polled.body.approval_request).toMatchObject({ uuid, status: 'pending' });
    expect(await streamText).toContain('event: status');
    expect(await exited).toEqual({ code: 0, signal: null });
    // Far sooner than the 60 s the long poll asked for, and than the shutdown timeout.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 60_000);
});
