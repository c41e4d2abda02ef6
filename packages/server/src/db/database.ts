import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';

export type Store = Kysely<Database>;

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

/** Opens the store named by `DATABASE_URL` (`sqlite:PATH`). The caller owns it and calls `destroy()`. */
export function openDatabase(url: string): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new DatabaseUrlError(
    `unsupported DATABASE_URL "${url.replace(/\/\/[^@]*@/, '//***@')}": use sqlite:PATH`,
  );
}

function openSqlite(path: string): Store {
  if (path === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a file path');
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}
