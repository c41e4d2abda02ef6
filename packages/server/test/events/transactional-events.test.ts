// A change and its events commit together (STYLE 4, DESIGN "Growing past one machine"): the bus delivers
// the events of a transaction only once it has committed, and never those of one that rolled back. Runs
// with the in-process bus on SQLite and with the LISTEN/NOTIFY bus on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import { dialectOf } from '../../src/db/dialect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { type BusEvent, createMemoryEventBus, type EventBus } from '../../src/events/event-bus.js';
import { createPostgresEventBus, type PostgresEventBus } from '../../src/events/postgres-event-bus.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const silent = { info: () => undefined, warn: () => undefined };

describe('events of a transaction', () => {
  let database: TestDatabase;
  let db: Store;
  let bus: EventBus;
  let closeBus: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = openDatabase(database.url);
    await migrateToLatest(db);
    if (dialectOf(db) === 'postgres') {
      const postgres: PostgresEventBus = createPostgresEventBus({
        url: database.url,
        instanceId: randomUUID(),
        log: silent,
      });
      await postgres.ready;
      bus = postgres;
      closeBus = () => postgres.close();
    } else {
      bus = createMemoryEventBus();
    }
  });
  afterAll(async () => {
    await closeBus();
    await db?.destroy();
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
    const value = await bus.transaction(db, async (tx) => {
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
      bus.transaction(db, async (tx) => {
        await tx.insertInto('meta').values({ key, value: 'never' }).execute();
        // Fails after the events are known: the insert and the events go together.
        await tx.insertInto('meta').values({ key, value: 'duplicate' }).execute();
        return { value: undefined, events: [{ topic: 'test', event: { type: 'changed', key } }] };
      }),
    ).rejects.toThrow();
    // A later event on the same topic arrives: the earlier one would have arrived before it.
    await bus.transaction(db, async () => ({
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
});
