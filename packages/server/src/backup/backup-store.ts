import { existsSync, statSync } from 'node:fs';
import { openDatabase, sqliteFileOf } from '../db/database.js';
import { dumpDatabase, inExportedSnapshot, serverMajor, toolMajor } from '../db/postgres/postgres-tools.js';
import { openSqlite } from '../db/sqlite/open-sqlite.js';
import { copySqlite, settleSqliteCopy } from '../db/sqlite/sqlite-copy.js';
import { type StoreSummary, summarizeStore } from '../db/store-summary.js';
import { BackupError, POSTGRES_ALTERNATIVE } from './backup-error.js';
import { existing, partialFile } from './partial-file.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A backup made: where, how large, and what it holds. */
export interface BackupMade extends StoreSummary {
  readonly file: string;
  readonly bytes: number;
  readonly dialect: 'sqlite' | 'postgres';
}

/**
 * Copies the store of `databaseUrl` into the new file `file` while the service keeps serving: one consistent
 * state of it, written under a temporary name and put in place when complete. Never writes over a file.
 * SQLite: the online backup API, one file. PostgreSQL: `pg_dump --format=custom` (from `PATH` in `env`), of
 * one snapshot whose counts are the ones reported. The master key is not in it: whether `masterKey` opens
 * the copy is reported (`keyOpens`), so that the key kept with it is known to be the right one.
 */
export async function backupStore(
  databaseUrl: string,
  file: string,
  masterKey: Buffer,
  env: Env,
): Promise<BackupMade> {
  if (existsSync(file)) throw existing(file);
  const sqlite = sqliteFileOf(databaseUrl);
  const made =
    sqlite === undefined
      ? await backupPostgres(databaseUrl, file, masterKey, env)
      : await backupSqlite(sqlite, file, masterKey);
  return { file, bytes: statSync(file).size, ...made };
}

async function backupSqlite(
  path: string,
  file: string,
  masterKey: Buffer,
): Promise<StoreSummary & { dialect: 'sqlite' }> {
  if (!existsSync(path)) throw new BackupError(`there is no database at ${path} (DATABASE_URL)`);
  const partial = partialFile(file);
  try {
    await copySqlite(path, partial.path);
    const copy = openSqlite(partial.path);
    let summary: StoreSummary;
    try {
      summary = await summarizeStore(copy, masterKey);
    } finally {
      await copy.destroy();
    }
    const integrity = settleSqliteCopy(partial.path);
    if (integrity !== 'ok') throw new BackupError(`the copy of ${path} is not sound: ${integrity}`);
    partial.complete();
    return { dialect: 'sqlite', ...summary };
  } finally {
    partial.discard();
  }
}

async function backupPostgres(
  url: string,
  file: string,
  masterKey: Buffer,
  env: Env,
): Promise<StoreSummary & { dialect: 'postgres' }> {
  const tool = await toolMajor('pg_dump', env);
  if (tool === undefined)
    throw new BackupError(`pg_dump is not on PATH: install it, or ${POSTGRES_ALTERNATIVE}`);
  const store = openDatabase(url);
  const partial = partialFile(file);
  try {
    const server = await serverMajor(store);
    // pg_dump reads servers of its own major version and older ones only.
    if (server > tool) {
      throw new BackupError(
        `pg_dump ${tool} cannot dump a PostgreSQL ${server} server: install pg_dump ${server} or newer ` +
          `(the PostgreSQL ${server} client programs), or ${POSTGRES_ALTERNATIVE}`,
      );
    }
    const summary = await inExportedSnapshot(store, async (snapshot, inSnapshot) => {
      const dumped = dumpDatabase(url, partial.path, snapshot, env);
      // Read while pg_dump runs, in the snapshot it dumps: the counts are the dump's. Both settle before the
      // snapshot's transaction ends.
      const results = await Promise.allSettled([summarizeStore(inSnapshot, masterKey), dumped]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      return (results[0] as PromiseFulfilledResult<StoreSummary>).value;
    });
    partial.complete();
    return { dialect: 'postgres', ...summary };
  } finally {
    partial.discard();
    await store.destroy();
  }
}
