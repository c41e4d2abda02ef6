import { type ColumnDefinitionBuilder, type Kysely, SqliteAdapter } from 'kysely';

/** An integer primary key the database numbers: SQLite's rowid alias, PostgreSQL's identity column. */
export function autoId(db: Kysely<unknown>): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return sqlite
    ? (c) => c.primaryKey().autoIncrement()
    : (c) => c.primaryKey().generatedByDefaultAsIdentity();
}
