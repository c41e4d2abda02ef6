import type { Kysely } from 'kysely';
import { isPostgresUrl } from './dialect.js';
import { openPostgres } from './postgres/open-postgres.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite/open-sqlite.js';

export type Store = Kysely<Database>;

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
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
