/**
 * The part of a SQLite driver the repositories use. `better-sqlite3` satisfies it structurally; nothing else
 * in the bank knows which driver it is.
 */
export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
}

export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
