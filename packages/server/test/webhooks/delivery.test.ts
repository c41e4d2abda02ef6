import { verifyCallback } from '@countersign/client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookEventRepository } from '../../src/webhooks/webhook-event.repository.js';
import { callbackLeaseMs } from '../../src/webhooks/webhook-worker.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { authyClientVerify } from './authy-client-verifier.js';
import { startReceiver } from './receiver.js';

let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let phone = 6502530100;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ env: { COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.answer = () => ({ status: 200 });
});

interface Setup {
  key: string;
  appId: number;
  webhookSecret: string;
  userId: number;
  device: TestDevice;
  path: string;
}

async function setup(options: { callbackExpired?: boolean; withoutCallback?: boolean } = {}): Promise<Setup> {
  phone += 1;
  const path = `/callbacks/${phone}`;
  const created = await server.createApp({
    name: 'Callback Bank',
    callbackUrl: options.withoutCallback === true ? null : `${receiver.url}${path}`,
    ...(options.callbackExpired !== undefined && { callbackExpired: options.callbackExpired }),
  });
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: created.apiKey,
    json: { user: { email: 'c@example.com', cellphone: String(phone), country_code: 1 } },
  });
  const userId = (user.body.user as { id: number }).id;
  const link = (
    (await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: created.apiKey })).body
      .enrollment as { url: string }
  ).url;
  const device = await enrollWithLink(server, link);
  return {
    key: created.apiKey,
    appId: created.id,
    webhookSecret: created.webhookSecret,
    userId,
    device,
    path,
  };
}

async function approve(
  s: Setup,
  body: Record<string, unknown> = {},
  decision: 'approved' | 'denied' = 'approved',
) {
  const created = await call(server, 'POST', `/onetouch/json/users/${s.userId}/approval_requests`, {
    key: s.key,
    json: { message: 'Transfer money to bob@example.com', ...body },
  });
  const uuid = (created.body.approval_request as { uuid: string }).uuid;
  const [request] = (
    (await deviceCall(server, s.device, 'GET', '/device/v1/requests')).body.requests as PendingRequest[]
  ).filter((r) => r.uuid === uuid);
  const answered = await deviceCall(
    server,
    s.device,
    'POST',
    `/device/v1/requests/${uuid}/answer`,
    answerFor(s.device, request as PendingRequest, decision),
  );
  expect(answered.status).toBe(200);
  return uuid;
}

const deliveriesTo = (path: string) => receiver.deliveries.filter((d) => d.path === path);

