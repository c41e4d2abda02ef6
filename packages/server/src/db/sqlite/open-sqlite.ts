import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, type QueryResult, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';
import { createStore, type Store } from '../store.js';
import { sqliteAdapter } from './sqlite-adapter.js';

/**
 * Opens (and creates) the SQLite file at `path`: WAL, foreign keys on, deleted content zeroed, and a busy
 * timeout so that the command line and a running service can share the file.
 */
export function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // A deleted or rewritten row is overwritten with zeros in the file, not left in its free space: erasing a
  // person (`users erase`) and retention must remove the data, not only the row.
  database.pragma('secure_delete = ON');
  const statements = reusingStatements(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  // On Kysely's one connection: it moves when another connection commits, never for this one's own commits.
  // better-sqlite3 runs it synchronously, so it never interleaves with a statement in progress.
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  return createStore(
    db,
    sqliteAdapter(db, {
      dataVersion: () => dataVersion.get() as number,
      runNow: (query) => (database.inTransaction ? undefined : runStatement(statements, query)),
      runHeld: (query) => runStatement(statements, query),
      inTransaction: () => database.inTransaction,
    }),
  );
}

/**
 * A compiled query run as Kysely's SQLite driver runs it (`SqliteConnection.executeQuery`), with the same
 * result, without its connection mutex and promise hops: the hot lookups pay those on every call. The
 * service adds no Kysely plugins, so Kysely would return the driver's result as it is.
 */
function runStatement<R>(statements: SqliteDatabase, query: CompiledQuery<R>): QueryResult<R> {
  const statement = statements.prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: BigInt(lastInsertRowid),
    rows: [],
  };
}

/** Distinct SQL texts kept prepared: the service has a few dozen; `in (…)` lists add some more. */
const PREPARED_LIMIT = 500;

/**
 * Kysely prepares every query anew, and SQLite's parsing and planning cost more than running the lookups
 * the service makes; the statements are kept by SQL text instead. Reuse is safe: better-sqlite3 runs a
 * statement to completion synchronously, and Kysely holds its one connection for the length of a query
 * (a streamed one too), so a statement is never run again while a run of it is in progress.
 */
function reusingStatements(database: SQLite.Database): SqliteDatabase {
  const prepared = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        // The oldest goes first; a statement still in use elsewhere stays valid.
        if (prepared.size >= PREPARED_LIMIT) prepared.delete(prepared.keys().next().value as string);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}
