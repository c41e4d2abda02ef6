import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreAdapter } from '../store.js';

const ONE_INSTANCE =
  'a SQLite store has one instance: it cannot notify others (use the in-process event bus)';

/**
 * SQLite's ways: one process, one writer at a time. Queries compiled once go through Kysely, whose one
 * connection finds their prepared statements by SQL text (`open-sqlite.ts`). `dataVersion` reads
 * `PRAGMA data_version` on that same connection; without it (a Kysely instance made elsewhere) the store
 * has no cheap mark of other processes' commits.
 */
export function sqliteAdapter(db: Kysely<Database>, dataVersion?: () => number): StoreAdapter {
  return {
    shared: false,
    writesInWith: false,
    run: (query) => db.executeQuery(query),
    dataVersion: () => dataVersion?.(),
    // One writer at a time: the transaction that claims rows holds the whole database until it commits.
    lockForUpdateSkipLocked: (query) => query,
    // Kysely's SQLite connection is one, held for the whole callback; `BEGIN IMMEDIATE` takes the write lock
    // before the first read, so another process (the command line beside the service) waits at the start
    // instead of failing to upgrade its read to a write after reading a head that has moved.
    serially: (_lock, work) =>
      db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          const value = await work(connection);
          await sql`commit`.execute(connection);
          return value;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      }),
    // `AUTOINCREMENT` (`autoId`): a row inserted with an id larger than any before moves `sqlite_sequence`
    // with it, in the same transaction; the next id the database gives is above it.
    keepIdsAbove: async () => undefined,
    notifyInTransaction: async () => {
      throw new TypeError(ONE_INSTANCE);
    },
    runNotifying: async () => {
      throw new TypeError(ONE_INSTANCE);
    },
    destroy: () => db.destroy(),
  };
}
