import { type Kysely, sql } from 'kysely';
import type { SealedColumn } from '../crypto/sealed-values.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** A value of a key column: an integer id or a text one. */
export type KeyValue = string | number;

/** One row of a sealed column: the values of its key columns, in the catalogue's order, and what it holds. */
export interface SealedRow {
  readonly key: readonly KeyValue[];
  readonly value: string | null;
}

/**
 * The only code that reads sealed columns whatever their table: a page at a time, in the order of the column's
 * key (`SealedColumn.key`, unique in every table listed), so that a walk over a large table never holds more
 * than one page and can go on after the last key it saw.
 */
export class SealedValuesRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Pick<Store, 'db'>) {
    this.db = store.db;
  }

  /** The store's tables and their columns: a store at an older schema lacks some of the catalogue's. */
  async columnsByTable(): Promise<Map<string, ReadonlySet<string>>> {
    const tables = await this.db.introspection.getTables();
    return new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  }

  /** Up to `limit` rows of `sealed`, in key order, after the key `after` (from the first row without it). */
  async page(
    sealed: SealedColumn,
    after: readonly KeyValue[] | undefined,
    limit: number,
  ): Promise<SealedRow[]> {
    const keys = sql.join(sealed.key.map((k) => sql.ref(k)));
    // A row value comparison, `(a, b) > (?, ?)`: both databases compare it in the order of ORDER BY.
    const from = after === undefined ? sql`` : sql`where (${keys}) > (${sql.join(after)})`;
    const { rows } = await sql<
      Record<string, unknown>
    >`select ${keys}, ${sql.ref(sealed.column)} as sealed_value
      from ${sql.table(sealed.table)} ${from} order by ${keys} limit ${limit}`.execute(this.db);
    return rows.map((row) => ({
      key: sealed.key.map((k) => row[k] as KeyValue),
      value: row.sealed_value as string | null,
    }));
  }

  /** The `meta` value kept under `key`, if any. */
  async metaValue(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }
}
