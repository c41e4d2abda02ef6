/**
 * Retention (issue 21, item 4): finished requests, outbox messages, settled callbacks and security events
 * past their age are deleted in small batches, by two instances at once while requests are being created;
 * younger rows, pending requests and pending callbacks stay. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import type { PruneResult } from '../../src/retention/pruner.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const DAY = 86_400_000;
const NOW = Date.now();
/**
 * Past the day the test keeps everything for, and within the three days a callback is retried: the failing
 * app's callbacks are still pending when the old rows around them go.
 */
const OLD = NOW - 2 * DAY;
/** Within the day kept. */
const YOUNG = NOW - DAY / 2;
const RETAIN = {
  COUNTERSIGN_RETAIN_REQUESTS_DAYS: '1',
  COUNTERSIGN_RETAIN_OUTBOX_DAYS: '1',
  COUNTERSIGN_RETAIN_CALLBACKS_DAYS: '1',
  COUNTERSIGN_RETAIN_SECURITY_EVENTS_DAYS: '1',
};

describe('retention settings (loadConfig)', () => {
  const env = { COUNTERSIGN_MASTER_KEY: 'a'.repeat(64), DATABASE_URL: 'sqlite:/tmp/unused.db' };

  it('keep 90 days of each kind unless told, and 0 keeps forever', () => {
    expect(loadConfig(env).retention).toEqual({
      requests: 90,
      outbox: 90,
      callbacks: 90,
      securityEvents: 90,
    });
    expect(
      loadConfig({ ...env, COUNTERSIGN_RETAIN_OUTBOX_DAYS: '0', COUNTERSIGN_RETAIN_CALLBACKS_DAYS: '7' })
        .retention,
    ).toEqual({ requests: 90, outbox: 0, callbacks: 7, securityEvents: 90 });
  });

  it.each([
    ['COUNTERSIGN_RETAIN_REQUESTS_DAYS', '-1', 'must be a whole number, got "-1"'],
    ['COUNTERSIGN_RETAIN_OUTBOX_DAYS', '1.5', 'must be a whole number, got "1.5"'],
    ['COUNTERSIGN_RETAIN_CALLBACKS_DAYS', 'forever', 'must be a whole number, got "forever"'],
    ['COUNTERSIGN_RETAIN_SECURITY_EVENTS_DAYS', '36501', 'must be between 0 and 36500, got 36501'],
  ])('refuse %s=%s', (name, value, message) => {
    expect(() => loadConfig({ ...env, [name]: value })).toThrow(new ConfigError(`${name} ${message}`));
  });
});

