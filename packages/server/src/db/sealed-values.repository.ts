import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { SealedColumn } from '../crypto/sealed-values.js';
import type { Store } from './store.js';

/** A value of a key column: an integer id or a text one. */
export type KeyValue = string | number;

/** One row of a sealed column: the values of its key columns, in the catalogue's order, and what it holds. */
export interface SealedRow {
  readonly key: readonly KeyValue[];
  readonly value: string | null;
}

/** Any table by name: the sealed columns are reached from their catalogue (`SEALED_COLUMNS`), not typed one by one. */
type Tables = Record<string, Record<string, KeyValue | null>>;

/** `(a, b) > (?, ?)`: rows whose key comes after `after`, as both databases order the key in ORDER BY. */
function afterKey(sealed: SealedColumn, after: readonly KeyValue[]): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.join(sealed.key.map((k) => sql.ref(k)))}) > (${sql.join(after)})`;
}

/** Up to `limit` rows of `sealed` (its key columns and its value) in key order, after the key `after`. */
function inKeyOrder(
  db: Kysely<Tables>,
  sealed: SealedColumn,
  after: readonly KeyValue[] | undefined,
  limit: number,
) {
  return db
    .selectFrom(sealed.table)
    .select([...sealed.key, sealed.column])
    .$if(after !== undefined, (q) => q.where(afterKey(sealed, after ?? [])))
    .$call((q) => sealed.key.reduce((ordered, k) => ordered.orderBy(k), q))
    .limit(limit);
}

/** The values of the key columns of `row`, in the catalogue's order. */
function keyOf(sealed: SealedColumn, row: Readonly<Record<string, unknown>>): KeyValue[] {
  return sealed.key.map((k) => row[k] as KeyValue);
}

/**
 * The only code that reads and rewrites sealed columns whatever their table (`SEALED_COLUMNS`): what a restore
 * checks (`walkSealedValues`) and a master-key rotation re-seals (D16). Rows go a page at a time in the order of
 * the column's key (unique in every table listed), so a walk over a large table never holds more than one page
 * and goes on after the last key it saw. A rotation writes each value in place and nothing else of a row, so the
 * tables' owners (table-writers) stay theirs; sealed `meta` values go through `MetaRepository`, the owner of
 * `meta`.
 */
export class SealedValuesRepository<S extends Pick<Store, 'db'> = Pick<Store, 'db'>> {
  private readonly db: Kysely<Tables>;

  /** `store`: the query builder is enough to read; a rotation's rewrites need the whole store. */
  constructor(private readonly store: S) {
    this.db = store.db as unknown as Kysely<Tables>;
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
    const rows = await inKeyOrder(this.db, sealed, after, limit).execute();
    return rows.map((row) => ({ key: keyOf(sealed, row), value: row[sealed.column] as string | null }));
  }

  /** The `meta` value kept under `key`, if any. */
  async metaValue(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value === null || row?.value === undefined ? undefined : String(row.value);
  }

  /**
   * Re-seals, in one transaction (on SQLite one that holds the write lock from its first read, so it never fails
   * to upgrade a read to a write), the next `limit` values of `column` after the key `after` (in key order) that
   * do not start with `prefix`, each by `reseal`. Rows another transaction holds are skipped (PostgreSQL's `FOR
   * UPDATE SKIP LOCKED`), and each row is rewritten only if it still holds the value read (a conditional update),
   * so a concurrent writer is never overwritten; a later pass finds what was skipped. Returns the last key read
   * (`undefined` when none was left) and how many values changed.
   */
  async resealBatch(
    this: SealedValuesRepository<Store>,
    column: SealedColumn,
    prefix: string,
    after: readonly KeyValue[] | undefined,
    limit: number,
    reseal: (row: { key: readonly KeyValue[]; sealed: string }) => string,
  ): Promise<{ last: readonly KeyValue[] | undefined; changed: number }> {
    return this.store.serially('master-key-rotation', async (store) => {
      const tx = store as unknown as Kysely<Tables>;
      const rows = await this.store
        .lockForUpdateSkipLocked(
          inKeyOrder(tx, column, after, limit).where((eb) =>
            needsSealing(column, prefix, eb.ref(column.column)),
          ),
        )
        .execute();
      let changed = 0;
      for (const row of rows) {
        const key = keyOf(column, row);
        const sealed = String(row[column.column]);
        const result = await tx
          .updateTable(column.table)
          .set({ [column.column]: reseal({ key, sealed }) })
          .where((eb) =>
            eb.and([...column.key.map((k, i) => eb(k, '=', key[i] ?? null)), eb(column.column, '=', sealed)]),
          )
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      const lastRow = rows.at(-1);
      return {
        last: lastRow === undefined || rows.length < limit ? undefined : keyOf(column, lastRow),
        changed,
      };
    });
  }

  /** How many values of `column` do not start with `prefix` (nothing locked, nothing skipped). */
  async countNotSealed(column: SealedColumn, prefix: string): Promise<number> {
    const row = await this.db
      .selectFrom(column.table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => needsSealing(column, prefix, eb.ref(column.column)))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/** Values that are sealed (not one of the column's `absent` values) and do not start with `prefix`. */
function needsSealing(column: SealedColumn, prefix: string, value: Expression<unknown>): Expression<SqlBool> {
  const absent = column.absent.filter((a): a is string => a !== null);
  return sql<SqlBool>`${value} is not null and substr(${value}, 1, ${prefix.length}) <> ${prefix}${
    absent.length === 0 ? sql`` : sql` and ${value} not in (${sql.join(absent)})`
  }`;
}
