// The console's live views (issue 17, item 2): the Overview's figures, the requests list and detail, and the
// feed of requests as they are created and answered. Traffic goes through the Authy API and a device on
// loopback; every figure is then counted again from the database by this test's own queries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, policyOf } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { runCli } from '../support/cli.js';
import { signedInOperator } from '../support/console-session.js';
import { openStream } from '../support/event-stream.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { startReceiver } from '../webhooks/receiver.js';

const MINUTE = 60_000;
/** Half a minute into a minute: a few seconds of traffic stay in it. */
const T0 = Date.UTC(2026, 10, 26, 12, 0, 30);

let server: TestServer;
let clock: TestClock;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let admin: Record<string, string>;
let viewer: Record<string, string>;
let phone = 4_155_550_100;

interface TestApp {
  id: number;
  key: string;
  app: App;
}
let bank: TestApp;
let shop: TestApp;
let flaky: TestApp;

beforeAll(async () => {
  clock = testClock(T0);
  receiver = await startReceiver();
  // Deliveries to /flaky fail; the others are delivered.
  receiver.answer = (d) => ({ status: d.path === '/flaky' ? 500 : 200 });
  server = await startTestServer({ clock, env: { COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  const app = async (name: string, path?: string): Promise<TestApp> => {
    const created = await server.createApp({
      name,
      ...(path !== undefined && { callbackUrl: `${receiver.url}${path}`, callbackExpired: true }),
    });
    return {
      id: created.id,
      key: created.apiKey,
      app: (await server.app.services.apps.find(created.id)) as App,
    };
  };
  bank = await app('Live Bank', '/bank');
  shop = await app('Live Shop');
  flaky = await app('Flaky Shop', '/flaky');
  admin = (await signedInOperator(server, 'admin')).headers;
  viewer = (await signedInOperator(server, 'viewer')).headers;
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

async function newUser(app: TestApp): Promise<number> {
  phone += 1;
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.key,
    json: { user: { email: `live${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  expect(response.status).toBe(200);
  return (response.body.user as { id: number }).id;
}

async function enrolled(app: TestApp, userId: number): Promise<TestDevice> {
  const created = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: app.key });
  expect(created.status).toBe(200);
  return enrollWithLink(server, (created.body.enrollment as { url: string }).url, 'Live phone');
}

async function approvalRequest(app: TestApp, userId: number, extra: Record<string, unknown> = {}) {
  const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.key,
    json: {
      message: 'Pay Bob',
      details: { Amount: '$5' },
      hidden_details: { ip: 'HIDDEN-198.51.100.7' },
      ...extra,
    },
  });
  expect(created.status).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

/** The device answers as of the test's clock (its signed request and its answer's time). */
async function answer(device: TestDevice, uuid: string, decision: 'approved' | 'denied', reason?: string) {
  const at = { timestamp: clock.now() };
  const listed = await deviceCall(server, device, 'GET', '/device/v1/requests', undefined, at);
  expect(listed.status).toBe(200);
  const pending = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (pending === undefined) throw new Error(`request ${uuid} is not pending for the device`);
  const signed = answerFor(device, pending, decision, {
    signed_at: clock.now(),
    ...(reason !== undefined && { reason }),
  });
  const answered = await deviceCall(server, device, 'POST', `/device/v1/requests/${uuid}/answer`, signed, at);
  expect(answered.status).toBe(200);
}

const consoleGet = (path: string, headers: Record<string, string> = admin) =>
  call(server, 'GET', path, { headers });

/** Polls until `condition` holds, for up to ten seconds; the test then asserts on what it waited for. */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

type Range = 'hour' | 'day' | 'week';
const CUTS: Record<Range, { size: number; count: number }> = {
  hour: { size: MINUTE, count: 60 },
  day: { size: 60 * MINUTE, count: 24 },
  week: { size: 24 * 60 * MINUTE, count: 7 },
};

/**
 * The Overview's series counted again from the rows, by this test: each row's time put in its bucket in
 * JavaScript, so that the service's grouping in SQL is checked against a different computation.
 */
async function recount(range: Range, now: number) {
  const { size, count } = CUTS[range];
  const start = Math.floor(now / size) * size - (count - 1) * size;
  const line = (times: number[]) => {
    const values = new Array<number>(count).fill(0);
    for (const t of times) {
      const i = Math.floor((t - start) / size);
      if (i >= 0 && i < count) values[i] = (values[i] ?? 0) + 1;
    }
    return values;
  };
  const db = server.db;
  const requests = await db
    .selectFrom('approval_requests')
    .select(['created_at', 'status', 'expires_at'])
    .execute();
  const asRead = (r: (typeof requests)[number]) =>
    r.status === 'pending' && r.expires_at !== null && Number(r.expires_at) <= now ? 'expired' : r.status;
  const approvals = (status: string) =>
    line(requests.filter((r) => asRead(r) === status).map((r) => Number(r.created_at)));
  const counts = await db.selectFrom('verification_counts').selectAll().execute();
  const counted = (match: (row: (typeof counts)[number]) => boolean) =>
    line(
      counts.filter(match).flatMap((row) => new Array<number>(Number(row.count)).fill(Number(row.minute))),
    );
  const codes = [
    ...(await db.selectFrom('otp_codes').select(['channel', 'created_at', 'state']).execute())
      .filter((c) => c.state !== 'sending' && c.state !== 'failed')
      .map((c) => ({ channel: c.channel, at: Number(c.created_at) })),
    ...(await db.selectFrom('phone_verifications').select(['via', 'created_at', 'state']).execute())
      .filter((c) => c.state !== 'sending' && c.state !== 'failed_send')
      .map((c) => ({ channel: c.via, at: Number(c.created_at) })),
  ];
  const attempts = await db.selectFrom('webhook_attempts').select(['attempted_at', 'status_code']).execute();
  const ok = (a: (typeof attempts)[number]) =>
    a.status_code !== null && a.status_code >= 200 && a.status_code < 300;
  const notMe = await db
    .selectFrom('security_events')
    .select('created_at')
    .where('type', '=', 'user.suspicious_activity')
    .execute();
  const series = {
    approvals: {
      approved: approvals('approved'),
      denied: approvals('denied'),
      expired: approvals('expired'),
      pending: approvals('pending'),
    },
    totp: {
      accepted: counted((r) => r.kind === 'totp' && r.outcome === 'accepted'),
      refused: counted((r) => r.kind === 'totp' && r.outcome !== 'accepted'),
    },
    sms: {
      accepted: counted((r) => r.kind === 'sms' && r.outcome === 'accepted'),
      refused: counted((r) => r.kind === 'sms' && r.outcome !== 'accepted'),
    },
    codes_sent: {
      sms: line(codes.filter((c) => c.channel === 'sms').map((c) => c.at)),
      call: line(codes.filter((c) => c.channel === 'call').map((c) => c.at)),
    },
    callbacks: {
      delivered: line(attempts.filter(ok).map((a) => Number(a.attempted_at))),
      failed: line(attempts.filter((a) => !ok(a)).map((a) => Number(a.attempted_at))),
    },
    lockouts: counted((r) => r.outcome === 'locked'),
    not_me: line(notMe.map((e) => Number(e.created_at))),
  };
  const answered = requests
    .filter((r) => r.status === 'approved' || r.status === 'denied')
    .filter((r) => Number(r.created_at) >= start && Number(r.created_at) < start + size * count);
  const times = (
    await db
      .selectFrom('approval_requests')
      .select(['created_at', 'processed_at'])
      .where('processed_at', 'is not', null)
      .execute()
  )
    .filter((r) => Number(r.created_at) >= start && Number(r.created_at) < start + size * count)
    .map((r) => Number(r.processed_at) - Number(r.created_at))
    .sort((a, b) => a - b);
  expect(times).toHaveLength(answered.length);
  const rank = (p: number) => times[Math.max(0, Math.ceil(p * times.length) - 1)] ?? null;
  return {
    buckets: Array.from({ length: count }, (_, i) => new Date(start + i * size).toISOString()),
    series,
    answerTime: { median: rank(0.5), p95: rank(0.95) },
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

interface OverviewDocument {
  range: Range;
  generated_at: string;
  buckets: string[];
  series: Awaited<ReturnType<typeof recount>>['series'];
  totals: Record<string, unknown>;
  answer_time_ms: { median: number | null; p95: number | null };
}

describe('the Overview', () => {
  it('counts approvals, verifications, codes sent, callbacks, lockouts and "not me" as the database holds them', async () => {
    // Minute M (T0): requests answered, one reported "not me", one left to expire, one left pending.
    const u1 = await newUser(bank);
    const u2 = await newUser(bank);
    const u3 = await newUser(shop);
    const device1 = await enrolled(bank, u1);
    await enrolled(shop, u3);
    const approved = await approvalRequest(bank, u1);
    const notMe = await approvalRequest(bank, u1);
    const expiring = await approvalRequest(bank, u1, { seconds_to_expire: 60 });
    await approvalRequest(shop, u3);
    clock.advance(1_000);
    await answer(device1, approved, 'approved');
    clock.advance(1_000);
    await answer(device1, notMe, 'denied', 'not_me');
    expect(await receiver.waitFor(2)).toHaveLength(2);

    // TOTP: one right code, then wrong ones up to the lock, then one refused while locked.
    const user2 = await server.app.services.users.find(bank.app, String(u2));
    const seed = await server.app.services.users.seed(user2);
    const verify = (token: string, id: number) =>
      call(server, 'GET', `/protected/json/verify/${token}/${id}`, { key: bank.key });
    expect((await verify(totpCode(seed, stepAt(clock.now()), 7), u2)).status).toBe(200);
    const current = new Set([-1, 0, 1].map((d) => totpCode(seed, stepAt(clock.now()) + d, 7)));
    let wrong = 1_000_000;
    const maxFailures = policyOf(bank.app).maxFailures;
    for (let i = 0; i < maxFailures + 1; i++) {
      while (current.has(String(wrong))) wrong += 1;
      expect((await verify(String(wrong), u2)).status).not.toBe(200);
      wrong += 1;
    }

    // A code by SMS, verified; a code by voice; a phone verification refused once, then accepted.
    const lastCode = async () => {
      const [entry] = (await server.app.services.outbox.list(1)).slice(-1);
      return /(\d{4,})$/.exec(entry?.body ?? '')?.[1] ?? '';
    };
    expect(
      (await call(server, 'GET', `/protected/json/sms/${u1}?force=true`, { key: bank.key })).status,
    ).toBe(200);
    expect((await verify(await lastCode(), u1)).status).toBe(200);
    expect(
      (await call(server, 'GET', `/protected/json/call/${u1}?force=true`, { key: bank.key })).status,
    ).toBe(200);
    const number = 'country_code=1&phone_number=2015550177';
    const started = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key: shop.key,
      json: { via: 'sms', country_code: 1, phone_number: '2015550177', code_length: 6 },
    });
    expect(started.status).toBe(200);
    const code = await lastCode();
    const check = (c: string) =>
      call(server, 'GET', `/protected/json/phones/verification/check?${number}&verification_code=${c}`, {
        key: shop.key,
      });
    expect((await check(code === '000000' ? '111111' : '000000')).status).toBe(401);
    expect((await check(code)).status).toBe(200);

    // Minute M+2: the expiring request is past its time; one more approval, and one whose callback fails.
    clock.advance(2 * MINUTE);
    const read = await call(server, 'GET', `/onetouch/json/approval_requests/${expiring}`, { key: bank.key });
    expect((read.body.approval_request as { status: string }).status).toBe('expired');
    const later = await approvalRequest(bank, u1);
    const u4 = await newUser(flaky);
    const device4 = await enrolled(flaky, u4);
    const failing = await approvalRequest(flaky, u4);
    clock.advance(3_000);
    await answer(device1, later, 'approved');
    // The failing callback last: the clock stays, so its retry never comes due during the test.
    clock.advance(1_000);
    await answer(device4, failing, 'approved');
    // The expiry's callback, the later approval's, and the failing one.
    expect(await receiver.waitFor(5)).toHaveLength(5);
    await until(async () => {
      const rows = await server.db.selectFrom('webhook_attempts').select('event_id').execute();
      return rows.length >= 5;
    });

    const now = clock.now();
    const response = await consoleGet('/console/api/overview?range=hour');
    expect(response.status).toBe(200);
    const overview = response.body as unknown as OverviewDocument;
    const again = await recount('hour', now);
    expect(overview.range).toBe('hour');
    expect(overview.generated_at).toBe(new Date(now).toISOString());
    expect(overview.buckets).toEqual(again.buckets);
    expect(overview.buckets).toHaveLength(60);
    expect(overview.series).toEqual(again.series);
    expect(overview.answer_time_ms).toEqual(again.answerTime);

    // And what was driven, bucket by bucket: minute M is the 58th of the hour, M+2 the last.
    const at = (m: number, n: number) => {
      const values = new Array<number>(60).fill(0);
      values[m] = n;
      return values;
    };
    const both = (a: number, b: number) => at(57, a).map((v, i) => (i === 59 ? b : v));
    expect(overview.series.approvals).toEqual({
      approved: both(1, 2),
      denied: at(57, 1),
      expired: at(57, 1),
      pending: at(57, 1),
    });
    expect(overview.series.totp).toEqual({ accepted: at(57, 1), refused: at(57, maxFailures + 1) });
    expect(overview.series.sms).toEqual({ accepted: at(57, 2), refused: at(57, 1) });
    expect(overview.series.codes_sent).toEqual({ sms: at(57, 2), call: at(57, 1) });
    // Two callbacks delivered in minute M; in M+2 the expiry's and the last approval's, and one failed.
    expect(overview.series.callbacks).toEqual({ delivered: both(2, 2), failed: at(59, 1) });
    expect(overview.series.lockouts).toEqual(at(57, 1));
    expect(overview.series.not_me).toEqual(at(57, 1));
    expect(overview.totals).toEqual({
      approvals: { approved: 3, denied: 1, expired: 1, pending: 1 },
      totp: { accepted: 1, refused: maxFailures + 1 },
      sms: { accepted: 2, refused: 1 },
      codes_sent: { sms: 2, call: 1 },
      callbacks: { delivered: 4, failed: 1 },
      lockouts: 1,
      not_me: 1,
    });
    // Answered after 1, 2, 3 and 4 seconds: nearest rank gives the 2nd and the 4th.
    expect(overview.answer_time_ms).toEqual({ median: 2_000, p95: 4_000 });

    // The day and the week hold the same traffic, in hourly and daily buckets.
    for (const range of ['day', 'week'] as const) {
      const wide = (await consoleGet(`/console/api/overview?range=${range}`, viewer))
        .body as unknown as OverviewDocument;
      const recounted = await recount(range, now);
      expect(wide.buckets).toEqual(recounted.buckets);
      expect(wide.buckets).toHaveLength(CUTS[range].count);
      expect(wide.series).toEqual(recounted.series);
      expect(wide.totals).toEqual(overview.totals);
      expect(wide.answer_time_ms).toEqual(overview.answer_time_ms);
      expect(sum(wide.series.approvals.approved)).toBe(3);
    }
  });

  it('50 concurrent verifies of one TOTP code count one acceptance and 49 refusals, and lock no one', async () => {
    const totals = async () =>
      ((await consoleGet('/console/api/overview?range=hour')).body as unknown as OverviewDocument).totals as {
        totp: { accepted: number; refused: number };
        lockouts: number;
      };
    const before = await totals();
    const u = await newUser(bank);
    const seed = await server.app.services.users.seed(
      await server.app.services.users.find(bank.app, String(u)),
    );
    const code = totpCode(seed, stepAt(clock.now()), 7);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(server, 'GET', `/protected/json/verify/${code}/${u}`, { key: bank.key }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const after = await totals();
    expect(after.totp.accepted - before.totp.accepted).toBe(1);
    expect(after.totp.refused - before.totp.refused).toBe(49);
    expect(after.lockouts).toBe(before.lockouts);
  });

  it('is refused without a session, and for a range it does not know', async () => {
    const anonymous = await call(server, 'GET', '/console/api/overview?range=hour');
    expect(anonymous.status).toBe(401);
    const unknown = await consoleGet('/console/api/overview?range=year');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_code).toBe('60004');
    const extra = await consoleGet('/console/api/overview?range=hour&app_id=1');
    expect(extra.status).toBe(400);
  });
});

interface RequestDocument {
  uuid: string;
  app_id: number;
  authy_id: number;
  message: string;
  details: Record<string, string>;
  status: string;
  reason: string | null;
  receipt: string | null;
  created_at: string;
  answered_at: string | null;
  device_id: string | null;
}

describe('the requests list and detail', () => {
  it('lists newest first, filtered by app, user, status and time, within its limit', async () => {
    const u = await newUser(shop);
    const device = await enrolled(shop, u);
    clock.advance(MINUTE);
    const first = await approvalRequest(shop, u);
    clock.advance(1_000);
    const second = await approvalRequest(shop, u);
    clock.advance(1_000);
    await answer(device, second, 'approved');
    const list = async (query: string) => {
      const response = await consoleGet(`/console/api/requests?${query}`, viewer);
      expect(response.status).toBe(200);
      return (response.body.requests as RequestDocument[]).map((r) => r.uuid);
    };
    expect(await list(`app_id=${shop.id}&user_id=${u}`)).toEqual([second, first]);
    expect(await list(`app_id=${shop.id}&user_id=${u}&status=approved`)).toEqual([second]);
    expect(await list(`app_id=${shop.id}&user_id=${u}&status=pending`)).toEqual([first]);
    expect(await list(`app_id=${shop.id}&user_id=${u}&limit=1`)).toEqual([second]);
    const secondAt = new Date(clock.now() - 1_000).toISOString();
    expect(await list(`user_id=${u}&since=${encodeURIComponent(secondAt)}`)).toEqual([second]);
    expect(await list(`user_id=${u}&until=${encodeURIComponent(secondAt)}`)).toEqual([first]);
    expect(await list(`app_id=${bank.id}&user_id=${u}`)).toEqual([]);
    const all = (await consoleGet('/console/api/requests?limit=500')).body.requests as RequestDocument[];
    const times = all.map((r) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('refuses parameters it does not know or cannot read (400 / 60004), and callers without a session', async () => {
    for (const query of [
      'status=done',
      'limit=0',
      'limit=501',
      'app_id=abc',
      'user_id=-1',
      'since=yesterday',
      'until=2026-13-45T00:00:00Z',
      'since=2026-11-26T12:00:00Z&until=2026-11-26T11:00:00Z',
      'sort=asc',
      'status=pending&status=approved',
    ]) {
      const response = await consoleGet(`/console/api/requests?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error_code, query).toBe('60004');
    }
    expect((await call(server, 'GET', '/console/api/requests')).status).toBe(401);
    expect((await call(server, 'GET', `/console/api/requests/${crypto.randomUUID()}`)).status).toBe(401);
  });

  it('shows a request as shown and answered, with its receipt, never its hidden details, as the CLI prints it', async () => {
    const u = await newUser(shop);
    const device = await enrolled(shop, u);
    const uuid = await approvalRequest(shop, u);
    await answer(device, uuid, 'denied');
    const response = await consoleGet(`/console/api/requests/${uuid.toUpperCase()}`, viewer);
    expect(response.status).toBe(200);
    const shown = response.body.request as RequestDocument;
    expect(shown).toMatchObject({
      uuid,
      app_id: shop.id,
      authy_id: u,
      message: 'Pay Bob',
      details: { Amount: '$5' },
      status: 'denied',
      reason: 'denied',
      device_id: device.id,
      answered_at: new Date(clock.now()).toISOString(),
    });
    expect(shown.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(response.text).not.toContain('HIDDEN');
    expect(response.text).not.toContain('hidden_details');
    const cli = await runCli(['requests', 'show', uuid, '--json'], {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(shown);
    const missing = await consoleGet(`/console/api/requests/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('60049');
    expect((await consoleGet('/console/api/requests/not-a-uuid')).status).toBe(404);
  });
});

describe('the requests feed', () => {
  it('streams a request when it is created and again when it is approved, to a viewer', async () => {
    const u = await newUser(bank);
    const device = await enrolled(bank, u);
    const feed = await openStream(server.url, `/console/api/requests/feed?user_id=${u}`, viewer);
    try {
      expect(feed.status).toBe(200);
      expect(feed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const uuid = await approvalRequest(bank, u);
      const created = await feed.next((e) => e.event === 'request');
      expect(JSON.parse(created.data)).toMatchObject({ uuid, status: 'pending', receipt: null, authy_id: u });
      await answer(device, uuid, 'approved');
      const approved = await feed.next(
        (e) => e.event === 'request' && JSON.parse(e.data).status === 'approved',
      );
      const document = JSON.parse(approved.data) as RequestDocument;
      expect(document.uuid).toBe(uuid);
      expect(document.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(approved.data).not.toContain('HIDDEN');
      // The document is the list's and the detail's.
      expect(document).toEqual((await consoleGet(`/console/api/requests/${uuid}`)).body.request);
      expect(feed.events.map((e) => JSON.parse(e.data).status)).toEqual(['pending', 'approved']);
    } finally {
      feed.close();
    }
  });

  it('sends only what its filters let through: app, user and status', async () => {
    const inBank = await newUser(bank);
    const inShop = await newUser(shop);
    const shopDevice = await enrolled(shop, inShop);
    const byApp = await openStream(server.url, `/console/api/requests/feed?app_id=${shop.id}`, admin);
    const byStatus = await openStream(
      server.url,
      `/console/api/requests/feed?user_id=${inShop}&status=approved`,
      admin,
    );
    try {
      // Events leave each feed in the order they are heard: the bank's, had it passed, would come first.
      await approvalRequest(bank, inBank);
      const shopRequest = await approvalRequest(shop, inShop);
      const first = await byApp.next((e) => e.event === 'request');
      expect(JSON.parse(first.data)).toMatchObject({ uuid: shopRequest, app_id: shop.id, status: 'pending' });
      await answer(shopDevice, shopRequest, 'approved');
      const only = await byStatus.next((e) => e.event === 'request');
      expect(JSON.parse(only.data)).toMatchObject({ uuid: shopRequest, status: 'approved' });
      await byApp.next((e) => e.event === 'request' && JSON.parse(e.data).status === 'approved');
      expect(byApp.events.map((e) => JSON.parse(e.data).app_id)).toEqual([shop.id, shop.id]);
      expect(byStatus.events).toHaveLength(1);
    } finally {
      byApp.close();
      byStatus.close();
    }
  });

  it('is refused without a session (401) and for filters it cannot read (400)', async () => {
    const anonymous = await openStream(server.url, '/console/api/requests/feed', {});
    expect(anonymous.status).toBe(401);
    await anonymous.ended;
    expect(JSON.parse(anonymous.text()).error_code).toBe('60040');
    const bad = await openStream(server.url, '/console/api/requests/feed?status=maybe', admin);
    expect(bad.status).toBe(400);
    await bad.ended;
  });

  it('counts as an event stream: past the streams budget a new feed is answered 429', async () => {
    const small = await startTestServer({ env: { COUNTERSIGN_MAX_STREAMS: '1' } });
    try {
      const headers = (await signedInOperator(small, 'viewer')).headers;
      const held = await openStream(small.url, '/console/api/requests/feed', headers);
      expect(held.status).toBe(200);
      const refused = await openStream(small.url, '/console/api/requests/feed', headers);
      expect(refused.status).toBe(429);
      await refused.ended;
      held.close();
      await held.ended;
      // The budget comes back once the held feed's connection is gone.
      let again: Awaited<ReturnType<typeof openStream>> | undefined;
      await until(async () => {
        again?.close();
        again = await openStream(small.url, '/console/api/requests/feed', headers);
        return again.status === 200;
      });
      expect(again?.status).toBe(200);
      again?.close();
    } finally {
      await small.close();
    }
  });

  it('ends when the server shuts down, without holding the shutdown', async () => {
    const other = await startTestServer();
    const headers = (await signedInOperator(other, 'viewer')).headers;
    const feed = await openStream(other.url, '/console/api/requests/feed', headers);
    expect(feed.status).toBe(200);
    let closed = false;
    const closing = other.close().then(() => {
      closed = true;
    });
    await feed.ended;
    await until(() => closed);
    expect(closed).toBe(true);
    await closing;
  });

  it('ends when the session would end for lack of activity: holding the feed is no activity', async () => {
    const manual = testClock(Date.now(), { timers: 'manual' });
    const other = await startTestServer({ clock: manual });
    try {
      const headers = (await signedInOperator(other, 'viewer')).headers;
      // Twenty minutes after the last request the feed opens: it must not push the idle end further.
      manual.advance(20 * MINUTE);
      const feed = await openStream(other.url, '/console/api/requests/feed', headers);
      expect(feed.status).toBe(200);
      expect(manual.scheduled()).toBeGreaterThan(0);
      manual.advance(9 * MINUTE);
      expect(feed.events).toEqual([]);
      // Thirty minutes and a second after the sign-in: the session is over, and so is the feed.
      manual.advance(MINUTE + 1_000);
      await feed.ended;
      const after = await openStream(other.url, '/console/api/requests/feed', headers);
      expect(after.status).toBe(401);
      await after.ended;
      expect(JSON.parse(after.text()).error_code).toBe('60040');
    } finally {
      await other.close();
    }
  });

  it('ends within one heartbeat of a sign-out, with a comment every 15 seconds until then', async () => {
    const manual = testClock(Date.now(), { timers: 'manual' });
    const other = await startTestServer({ clock: manual });
    try {
      const headers = (await signedInOperator(other, 'viewer')).headers;
      const feed = await openStream(other.url, '/console/api/requests/feed', headers);
      expect(feed.status).toBe(200);
      await until(() => manual.scheduled() > 0);
      manual.advance(15_000);
      await until(() => feed.comments.includes('keep-alive'));
      expect(feed.comments).toEqual(['feed', 'keep-alive']);
      const signedOut = await call(other, 'POST', '/console/api/sign-out', { headers });
      expect(signedOut.status).toBe(204);
      manual.advance(15_000);
      await feed.ended;
      expect(feed.comments).toEqual(['feed', 'keep-alive', 'keep-alive']);
    } finally {
      await other.close();
    }
  });
});
