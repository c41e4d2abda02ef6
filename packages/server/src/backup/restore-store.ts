import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openDatabase, sqliteFileOf } from '../db/database.js';
import { type SchemaState, SchemaTooNewError, schemaState, schemaStateOf } from '../db/migrate.js';
import { dumpedRows, restoreDatabase, toolMajor } from '../db/postgres/postgres-tools.js';
import { checkSealedValues, type SealedValuesCheck } from '../db/sealed-values-check.js';
import { openSqlite } from '../db/sqlite/open-sqlite.js';
import { checkSqliteFile, copySqlite, sqliteTables } from '../db/sqlite/sqlite-copy.js';
import type { Store } from '../db/store.js';
import { type StoreSummary, storeTables, summarizeStore } from '../db/store-summary.js';
import { BackupError, POSTGRES_ALTERNATIVE } from './backup-error.js';
import { partialFile } from './partial-file.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A restore made, and what its check found: what the store now holds, and its sealed values. */
export interface RestoreMade extends StoreSummary {
  readonly file: string;
  readonly dialect: 'sqlite' | 'postgres';
  readonly sealed: SealedValuesCheck;
}

/**
 * Sealed values of a restore that do not open under the configured master key. `restored` says whether the
 * store holds the restored copy all the same (PostgreSQL, where the check runs on the restored database).
 */
export class RestoreCheckError extends BackupError {
  override readonly name = 'RestoreCheckError';

  constructor(
    readonly made: RestoreMade,
    readonly restored: boolean,
  ) {
    const where = made.sealed.places
      .filter((p) => p.unopened > 0)
      .map((p) => `${p.place} (${p.unopened} of ${p.values})`)
      .join(', ');
    super(
      `${made.sealed.unopened} sealed values of the backup do not open under the configured master key: ${where}. ` +
        'It is not the key the backup was made with, or the backup is damaged. ' +
        (restored
          ? 'The database now holds the restored copy, which the service will refuse: drop and re-create it, then restore again with the right key.'
          : 'Nothing was restored.'),
    );
  }
}

/**
 * Restores the backup `file` (made by `backupStore`) into the store of `databaseUrl`, which must be empty (no
 * table at all): a store that holds anything is refused, and nothing is changed. The backup's schema version
 * is read first, and a version newer than this build knows is refused as `migrate` refuses it. Then every
 * sealed value restored is opened under `masterKey`; any that does not open fails the restore
 * (`RestoreCheckError`) naming its table and column. SQLite is restored into a copy that is checked before it
 * is put in place, so a failed check changes nothing; PostgreSQL is restored by `pg_restore` in one
 * transaction and then checked.
 */
export async function restoreStore(
  databaseUrl: string,
  file: string,
  masterKey: Buffer,
  env: Env,
): Promise<RestoreMade> {
  if (!existsSync(file)) throw new BackupError(`there is no backup at ${file}`);
  const sqlite = sqliteFileOf(databaseUrl);
  return sqlite === undefined
    ? restorePostgres(databaseUrl, file, masterKey, env)
    : restoreSqlite(sqlite, file, masterKey);
}

function notEmpty(where: string, tables: readonly string[]): BackupError {
  return new BackupError(
    `${where} is not empty (${tables.length} tables, such as ${tables.slice(0, 3).join(', ')}): ` +
      'a restore goes into an empty store only, and nothing was changed. Point DATABASE_URL at a new database.',
  );
}

/** Refuses a backup whose schema this build does not know, or that has none (not a backup of countersign). */
function knownSchema(file: string, state: SchemaState): void {
  if (state.current === null)
    throw new BackupError(`${file} holds no countersign schema: is it a backup of countersign?`);
  if (state.unknown.length > 0) throw new SchemaTooNewError(state);
}

/** The restored store's summary and the check of its sealed values. */
async function check(store: Store, file: string, dialect: RestoreMade['dialect'], masterKey: Buffer) {
  return {
    file,
    dialect,
    ...(await summarizeStore(store)),
    sealed: await checkSealedValues(store, masterKey),
  };
}

async function restoreSqlite(target: string, file: string, masterKey: Buffer): Promise<RestoreMade> {
  const tables = sqliteTables(target);
  if (tables !== undefined && tables.length > 0) throw notEmpty(target, tables);
  let integrity: string;
  try {
    integrity = checkSqliteFile(file);
  } catch (error) {
    throw new BackupError(`${file} is not a SQLite backup: ${(error as Error).message}`);
  }
  if (integrity !== 'ok') throw new BackupError(`${file} is damaged: ${integrity}`);
  // The copy is made and checked beside the target, then put in place: a refused restore leaves nothing.
  mkdirSync(dirname(resolve(target)), { recursive: true });
  const partial = partialFile(target);
  try {
    await copySqlite(file, partial.path);
    const copy = openSqlite(partial.path);
    let made: RestoreMade;
    try {
      knownSchema(file, await schemaState(copy));
      made = await check(copy, file, 'sqlite', masterKey);
    } finally {
      await copy.destroy();
    }
    if (made.sealed.unopened > 0) throw new RestoreCheckError(made, false);
    if (tables !== undefined) {
      // An empty database file (no table): it goes, with what SQLite kept beside it.
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    }
    partial.complete();
    return made;
  } finally {
    partial.discard();
  }
}

async function restorePostgres(url: string, file: string, masterKey: Buffer, env: Env): Promise<RestoreMade> {
  if ((await toolMajor('pg_restore', env)) === undefined)
    throw new BackupError(
      `pg_restore is not on PATH: install it (the PostgreSQL client programs), or ${POSTGRES_ALTERNATIVE}`,
    );
  const store = openDatabase(url);
  try {
    const tables = await storeTables(store);
    if (tables.length > 0) throw notEmpty(`the database of DATABASE_URL`, tables);
    const applied = await dumpedRows(file, 'kysely_migration', env);
    knownSchema(file, schemaStateOf(applied.map((row) => row[0] as string)));
    await restoreDatabase(url, file, env);
    const made = await check(store, file, 'postgres', masterKey);
    if (made.sealed.unopened > 0) throw new RestoreCheckError(made, true);
    return made;
  } finally {
    await store.destroy();
  }
}
