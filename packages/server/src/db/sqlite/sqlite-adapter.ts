import { CompiledQuery, type Kysely, type QueryResult, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreAdapter, UnitConnection } from '../store.js';

const ONE_INSTANCE =
  'a SQLite store has one instance: it cannot notify others (use the in-process event bus)';

/** What the file's own connection offers beside Kysely (`open-sqlite.ts`). */
export interface SqliteConnectionAccess {
  /** `PRAGMA data_version` on Kysely's connection. */
  dataVersion(): number;
  /**
   * Runs a compiled query at once on Kysely's connection, as Kysely's driver would, when no transaction is
   * open on it; `undefined` when one is (the query must then wait its turn through Kysely).
   */
  runNow<R>(query: CompiledQuery<R>): QueryResult<R> | undefined;
  /** Runs a compiled query at once on Kysely's connection: only for the one who holds it (`Store.unit`). */
  runHeld<R>(query: CompiledQuery<R>): QueryResult<R>;
  /** Whether a transaction is open on the connection. */
  inTransaction(): boolean;
}

const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/**
 * SQLite's ways: one process, one writer at a time. Queries compiled once run on the file's one connection
 * at once when no transaction holds it (`access.runNow`: the statement runs to its end synchronously, so it
 * can never land inside another caller's transaction), else through Kysely, whose connection finds their
 * prepared statements by SQL text (`open-sqlite.ts`). `dataVersion` reads `PRAGMA data_version` on that same
 * connection. Without `access` (a Kysely instance made elsewhere) every query goes through Kysely and the
 * store has no cheap mark of other processes' commits.
 */
export function sqliteAdapter(db: Kysely<Database>, access?: SqliteConnectionAccess): StoreAdapter {
  return {
    shared: false,
    writesInWith: false,
    run: (query) => {
      if (access !== undefined) {
        try {
          const result = access.runNow(query);
          if (result !== undefined) return Promise.resolve(result);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return db.executeQuery(query);
    },
    dataVersion: () => access?.dataVersion(),
    // Kysely's lock on the one connection, held for the unit, keeps every other statement out: Kysely's wait
    // for it, and `runNow` sees the transaction open. The statements themselves run at once, without
    // Kysely's transaction object, executor and promise hops around each.
    unit: (work) => {
      if (access === undefined) return db.transaction().execute(work);
      const held: UnitConnection = {
        executeQuery: (query) => {
          try {
            return Promise.resolve(access.runHeld(query));
          } catch (error) {
            return Promise.reject(error);
          }
        },
      };
      return db.connection().execute(async () => {
        access.runHeld(BEGIN);
        try {
          const value = await work(held);
          access.runHeld(COMMIT);
          return value;
        } catch (error) {
          // A failed COMMIT (the database busy past its timeout) leaves the transaction open: it goes too.
          if (access.inTransaction()) access.runHeld(ROLLBACK);
          throw error;
        }
      });
    },
    // At once when no transaction is open, as `run` runs one statement: better-sqlite3 runs each to its end
    // synchronously, so no other statement can land between `begin` and `commit`.
    unitNow: (work) => {
      if (access === undefined || access.inTransaction()) return undefined;
      access.runHeld(BEGIN);
      try {
        const value = work((query) => access.runHeld(query));
        access.runHeld(COMMIT);
        return { value };
      } catch (error) {
        // A failed COMMIT (the database busy past its timeout) leaves the transaction open: it goes too.
        if (access.inTransaction()) access.runHeld(ROLLBACK);
        throw error;
      }
    },
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
    // Deleted content is zeroed as it is deleted where `secure_delete` is on (`openSqlite` turns it on), but the
    // pages as they were before stay in the write-ahead log until a checkpoint copies the new ones over the
    // file and the log is truncated. A connection reading an older snapshot (busy) keeps the log for now.
    async clearDeleted() {
      const secure = await sql<{ secure_delete: number }>`pragma secure_delete`.execute(db);
      if (Number(secure.rows[0]?.secure_delete) !== 1) return false;
      const checkpoint = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      return Number(checkpoint.rows[0]?.busy) === 0;
    },
    notifyInTransaction: async () => {
      throw new TypeError(ONE_INSTANCE);
    },
    runNotifying: async () => {
      throw new TypeError(ONE_INSTANCE);
    },
    destroy: () => db.destroy(),
  };
}