describe('pruning rows past their retention', () => {
  let database: TestDatabase;
  let clock: TestClock;
  let one: TestServer;
  let two: TestServer;
  let ok: { id: number; apiKey: string };
  let failing: { id: number; apiKey: string };
  const users: number[] = [];
  /** What was planted, by age: uuids, outbox ids and security event ids. */
  const planted = {
    oldFinished: [] as string[],
    oldWithPendingCallback: [] as string[],
    oldPending: [] as string[],
    young: [] as string[],
    during: [] as string[],
  };

  async function register(app: { apiKey: string }, n: number): Promise<number> {
    const response = await call(one, 'POST', '/protected/json/users/new', {
      key: app.apiKey,
      json: { user: { email: `payer${n}@example.com`, cellphone: `509-555-${1000 + n}`, country_code: 1 } },
    });
    expect(response.status, response.text).toBe(200);
    return (response.body.user as { id: number }).id;
  }

  async function request(
    server: TestServer,
    app: { apiKey: string },
    userId: number,
    seconds: number,
  ): Promise<string> {
    const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Transfer $500', details: { To: 'Bob' }, seconds_to_expire: seconds },
    });
    expect(response.status, response.text).toBe(200);
    return (response.body.approval_request as { uuid: string }).uuid;
  }

  /** At `at`: requests that expire (each with its callback, delivered or failing), an outbox message, an event. */
  async function plantAt(at: number, into: string[], withFailing: boolean, messages: number): Promise<void> {
    clock.set(at);
    for (const userId of users.slice(0, 4)) into.push(await request(one, ok, userId, 60));
    if (withFailing)
      for (let i = 0; i < 3; i++)
        planted.oldWithPendingCallback.push(await request(one, failing, users[4] as number, 60));
    // Many of the old kind, so that the pruners' batches of two go on while requests are being created.
    for (let i = 0; i < messages; i++) {
      await one.app.services.outbox.insert({
        appId: ok.id,
        channel: 'sms',
        to: '+15095550100',
        body: `Your code is ${i}`,
        createdAt: at,
      });
      await one.app.services.securityEvents.record({
        id: `event-${at}-${i}`,
        type: 'user.locked',
        appId: ok.id,
        userId: users[0] as number,
        deviceId: null,
        detail: { failures: 6 },
        now: at,
      });
    }
    // A minute later they expire, and their callbacks go: the failing app's are retried, so stay pending.
    clock.set(at + 2 * 60_000);
    await one.app.services.approvals.expireDue();
    await one.app.webhooks.drain();
    // Either instance's worker may have claimed one of them first: wait for its delivery to end.
    for (let tries = 0; tries < 500; tries++) {
      const due = await one.db
        .selectFrom('webhook_events')
        .select('id')
        .where('app_id', '=', ok.id)
        .where('state', '=', 'pending')
        .execute();
      if (due.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the callbacks planted were not delivered');
  }

  const count = async (table: 'approval_requests' | 'outbox' | 'security_events' | 'webhook_attempts') =>
    Number(
      (
        await one.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    clock = testClock(OLD);
    const options = {
      database,
      clock,
      env: RETAIN,
      // The test runs the pruner itself; no sweeper expires what it left pending.
      pruneEveryMs: 0,
      expirySweepMs: 0,
      // The failing app's receiver asks to be tried again in a day (the longest wait it may ask for).
      callbackSender: async ({ url }: { url: string }) =>
        url.endsWith('/fail') ? { status: 503, retryAfter: '86400' } : { status: 204, retryAfter: undefined },
    };
    one = await startTestServer(options);
    two = await startTestServer(options);
    ok = await one.createApp({
      name: 'Kept Bank',
      callbackUrl: 'https://hooks.example.com/ok',
      callbackExpired: true,
    });
    failing = await one.createApp({
      name: 'Down Bank',
      callbackUrl: 'https://hooks.example.com/fail',
      callbackExpired: true,
    });
    for (let n = 0; n < 5; n++) users.push(await register(n === 4 ? failing : ok, n));
    users.push(await register(ok, 5));
    await plantAt(OLD, planted.oldFinished, true, 30);
    // Never expires (compat): pending for good, however old.
    clock.set(OLD);
    planted.oldPending.push(await request(one, ok, users[5] as number, 0));
    await plantAt(YOUNG, planted.young, false, 1);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  it('the rows planted are as the test says before anything is pruned', async () => {
    const states = await one.db
      .selectFrom('webhook_events')
      .select(['uuid', 'state'])
      .orderBy('uuid')
      .execute();
    const stateOf = new Map(states.map((s) => [s.uuid, s.state]));
    for (const uuid of [...planted.oldFinished, ...planted.young])
      expect(stateOf.get(uuid)).toBe('delivered');
    for (const uuid of planted.oldWithPendingCallback) expect(stateOf.get(uuid)).toBe('pending');
    expect(states).toHaveLength(4 + 3 + 4);
    expect(await count('approval_requests')).toBe(4 + 3 + 1 + 4);
    expect(await count('webhook_attempts')).toBeGreaterThanOrEqual(4 + 3 + 4);
  });

  it('a dry run counts what would go and deletes nothing', async () => {
    clock.set(NOW);
    const dry = await one.app.services.pruner.run({ dryRun: true });
    expect(dry.map((r) => [r.kind, r.rows])).toEqual([
      ['requests', 4],
      ['outbox', 30],
      ['callbacks', 4],
      ['security_events', 30],
    ]);
    expect(await count('approval_requests')).toBe(12);
  });

  it('two instances prune in batches of two while requests are created: old rows go once, young ones and pending ones stay', async () => {
    clock.set(NOW);
    const creating = (async () => {
      for (let round = 0; round < 5; round++) {
        for (const userId of users.slice(0, 4)) {
          planted.during.push(await request(round % 2 === 0 ? one : two, ok, userId, 600));
        }
      }
    })();
    const [first, second] = await Promise.all([
      one.app.services.pruner.run({ batchSize: 2 }),
      two.app.services.pruner.run({ batchSize: 2 }),
      creating,
    ]);
    const total = (kind: string) =>
      [...(first as PruneResult[]), ...(second as PruneResult[])]
        .filter((r) => r.kind === kind)
        .reduce((sum, r) => sum + r.rows, 0);
    // Disjoint batches: every old row deleted exactly once between the two instances.
    expect(total('requests')).toBe(4);
    expect(total('outbox')).toBe(30);
    expect(total('callbacks')).toBe(4);
    expect(total('security_events')).toBe(30);

    const left = (await one.db.selectFrom('approval_requests').select(['uuid', 'status']).execute()).map(
      (r) => r.uuid,
    );
    expect(left.sort()).toEqual(
      [...planted.oldWithPendingCallback, ...planted.oldPending, ...planted.young, ...planted.during].sort(),
    );
    expect(planted.during).toHaveLength(20);
    const events = await one.db
      .selectFrom('webhook_events')
      .select(['uuid', 'state'])
      .orderBy('uuid')
      .execute();
    expect(events.map((e) => e.uuid).sort()).toEqual(
      [...planted.oldWithPendingCallback, ...planted.young].sort(),
    );
    // The delivered old events' attempts went with them; the failing app's stay with their pending events.
    const attempts = await one.db.selectFrom('webhook_attempts').select('event_id').execute();
    const eventIds = new Set(
      (await one.db.selectFrom('webhook_events').select('id').execute()).map((e) => e.id),
    );
    expect(attempts.filter((a) => !eventIds.has(a.event_id))).toEqual([]);
    expect(attempts.length).toBeGreaterThanOrEqual(3 + 4);
    const outbox = await one.db.selectFrom('outbox').select('created_at').execute();
    expect(outbox.map((r) => Number(r.created_at))).toEqual([YOUNG]);
    const securityEvents = await one.db.selectFrom('security_events').select('id').execute();
    expect(securityEvents.map((r) => r.id)).toEqual([`event-${YOUNG}-0`]);

    // Nothing is left past its age: a second run finds nothing.
    const again = await one.app.services.pruner.run();
    expect(again.map((r) => [r.kind, r.rows, r.complete])).toEqual([
      ['requests', 0, true],
      ['outbox', 0, true],
      ['callbacks', 0, true],
      ['security_events', 0, true],
    ]);
  });

  it('a pending callback whose event is old is never pruned, and its request stays until it settles', async () => {
    // The failing app's events are still pending two days later: retried, not pruned.
    const pending = await one.db
      .selectFrom('webhook_events')
      .select(['uuid', 'state', 'created_at'])
      .where('state', '=', 'pending')
      .execute();
    expect(pending).toHaveLength(3);
    for (const event of pending) expect(Number(event.created_at)).toBeLessThan(NOW - DAY);
    // Once they settle (failed for good), the next run takes them and their requests.
    for (const event of await one.app.services.webhookEvents.list({ appId: failing.id, limit: 10 }))
      await one.app.services.webhookEvents.settle(event.id, {
        state: 'failed',
        attempts: event.attempts,
        nextAttemptAt: event.nextAttemptAt,
        lastStatus: 500,
        lastError: null,
        now: NOW,
      });
    const results = await two.app.services.pruner.run();
    expect(results.map((r) => [r.kind, r.rows])).toEqual([
      ['requests', 3],
      ['outbox', 0],
      ['callbacks', 3],
      ['security_events', 0],
    ]);
    expect(await count('approval_requests')).toBe(1 + 4 + 20);
  });
});

describe('the background pruner', () => {
  it('every instance prunes on its own, a little at a time: the old event goes, the young one stays', async () => {
    const server = await startTestServer({
      pruneEveryMs: 20,
      env: { COUNTERSIGN_RETAIN_SECURITY_EVENTS_DAYS: '7' },
    });
    try {
      for (const [id, at] of [
        ['old', NOW - 8 * DAY],
        ['young', NOW - 6 * DAY],
      ] as const)
        await server.app.services.securityEvents.record({
          id,
          type: 'user.locked',
          appId: null,
          userId: null,
          deviceId: null,
          detail: {},
          now: at,
        });
      const ids = async () =>
        (await server.db.selectFrom('security_events').select('id').orderBy('id').execute()).map((r) => r.id);
      for (let tries = 0; tries < 500 && (await ids()).includes('old'); tries++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await ids()).toEqual(['young']);
      expect(server.logs.some((line) => line.includes('pruned rows past their retention'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('countersign prune', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ pruneEveryMs: 0, env: { COUNTERSIGN_RETAIN_OUTBOX_DAYS: '0' } });
    env = {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: server.config.masterKey.toString('hex'),
      COUNTERSIGN_RETAIN_OUTBOX_DAYS: '0',
      COUNTERSIGN_RETAIN_SECURITY_EVENTS_DAYS: '30',
    };
    for (const [id, at] of [
      ['old-event', NOW - 31 * DAY],
      ['young-event', NOW - 29 * DAY],
    ] as const) {
      await server.app.services.securityEvents.record({
        id,
        type: 'user.locked',
        appId: null,
        userId: null,
        deviceId: null,
        detail: {},
        now: at,
      });
    }
    await server.app.services.outbox.insert({
      appId: null,
      channel: 'sms',
      to: '+15095550100',
      body: 'kept forever',
      createdAt: NOW - 400 * DAY,
    });
  });
  afterAll(() => server?.close());

  it('--dry-run --json counts per kind with its age, and deletes nothing', async () => {
    const result = await runCli(['prune', '--dry-run', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as {
      dry_run: boolean;
      retention: Array<{ kind: string; days: number; before: string | null; rows: number }>;
    };
    expect(document.dry_run).toBe(true);
    expect(document.retention.map((r) => [r.kind, r.days, r.rows, r.before === null])).toEqual([
      ['requests', 90, 0, false],
      ['outbox', 0, 0, true],
      ['callbacks', 90, 0, false],
      ['security_events', 30, 1, false],
    ]);
    expect(
      (await server.db.selectFrom('security_events').select('id').orderBy('id').execute()).map((r) => r.id),
    ).toEqual(['old-event', 'young-event']);
  });

  it('deletes what is past its age, keeps what 0 keeps forever, and audits the counts', async () => {
    const result = await runCli(['prune'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^requests: 0 deleted, written before \S+ \(90 days\)\noutbox: kept forever\ncallbacks: 0 deleted, written before \S+ \(90 days\)\nsecurity events: 1 deleted, written before \S+ \(30 days\)\n$/,
    );
    expect((await server.db.selectFrom('security_events').select('id').execute()).map((r) => r.id)).toEqual([
      'young-event',
    ]);
    expect(await server.db.selectFrom('outbox').select('recipient').execute()).toHaveLength(1);
    const audited = await server.db
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('action', '=', 'retention.prune')
      .execute();
    expect(audited.map((a) => [a.action, JSON.parse(a.after as string)])).toEqual([
      ['retention.prune', { requests: 0, outbox: 0, callbacks: 0, security_events: 1 }],
    ]);
  });

  it('refuses a bad retention setting before touching the store', async () => {
    const result = await runCli(['prune'], { ...env, COUNTERSIGN_RETAIN_REQUESTS_DAYS: 'ninety' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'countersign: COUNTERSIGN_RETAIN_REQUESTS_DAYS must be a whole number, got "ninety"\n',
    );
  });
});