async function waitForPath(path: string, count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (deliveriesTo(path).length < count && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  return deliveriesTo(path);
}

describe('callbacks (spec 6, D5, D6, R45, R46, R50)', () => {
  it('POSTs the Authy body with both signatures; authy-client, the Standard Webhooks library and our SDK accept it', async () => {
    const s = await setup();
    const uuid = await approve(s, {
      details: { Zip: '94105', amount: '$500', 'Account Number': '1234' },
      hidden_details: { ip: '10.0.0.9' },
    });
    const [delivery] = await waitForPath(s.path, 1);
    if (delivery === undefined) throw new Error('no callback arrived');
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.body).toMatchObject({
      authy_id: s.userId,
      device_uuid: s.device.id,
      callback_action: 'approval_request_status',
      uuid,
      status: 'approved',
    });
    const url = `${receiver.url}${s.path}`;
    await expect(
      authyClientVerify({
        apiKey: s.key,
        body: delivery.body,
        signature: String(delivery.headers['x-authy-signature']),
        nonce: String(delivery.headers['x-authy-signature-nonce']),
        method: 'POST',
        url,
      }),
    ).resolves.toBeDefined();
    expect(
      verifyCallback({
        scheme: 'authy',
        apiKey: s.key,
        method: 'POST',
        url,
        headers: delivery.headers,
        params: delivery.body,
      }),
    ).toMatchObject({ scheme: 'authy' });
    expect(
      verifyCallback({
        scheme: 'standard-webhooks',
        secrets: s.webhookSecret,
        headers: delivery.headers,
        body: delivery.raw,
      }),
    ).toMatchObject({ scheme: 'standard-webhooks', id: delivery.headers['webhook-id'] });
    const official = new Webhook(s.webhookSecret.replace(/^whsec_/, ''));
    expect(() =>
      official.verify(delivery.raw, {
        'webhook-id': String(delivery.headers['webhook-id']),
        'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
        'webhook-signature': String(delivery.headers['webhook-signature']),
      }),
    ).not.toThrow();
  });

  it('a receiver that is down, then up, gets the event with the same webhook-id; nothing twice once it answered 2xx', async () => {
    const s = await setup();
    receiver.answer = (d) => (d.path === s.path ? { status: 503 } : { status: 200 });
    await approve(s);
    await waitForPath(s.path, 1);
    receiver.answer = () => ({ status: 200 });
    // The worker records the attempt once the receiver has answered: wait for that, not just the delivery.
    const eventOf = async () =>
      (await server.db.selectFrom('webhook_events').selectAll().where('app_id', '=', s.appId).execute())[0];
    await expect.poll(eventOf).toMatchObject({ state: 'pending', attempts: 1, last_status: 503 });
    // Bring the retry forward instead of waiting five seconds: the event is due again now.
    const event = await eventOf();
    expect(Number(event?.next_attempt_at) - Date.now()).toBeGreaterThan(3000);
    await server.db
      .updateTable('webhook_events')
      .set({ next_attempt_at: Date.now() })
      .where('app_id', '=', s.appId)
      .execute();
    server.app.webhooks.wake();
    const deliveries = await waitForPath(s.path, 2);
    expect(deliveries[0]?.headers['webhook-id']).toBe(deliveries[1]?.headers['webhook-id']);
    await new Promise((r) => setTimeout(r, 700));
    expect(deliveriesTo(s.path)).toHaveLength(2);
    const attempts = await server.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('event_id', '=', String(event?.id))
      .execute();
    expect(attempts.map((a) => a.status_code)).toEqual([503, 200]);
  });

  it('honours Retry-After, treats a redirect as a failure, and a 410 turns the app’s callbacks off', async () => {
    const s = await setup();
    receiver.answer = (d) =>
      d.path === s.path ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 };
    await approve(s);
    await waitForPath(s.path, 1);
    const eventOf = async () =>
      (await server.db.selectFrom('webhook_events').selectAll().where('app_id', '=', s.appId).execute())[0];
    // The worker records each attempt once the receiver has answered: wait for the record, not the delivery.
    await expect.poll(eventOf).toMatchObject({ attempts: 1, last_status: 429 });
    const event = await eventOf();
    expect(Number(event?.next_attempt_at) - Date.now()).toBeGreaterThan(115_000);

    receiver.answer = (d) =>
      d.path === s.path ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 };
    await server.db
      .updateTable('webhook_events')
      .set({ next_attempt_at: Date.now() })
      .where('app_id', '=', s.appId)
      .execute();
    server.app.webhooks.wake();
    await waitForPath(s.path, 2);
    await expect.poll(eventOf).toMatchObject({ state: 'pending', attempts: 2, last_status: 302 });
    expect(receiver.deliveries.filter((d) => d.path === '/elsewhere')).toHaveLength(0);

    receiver.answer = (d) => (d.path === s.path ? { status: 410 } : { status: 200 });
    await server.db
      .updateTable('webhook_events')
      .set({ next_attempt_at: Date.now() })
      .where('app_id', '=', s.appId)
      .execute();
    server.app.webhooks.wake();
    await waitForPath(s.path, 3);
    await expect.poll(eventOf).toMatchObject({ state: 'disabled', attempts: 3 });
    const app = await server.app.services.apps.find(s.appId);
    expect(app?.callbackDisabledAt).not.toBeNull();
    receiver.answer = () => ({ status: 200 });
    await approve(s);
    await new Promise((r) => setTimeout(r, 600));
    expect(deliveriesTo(s.path)).toHaveLength(3);
  });

  it('an answer for an app that takes no callbacks is recorded as skipped at once, and nothing is sent; once the app has a callback URL, the next answer is delivered', async () => {
    const s = await setup({ withoutCallback: true });
    const skipped = await approve(s);
    const eventsOf = () =>
      server.db
        .selectFrom('webhook_events')
        .select(['uuid', 'status', 'state', 'attempts'])
        .where('app_id', '=', s.appId)
        .orderBy('created_at')
        .execute();
    // Written with the answer, in its statement: no worker claims, reads or settles it afterwards.
    expect(await eventsOf()).toEqual([{ uuid: skipped, status: 'approved', state: 'skipped', attempts: 0 }]);
    server.app.webhooks.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect((await eventsOf())[0]).toMatchObject({ state: 'skipped', attempts: 0 });
    const attempts = await server.db
      .selectFrom('webhook_attempts')
      .innerJoin('webhook_events', 'webhook_events.id', 'webhook_attempts.event_id')
      .select('webhook_attempts.event_id')
      .where('webhook_events.app_id', '=', s.appId)
      .execute();
    expect(attempts).toEqual([]);
    expect(deliveriesTo(s.path)).toHaveLength(0);

    await server.app.services.apps.update(s.appId, { callbackUrl: `${receiver.url}${s.path}` });
    const delivered = await approve(s);
    const [delivery] = await waitForPath(s.path, 1);
    expect(delivery?.body).toMatchObject({ uuid: delivered, status: 'approved' });
    await expect
      .poll(async () => (await eventsOf())[1])
      .toMatchObject({
        uuid: delivered,
        state: 'delivered',
        attempts: 1,
      });
    expect(deliveriesTo(s.path)).toHaveLength(1);
  });

  it('expiry is marked within a second; the callback goes only to apps that opted in', async () => {
    const plain = await setup();
    const opted = await setup({ callbackExpired: true });
    for (const s of [plain, opted]) {
      await call(server, 'POST', `/onetouch/json/users/${s.userId}/approval_requests`, {
        key: s.key,
        json: { message: 'Soon gone', seconds_to_expire: 1 },
      });
    }
    const [expired] = await waitForPath(opted.path, 1, 4000);
    expect(expired?.body).toMatchObject({ status: 'expired', device_uuid: '' });
    const row = await server.db
      .selectFrom('approval_requests')
      .select('status')
      .where('app_id', '=', plain.appId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
    expect(deliveriesTo(plain.path)).toHaveLength(0);
  });
});

