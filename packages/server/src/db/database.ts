import { type Kysely, PostgresAdapter } from 'kysely';
import type pg from 'pg';
import { OperatorError } from '../lib/operator-error.js';
import { openPostgres } from './postgres/open-postgres.js';
import { postgresAdapter } from './postgres/postgres-adapter.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { sqliteAdapter } from './sqlite/sqlite-adapter.js';
import { createStore, type Store } from './store.js';

export type { Store, UnitConnection } from './store.js';

export class DatabaseUrlError extends OperatorError {
  override readonly name = 'DatabaseUrlError';
}

/** Whether a `DATABASE_URL` names a PostgreSQL database. */
function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The SQLite file a `DATABASE_URL` names (`sqlite:PATH`), or `undefined` for any other URL. */
export function sqliteFileOf(url: string): string | undefined {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
}

/**
 * Opens the store named by `DATABASE_URL`: `sqlite:PATH` or `postgres://…`. The caller owns it and calls
 * `destroy()`.
 */
export function openDatabase(url: string): Store {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a file path');
    return openSqlite(path);
  }
  if (isPostgresUrl(url)) return openPostgres(url);
  throw new DatabaseUrlError(
    `unsupported DATABASE_URL "${url.replace(/\/\/[^@]*@/, '//***@')}": use sqlite:PATH or postgres://…`,
  );
}

/**
 * A store over a Kysely instance made elsewhere (a test's, which logs every statement). Without `pool`,
 * queries compiled once run through Kysely on PostgreSQL too.
 */
export function storeOver(db: Kysely<Database>, pool?: pg.Pool): Store {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return createStore(db, postgres ? postgresAdapter(db, pool) : sqliteAdapter(db));
}
