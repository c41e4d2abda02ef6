import { existsSync } from 'node:fs';
import SQLite from 'better-sqlite3';

/** Pages a backup step may copy: all of them, so that the copy is made in one read transaction. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the SQLite database at `source` into `target` with SQLite's online backup API, in one step: one read
 * transaction, which under WAL never blocks the service's writers, sees one consistent state of the file
 * however much is written meanwhile (a backup copied a few pages at a time restarts whenever another
 * connection writes, and under load might never end). `source` must exist; `target` is written over.
 */
export async function copySqlite(source: string, target: string): Promise<void> {
  const database = new SQLite(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 5000');
    await database.backup(target, { progress: () => ALL_PAGES });
  } finally {
    database.close();
  }
}

/**
 * Makes the copy at `path` one self-contained file (rollback journal instead of WAL, so nothing beside it
 * belongs to it) and checks it whole: its `PRAGMA integrity_check`, `ok` when sound.
 */
export function settleSqliteCopy(path: string): string {
  const database = new SQLite(path, { fileMustExist: true });
  try {
    database.pragma('journal_mode = DELETE');
    return integrity(database);
  } finally {
    database.close();
  }
}

/** `PRAGMA integrity_check` of the SQLite file at `path`, read only: `ok`, or what is wrong. */
export function checkSqliteFile(path: string): string {
  const database = new SQLite(path, { fileMustExist: true, readonly: true });
  try {
    return integrity(database);
  } finally {
    database.close();
  }
}

function integrity(database: SQLite.Database): string {
  const lines = database.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
  return lines.map((line) => line.integrity_check).join('; ');
}

/** The tables of the SQLite file at `path`, or `undefined` when there is no file. Creates nothing. */
export function sqliteTables(path: string): string[] | undefined {
  if (!existsSync(path)) return undefined;
  const database = new SQLite(path, { fileMustExist: true, readonly: true });
  try {
    return (
      database
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
        .pluck()
        .all() as string[]
    ).sort();
  } finally {
    database.close();
  }
}
