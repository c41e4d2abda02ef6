// The LISTEN/NOTIFY bus between instances (docs/architecture.md, "Growing past one machine"): events of a
// transaction reach the other instances after the commit, each once; ids only (NOTIFY's 8000-byte limit);
// and the listening connection comes back by itself when it is cut, telling subscribers to look again.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { BusEvent } from '../../src/events/event-bus.js';
import {
  createPostgresEventBus,
  EVENTS_CHANNEL,
  type PostgresEventBus,
  RESYNC_EVENT,
} from '../../src/events/postgres-event-bus.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { eventually, sleep } from './cluster.js';

const silent = { info: () => undefined, warn: () => undefined };

/** The topics of this test and their events. */
type TestEvents = {
  t1: { type: 'status'; uuid: string };
  t2: { type: 'big'; data: string };
  t3: { type: 'after' };
};

describe('the PostgreSQL event bus', () => {
  let database: TestDatabase;
  let store: Store;
  let first: PostgresEventBus<TestEvents>;
  let second: PostgresEventBus<TestEvents>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    store = openDatabase(database.url);
    await migrateToLatest(store);
    const bus = () =>
      createPostgresEventBus<TestEvents>({
        url: database.url,
        instanceId: randomUUID(),
        log: silent,
        retryMs: { first: 50, max: 200 },
      });
    first = bus();
    second = bus();
    await Promise.all([first.ready, second.ready]);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await store?.destroy();
    await database?.drop();
  });

  it('delivers the events of a transaction to every instance once, and only after the commit', async () => {
    const here: BusEvent[] = [];
    const there: BusEvent[] = [];
    const stops = [first.subscribe('t1', (e) => here.push(e)), second.subscribe('t1', (e) => there.push(e))];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const committing = store.announcing(first.announcer).change(async () => {
      await held;
      return { value: undefined, events: [{ topic: 't1', event: { type: 'status', uuid: 'u-1' } }] };
    });
    await sleep(200);
    expect([here, there]).toEqual([[], []]);
    release();
    await committing;
    expect(here).toEqual([{ type: 'status', uuid: 'u-1' }]);
    await expect.poll(() => there).toEqual([{ type: 'status', uuid: 'u-1' }]);
    // This instance heard its own NOTIFY too, and did not deliver it a second time.
    await sleep(200);
    expect(here).toHaveLength(1);
    for (const stop of stops) stop();
  });

  it('refuses an event too large for NOTIFY, and the change with it', async () => {
    const key = `large-${randomUUID()}`;
    await expect(
      store.announcing(first.announcer).change(async (tx) => {
        await tx.insertInto('meta').values({ key, value: 'x' }).execute();
        return {
          value: undefined,
          events: [{ topic: 't2', event: { type: 'big', data: 'x'.repeat(8_000) } }],
        };
      }),
    ).rejects.toThrow(TypeError);
    expect(
      await store.db.selectFrom('meta').select('key').where('key', '=', key).executeTakeFirst(),
    ).toBeUndefined();
  });

  it('listens again by itself when its connection is cut, and tells its subscribers to look again', async () => {
    const seen: BusEvent[] = [];
    const stop = second.subscribe('t3', (e) => seen.push(e));
    const admin = openDatabase(database.url);
    try {
      // Cut every connection listening on the channel: the second bus's (and the first's).
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = ${`LISTEN ${EVENTS_CHANNEL}`}`.execute(admin.db);
    } finally {
      await admin.destroy();
    }
    expect(await eventually(() => second.reconnects() >= 1 && second.listening(), 10_000)).toBe(true);
    expect(seen).toContainEqual(RESYNC_EVENT);
    expect(await eventually(() => first.listening(), 10_000)).toBe(true);
    await store.announcing(first.announcer).change(async () => ({
      value: undefined,
      events: [{ topic: 't3', event: { type: 'after' } }],
    }));
    await expect.poll(() => seen).toContainEqual({ type: 'after' });
    stop();
  });
});
