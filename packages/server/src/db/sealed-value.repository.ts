import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { SealedColumn } from '../crypto/sealed-values.js';
import type { Store } from './database.js';

/** Rows whose key comes after `after` in key order: a row value comparison where the key has several columns. */
function afterKey(
  eb: ExpressionBuilder<Tables, string>,
  key: readonly string[],
  after: Readonly<Record<string, string | number>>,
): Expression<SqlBool> {
  const [first, second, ...more] = key;
  if (first === undefined || more.length > 0) {
    throw new TypeError('a sealed column names one or two key columns');
  }
  return second === undefined
    ? eb(first, '>', after[first] ?? null)
    : eb(eb.refTuple(first, second), '>', eb.tuple(after[first] ?? null, after[second] ?? null));
}

/** A row of a sealed column: the values of its key columns, and its sealed value. */
export interface SealedRow {
  readonly key: Readonly<Record<string, string | number>>;
  readonly sealed: string;
}

/** Any table by name: the sealed columns are walked from their catalogue (`SEALED_COLUMNS`), not typed one by one. */
type Tables = Record<string, Record<string, string | number | null>>;

/**
 * The only code that rewrites sealed values in every table that holds them (`SEALED_COLUMNS`), for a master-key
 * rotation (D16). It writes each value in place and nothing else of a row, so the tables' owners
 * (table-writers) stay theirs; sealed `meta` values go through `MetaRepository`, the owner of `meta`.
 */
export class SealedValueRepository {
  private readonly db: Kysely<Tables>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<Tables>;
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
    column: SealedColumn,
    prefix: string,
    after: Readonly<Record<string, string | number>> | undefined,
    limit: number,
    reseal: (row: SealedRow) => string,
  ): Promise<{ last: SealedRow['key'] | undefined; changed: number }> {
    return this.store.serially('master-key-rotation', async (store) => {
      const tx = store as unknown as Kysely<Tables>;
      const rows = await this.store
        .lockForUpdateSkipLocked(
          tx
            .selectFrom(column.table)
            .select([...column.key, column.column])
            .where((eb) => this.needsSealing(column, prefix, eb.ref(column.column)))
            .$if(after !== undefined, (q) => q.where((eb) => afterKey(eb, column.key, after ?? {})))
            .$call((q) => column.key.reduce((ordered, k) => ordered.orderBy(k), q))
            .limit(limit),
        )
        .execute();
      let changed = 0;
      for (const row of rows) {
        const key = Object.fromEntries(column.key.map((k) => [k, row[k] as string | number]));
        const sealed = String(row[column.column]);
        const result = await tx
          .updateTable(column.table)
          .set({ [column.column]: reseal({ key, sealed }) })
          .where((eb) =>
            eb.and([...column.key.map((k) => eb(k, '=', key[k] ?? null)), eb(column.column, '=', sealed)]),
          )
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      const lastRow = rows.at(-1);
      return {
        last:
          lastRow === undefined || rows.length < limit
            ? undefined
            : Object.fromEntries(column.key.map((k) => [k, lastRow[k] as string | number])),
        changed,
      };
    });
  }

  /** How many values of `column` do not start with `prefix` (nothing locked, nothing skipped). */
  async countNotSealed(column: SealedColumn, prefix: string): Promise<number> {
    const row = await this.db
      .selectFrom(column.table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => this.needsSealing(column, prefix, eb.ref(column.column)))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Values that are sealed (not one of the column's `absent` values) and do not start with `prefix`. */
  private needsSealing(
    column: SealedColumn,
    prefix: string,
    value: Expression<unknown>,
  ): Expression<SqlBool> {
    const absent = column.absent.filter((a): a is string => a !== null);
    return sql<SqlBool>`${value} is not null and substr(${value}, 1, ${prefix.length}) <> ${prefix}${
      absent.length === 0 ? sql`` : sql` and ${value} not in (${sql.join(absent)})`
    }`;
  }
}
