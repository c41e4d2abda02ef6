// Issue 6: three instances (buildApp on three ports) sharing one PostgreSQL database. Events travel
// between them over LISTEN/NOTIFY; once-only rules, lockouts and rate limits hold because they live in
// the database (docs/architecture.md, "Growing past one machine"; R15, R16, R76, R78).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { call, testClock } from '../support/harness.js';
import { answerFor, deviceCall, type PendingRequest, signedHeaders } from '../support/test-device.js';
import { type Cluster, pick, sleep, startCluster } from './cluster.js';
import { createApproval, enrollDevice, openStream, registerUser } from './support.js';

let phone = 2015553000;
function nextPhone(): string {
  phone += 1;
  return String(phone);
}

describe('three instances sharing one PostgreSQL database', () => {
  let cluster: Cluster;
  let key: string;
  let app: App;

  beforeAll(async () => {
    cluster = await startCluster(3);
    const created = await pick(cluster, 0).createApp({ name: 'Scale Bank' });
    key = created.apiKey;
    app = (await pick(cluster, 0).app.services.apps.find(created.id)) as App;
  }, 60_000);
  afterAll(() => cluster?.close());

  it('a request created on the first, answered through the second, wakes a long poll and a stream held on the third', async () => {
    const [first, second, third] = [pick(cluster, 0), pick(cluster, 1), pick(cluster, 2)];
    const userId = await registerUser(first, key, nextPhone());
    const device = await enrollDevice(first, second, key, userId);

    // The device's own stream, on the third instance, hears of the request made on the first.
    const deviceStream = await openStream(
      `${third.url}/device/v1/events`,
      signedHeaders(device, 'GET', '/device/v1/events'),
    );
    const uuid = await createApproval(first, key, userId, {
      message: 'Transfer $500 to bob@example.com',
      seconds_to_expire: 600,
    });
    await expect
      .poll(() => deviceStream.events, { timeout: 5_000 })
      .toContainEqual({
        event: 'request',
        data: { uuid },
      });

    const stream = await openStream(`${third.url}/onetouch/json/approval_requests/${uuid}/events`, {
      'x-authy-api-key': key,
    });
    await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBe(1);
    let polled: { status: number; body: Record<string, unknown>; at: number } | undefined;
    const longPoll = call(third, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=30`, { key }).then(
      (response) => {
        polled = { status: response.status, body: response.body, at: Date.now() };
      },
    );
    // Both are held: nothing but an event from another instance can end them now (no expiry for 10 min).
    await sleep(300);
    expect(polled).toBeUndefined();

    const [pending] = (await deviceCall(second, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    const answeredAt = Date.now();
    const answered = await deviceCall(
      second,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending as PendingRequest, 'approved'),
    );
    expect(answered.body).toEqual({ status: 'approved', success: true });

    await longPoll;
    expect(polled?.status).toBe(200);
    expect(polled?.body.approval_request).toMatchObject({ uuid, status: 'approved', device_uuid: device.id });
    expect((polled?.at ?? Number.POSITIVE_INFINITY) - answeredAt).toBeLessThan(3_000);

    await stream.ended;
    expect(stream.events.map((e) => (e.data.approval_request as { status: string }).status)).toEqual([
      'pending',
      'approved',
    ]);
    await expect
      .poll(() => deviceStream.events, { timeout: 5_000 })
      .toContainEqual({
        event: 'withdrawn',
        data: { uuid },
      });
    deviceStream.close();
  });

  it('one number registered 30 times at once through three instances is one user, and every call answers 200', async () => {
    const cellphone = nextPhone();
    // Another app registered the number first: the identity exists, and the 30 race to link it to this app.
    const other = await pick(cluster, 0).createApp({ name: 'Other Bank' });
    const first = await registerUser(pick(cluster, 0), other.apiKey, cellphone);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(pick(cluster, i), 'POST', '/protected/json/users/new', {
          key,
          json: { user: { email: `r${i}@example.com`, cellphone, country_code: 1 } },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(responses.map((r) => (r.body.user as { id: number }).id))).toEqual(new Set([first]));
  });

  it('a TOTP step is accepted once, even under 50 concurrent verifies spread over three instances', async () => {
    const userId = await registerUser(pick(cluster, 0), key, nextPhone());
    const services = pick(cluster, 0).app.services.users;
    const seed = await services.seed(await services.find(app, String(userId)));
    const step = stepAt(Date.now());
    const code = totpCode(seed, step, app.tokenLength);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(pick(cluster, i), 'GET', `/protected/json/verify/${code}/${userId}`, { key }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // Every other caller is refused: as a reuse (401), or by the lock that the refusals trigger (429).
    expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(49);
    const row = await pick(cluster, 2)
      .db.selectFrom('app_users')
      .select('totp_last_step')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect([step, step - 1]).toContain(row.totp_last_step);
  });

  it('the lockout holds across instances: 200 wrong codes spread over three are evaluated at most 10 times', async () => {
    const userId = await registerUser(pick(cluster, 1), key, nextPhone());
    const services = pick(cluster, 0).app.services.users;
    const seed = await services.seed(await services.find(app, String(userId)));
    const now = Date.now();
    const accepted = new Set([totpCode(seed, stepAt(now), 7), totpCode(seed, stepAt(now) - 1, 7)]);
    const wrong = ['1111111', '2222222', '3333333'].find((c) => !accepted.has(c)) as string;
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        call(pick(cluster, i), 'GET', `/protected/json/verify/${wrong}/${userId}`, { key }),
      ),
    );
    expect(responses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(190);
    const right = totpCode(seed, stepAt(Date.now()), 7);
    for (let i = 0; i < 3; i++) {
      const locked = await call(pick(cluster, i), 'GET', `/protected/json/verify/${right}/${userId}`, {
        key,
      });
      expect(locked.status).toBe(429);
    }
  });
});

describe('the rate limit of three instances is one limit', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // One clock for all three: the 45 calls fall in one minute window whatever the wall clock does.
    cluster = await startCluster(3, { clock: testClock(), env: { COUNTERSIGN_RATE_LIMIT: '30' } });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('45 calls of one app spread over three instances: 30 answered, 15 refused with 429 / 60003', async () => {
    const { apiKey } = await pick(cluster, 0).createApp({ name: 'Limited Bank' });
    const responses = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        call(pick(cluster, i), 'GET', '/protected/json/app/details', { key: apiKey }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(30);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(15);
    expect(refused[0]?.body.error_code).toBe('60003');
  });
});
