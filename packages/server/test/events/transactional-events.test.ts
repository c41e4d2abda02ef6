// A change and its events commit together (house rule 4; docs/architecture.md, "Growing past one machine"):
// the bus delivers the events of a transaction only once it has committed, and never those of one that
// rolled back. Runs with the in-process bus on SQLite and with the LISTEN/NOTIFY bus on PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import {
  type BusEvent,
  createMemoryEventBus,
  type EventBus,
  type Publication,
} from '../../src/events/event-bus.js';
import { createPostgresEventBus, type PostgresEventBus } from '../../src/events/postgres-event-bus.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';

const silent = { info: () => undefined, warn: () => undefined };

/** The topics of this test and their events. */
type TestEvents = {
  test: { type: 'changed'; key: string } | { type: 'later' };
  local: { type: 'hand-off' };
  one: { type: 'changed'; key: string };
  two: { type: 'nothing' } | { type: 'failed' } | { type: 'later' };
};

describe('events of a transaction', () => {
  let database: TestDatabase;
  let opened: Store;
  let db: Kysely<Database>;
  /** The store, announcing its changes on `bus`. */
  let store: Store<Publication<TestEvents>>;
  let bus: EventBus<TestEvents>;
  /** On PostgreSQL, a second instance's bus on the same database; on SQLite, the same bus. */
  let other: EventBus<TestEvents>;
  let closeBus: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = openDatabase(database.url);
    db = opened.db;
    await migrateToLatest(opened);
    if (TEST_DIALECT === 'postgres') {
      const postgres: PostgresEventBus<TestEvents> = createPostgresEventBus<TestEvents>({
        url: database.url,
        instanceId: randomUUID(),
        log: silent,
      });
      const second = createPostgresEventBus<TestEvents>({
        url: database.url,
        instanceId: randomUUID(),
        log: silent,
      });
      await Promise.all([postgres.ready, second.ready]);
      bus = postgres;
      other = second;
      closeBus = async () => {
        await Promise.all([postgres.close(), second.close()]);
      };
    } else {
      bus = createMemoryEventBus<TestEvents>();
      other = bus;
    }
    store = opened.announcing(bus.announcer);
  });
  afterAll(async () => {
    await closeBus();
    await opened?.destroy();
    await database?.drop();
  });

  const meta = (key: string) =>
    db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();

  it('are delivered once the transaction committed, and the change is visible to the listener then', async () => {
    const seen: Array<{ event: BusEvent; stored: string | undefined }> = [];
    const key = `committed-${randomUUID()}`;
    const stop = bus.subscribe('test', (event) => {
      void meta(key).then((row) => seen.push({ event, stored: row?.value }));
    });
    const value = await store.change(async (tx) => {
      await tx.insertInto('meta').values({ key, value: 'written' }).execute();
      expect(seen).toEqual([]);
      return { value: 42, events: [{ topic: 'test', event: { type: 'changed', key } }] };
    });
    expect(value).toBe(42);
    await expect.poll(() => seen).toEqual([{ event: { type: 'changed', key }, stored: 'written' }]);
    stop();
  });

  it('are never delivered when the transaction rolls back', async () => {
    const seen: BusEvent[] = [];
    const stop = bus.subscribe('test', (event) => seen.push(event));
    const key = `rolled-back-${randomUUID()}`;
    await expect(
      store.change(async (tx) => {
        await tx.insertInto('meta').values({ key, value: 'never' }).execute();
        // Fails after the events are known: the insert and the events go together.
        await tx.insertInto('meta').values({ key, value: 'duplicate' }).execute();
        return { value: undefined, events: [{ topic: 'test', event: { type: 'changed', key } }] };
      }),
    ).rejects.toThrow();
    // A later event on the same topic arrives: the earlier one would have arrived before it.
    await store.change(async () => ({
      value: undefined,
      events: [{ topic: 'test', event: { type: 'later' } }],
    }));
    await expect.poll(() => seen).toEqual([{ type: 'later' }]);
    expect(await meta(key)).toBeUndefined();
    stop();
  });

  it('publish() reaches this process only, at once', () => {
    const seen: BusEvent[] = [];
    const stop = bus.subscribe('local', (event) => seen.push(event));
    bus.publish('local', { type: 'hand-off' });
    expect(seen).toEqual([{ type: 'hand-off' }]);
    stop();
  });

  describe('of a single statement', () => {
    const insertMeta = (key: string, value: string) =>
      db.insertInto('meta').values({ key, value }).returning('key').compile();
    /** Inserts unless the key exists: no error, and no row returned, when it does. */
    const insertNew = (key: string, value: string) =>
      db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .compile();

    it('are delivered, here and to the other instances, when it returned its row, which it hands back', async () => {
      const key = `statement-${randomUUID()}`;
      const here: BusEvent[] = [];
      const there: BusEvent[] = [];
      const stops = [bus.subscribe('one', (e) => here.push(e)), other.subscribe('one', (e) => there.push(e))];
      const rows = await store.changeOne(insertMeta(key, 'written'), [
        { topic: 'one', event: { type: 'changed', key } },
      ]);
      expect(rows).toEqual([{ key }]);
      expect(here).toEqual([{ type: 'changed', key }]);
      await expect.poll(() => there).toEqual([{ type: 'changed', key }]);
      expect((await meta(key))?.value).toBe('written');
      for (const stop of stops) stop();
    });

    it('are never delivered when it changed nothing or failed', async () => {
      const key = `statement-${randomUUID()}`;
      await store.changeOne(insertMeta(key, 'first'), []);
      const here: BusEvent[] = [];
      const there: BusEvent[] = [];
      const stops = [bus.subscribe('two', (e) => here.push(e)), other.subscribe('two', (e) => there.push(e))];
      const unchanged = await store.changeOne(insertNew(key, 'second'), [
        { topic: 'two', event: { type: 'nothing' } },
      ]);
      expect(unchanged).toEqual([]);
      await expect(
        store.changeOne(insertMeta(key, 'duplicate'), [{ topic: 'two', event: { type: 'failed' } }]),
      ).rejects.toThrow();
      // A later event on the same topic arrives everywhere: the earlier ones would have arrived before it.
      await store.changeOne(insertMeta(`${key}-later`, 'later'), [
        { topic: 'two', event: { type: 'later' } },
      ]);
      await expect.poll(() => there).toEqual([{ type: 'later' }]);
      expect(here).toEqual([{ type: 'later' }]);
      expect((await meta(key))?.value).toBe('first');
      for (const stop of stops) stop();
    });
  });
});
