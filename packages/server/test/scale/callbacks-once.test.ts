// Issue 6, R76: with three instances, the expiry sweepers, the status reads that expire a request, and the
// callback workers all run at once against one PostgreSQL database; each state change still produces one
// callback event, and each event is delivered once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/harness.js';
import { answerFor, deviceCall, type PendingRequest } from '../support/test-device.js';
import { startReceiver } from '../webhooks/receiver.js';
import { type Cluster, eventually, pick, sleep, startCluster } from './cluster.js';
import { createApproval, enrollDevice, registerUser } from './support.js';

const EXPIRING = 12;
const ANSWERED = 6;

describe('expiry and callbacks across three instances', () => {
  let cluster: Cluster;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    cluster = await startCluster(3, { env: { COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
  });

  it('each expiry and each answer is delivered once to a counting receiver', async () => {
    const { apiKey: key } = await pick(cluster, 0).createApp({
      name: 'Callback Bank',
      callbackUrl: `${receiver.url}/hook`,
      callbackExpired: true,
    });
    const expectedStatus = new Map<string, string>();

    // Requests that expire in a second, created on all three instances and read on all three while they
    // expire: the sweepers and the reads race to expire each one.
    // Ten pending requests per user at most (R40): spread them over two users.
    const expiringUsers = [
      await registerUser(pick(cluster, 0), key, '2015554001'),
      await registerUser(pick(cluster, 1), key, '2015554002'),
    ];
    const expiring: string[] = [];
    for (let i = 0; i < EXPIRING; i++) {
      const userId = expiringUsers[i % 2] as number;
      const uuid = await createApproval(pick(cluster, i), key, userId, {
        message: `Expiring ${i}`,
        seconds_to_expire: 1,
      });
      expiring.push(uuid);
      expectedStatus.set(uuid, 'expired');
    }

    // Requests answered by a device, each through another instance than the one that made it.
    const answeringUser = await registerUser(pick(cluster, 2), key, '2015554003');
    const device = await enrollDevice(pick(cluster, 2), pick(cluster, 0), key, answeringUser);
    for (let i = 0; i < ANSWERED; i++) {
      const uuid = await createApproval(pick(cluster, i), key, answeringUser, { message: `Answered ${i}` });
      const requests = (await deviceCall(pick(cluster, i + 1), device, 'GET', '/device/v1/requests')).body
        .requests as PendingRequest[];
      const pending = requests.find((r) => r.uuid === uuid) as PendingRequest;
      const decision = i % 2 === 0 ? 'approved' : 'denied';
      const answered = await deviceCall(
        pick(cluster, i + 1),
        device,
        'POST',
        `/device/v1/requests/${uuid}/answer`,
        answerFor(device, pending, decision),
      );
      expect(answered.status).toBe(200);
      expectedStatus.set(uuid, decision);
    }

    // Every instance reads every expiring request after its expiry: each read may expire it.
    await sleep(1_100);
    await Promise.all(
      expiring.flatMap((uuid) =>
        [0, 1, 2].map((i) =>
          call(pick(cluster, i), 'GET', `/onetouch/json/approval_requests/${uuid}`, { key }),
        ),
      ),
    );

    const total = EXPIRING + ANSWERED;
    expect(await eventually(() => receiver.deliveries.length >= total, 15_000)).toBe(true);
    // Three workers keep polling; give a second delivery every chance to happen.
    await sleep(1_500);
    const delivered = receiver.deliveries.map((d) => ({
      uuid: d.body.uuid as string,
      status: d.body.status as string,
      id: d.headers['webhook-id'],
    }));
    expect(delivered).toHaveLength(total);
    expect(new Set(delivered.map((d) => d.uuid)).size).toBe(total);
    expect(new Set(delivered.map((d) => d.id)).size).toBe(total);
    for (const d of delivered) expect(d.status).toBe(expectedStatus.get(d.uuid));

    const db = pick(cluster, 1).db;
    const events = await db.selectFrom('webhook_events').select(['uuid', 'state']).execute();
    expect(events).toHaveLength(total);
    expect(events.every((e) => e.state === 'delivered')).toBe(true);
    const attempts = await db.selectFrom('webhook_attempts').select('event_id').execute();
    expect(attempts).toHaveLength(total);
  }, 60_000);

  it('sixty events due at once, claimed by three workers at the same moment, are each delivered once', async () => {
    const path = '/contended';
    const { apiKey: key, id: appId } = await pick(cluster, 0).createApp({
      name: 'Contended Bank',
      callbackUrl: `${receiver.url}${path}`,
      callbackExpired: true,
    });
    // First every delivery fails, so the events pile up waiting for their retry.
    receiver.answer = (d) => (d.path === path ? { status: 503 } : { status: 200 });
    const users = [];
    for (let u = 0; u < 6; u++) users.push(await registerUser(pick(cluster, u), key, `20155541${10 + u}`));
    for (let i = 0; i < 60; i++) {
      await createApproval(pick(cluster, i), key, users[i % 6] as number, {
        message: `Contended ${i}`,
        seconds_to_expire: 1,
      });
    }
    const db = pick(cluster, 0).db;
    const failedOnce = async () =>
      (
        await db
          .selectFrom('webhook_events')
          .select('id')
          .where('app_id', '=', appId)
          .where('attempts', '>=', 1)
          .execute()
      ).length;
    expect(await eventually(async () => (await failedOnce()) === 60, 20_000, 100)).toBe(true);

    // Now all sixty are due at once, and the three workers are woken at the same moment.
    receiver.answer = () => ({ status: 200 });
    const before = receiver.deliveries.length;
    await db
      .updateTable('webhook_events')
      .set({ next_attempt_at: Date.now() })
      .where('app_id', '=', appId)
      .execute();
    for (const instance of cluster.instances) instance.app.webhooks.wake();
    expect(
      await eventually(
        () => receiver.deliveries.slice(before).filter((d) => d.path === path).length >= 60,
        15_000,
      ),
    ).toBe(true);
    await sleep(1_000);
    const ids = receiver.deliveries
      .slice(before)
      .filter((d) => d.path === path)
      .map((d) => String(d.headers['webhook-id']));
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  }, 60_000);
});