describe('learning the answer without polling (docs/architecture.md: long poll and streams)', () => {
  it('a long poll returns as soon as the device answers', async () => {
    const s = await setup();
    const created = await call(server, 'POST', `/onetouch/json/users/${s.userId}/approval_requests`, {
      key: s.key,
      json: { message: 'Log in' },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const started = Date.now();
    const polling = call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=30`, { key: s.key });
    await new Promise((r) => setTimeout(r, 200));
    const [request] = (
      (await deviceCall(server, s.device, 'GET', '/device/v1/requests')).body.requests as PendingRequest[]
    ).filter((r) => r.uuid === uuid);
    await deviceCall(
      server,
      s.device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(s.device, request as PendingRequest, 'denied'),
    );
    const answered = await polling;
    expect(answered.body.approval_request).toMatchObject({ status: 'denied', reason: 'denied' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a long poll on a request nobody answers returns pending when the wait is over', async () => {
    const s = await setup();
    const created = await call(server, 'POST', `/onetouch/json/users/${s.userId}/approval_requests`, {
      key: s.key,
      json: { message: 'Log in' },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const answered = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=1`, {
      key: s.key,
    });
    expect(answered.body.approval_request).toMatchObject({ status: 'pending' });
    expect(
      (await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=61`, { key: s.key })).status,
    ).toBe(400);
  });

  it('the event stream sends the status now and again when it becomes final, then ends', async () => {
    const s = await setup();
    const created = await call(server, 'POST', `/onetouch/json/users/${s.userId}/approval_requests`, {
      key: s.key,
      json: { message: 'Log in' },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const response = await fetch(`${server.url}/onetouch/json/approval_requests/${uuid}/events`, {
      headers: { 'x-authy-api-key': s.key },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = response.text();
    await new Promise((r) => setTimeout(r, 100));
    const [request] = (
      (await deviceCall(server, s.device, 'GET', '/device/v1/requests')).body.requests as PendingRequest[]
    ).filter((r) => r.uuid === uuid);
    await deviceCall(
      server,
      s.device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(s.device, request as PendingRequest, 'approved'),
    );
    const events = (await text)
      .split('\n\n')
      .filter((block) => block.startsWith('event: status'))
      .map(
        (block) =>
          (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { approval_request: { status: string } })
            .approval_request.status,
      );
    expect(events).toEqual(['pending', 'approved']);
  });

  it('the event stream needs the API key like every other call', async () => {
    const response = await call(
      server,
      'GET',
      '/onetouch/json/approval_requests/00000000-0000-4000-8000-000000000000/events',
    );
    expect(response.status).toBe(401);
  });
});

describe('the callback of an answer is leased to the answering instance', () => {
  it('whose worker delivers it without claiming it; if that worker is gone, any worker takes it once the lease has run out', async () => {
    const s = await setup();
    // The lease is one delivery's time and 5 s (COUNTERSIGN_WEBHOOK_TIMEOUT is 15 s by default).
    const lease = callbackLeaseMs(server.config.webhookTimeoutSeconds * 1000);
    expect(lease).toBe(20_000);
    const first = await approve(s);
    const [delivered] = await waitForPath(s.path, 1);
    expect(delivered?.body.uuid).toBe(first);

    // Without a worker on the answering instance, the event waits out its lease, then is anybody's.
    await server.app.webhooks.stop();
    const before = Date.now();
    const second = await approve(s);
    const events = new WebhookEventRepository(server.store);
    const row = await server.db
      .selectFrom('webhook_events')
      .select(['state', 'locked_until', 'attempts'])
      .where('uuid', '=', second)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'pending', attempts: 0 });
    expect(Number(row.locked_until)).toBeGreaterThanOrEqual(before + lease);
    expect(Number(row.locked_until)).toBeLessThanOrEqual(Date.now() + lease);
    const stillLeased = await events.claimDue(Date.now(), lease, 16);
    expect(stillLeased.map((e) => e.uuid)).not.toContain(second);
    const afterLease = await events.claimDue(Number(row.locked_until) + 1, lease, 16);
    expect(afterLease.map((e) => e.uuid)).toContain(second);
    expect(deliveriesTo(s.path)).toHaveLength(1);
  });
});
