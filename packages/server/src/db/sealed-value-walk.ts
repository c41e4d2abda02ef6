import { metaContext, SEALED_COLUMNS, SEALED_META } from '../crypto/sealed-values.js';
import { type KeyValue, SealedValuesRepository } from './sealed-values.repository.js';
import type { Store } from './store.js';

export type { KeyValue } from './sealed-values.repository.js';

/** One sealed value of the store, where it lives, and the associated data it was sealed with. */
export interface SealedValue {
  /** `table.column`, or `meta` for the sealed values of the `meta` table. */
  readonly place: string;
  /** The values of the place's key columns (`SealedColumn.key`); `[key]` in `meta`. */
  readonly key: readonly KeyValue[];
  readonly sealed: string;
  readonly context: string;
}

/** Sealed values of one place, read together, and where a walk that stopped after them goes on. */
export interface SealedBatch {
  readonly place: string;
  readonly values: readonly SealedValue[];
  /** The key of the last row read (absent values included): a walk resumed `from` it reads the rows after. */
  readonly last: readonly KeyValue[];
}

/** Where a walk starts: at a place, after a key of it (from its first row without one). */
export interface WalkPosition {
  readonly place: string;
  readonly after?: readonly KeyValue[];
}

/** The places a walk visits, in order: `meta`, then every sealed column of the catalogue. */
export const SEALED_PLACES: readonly string[] = [
  'meta',
  ...SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`),
];

/**
 * Every sealed value of the store, a batch of at most `batchSize` rows at a time, in a fixed order
 * (`SEALED_PLACES`, and key order within a place): what a restore checks and a master-key rotation re-seals.
 * Walks the catalogue (`SEALED_COLUMNS`, `SEALED_META`), so a new sealed column is reached without a change
 * here. Values that mean "nothing" (`SealedColumn.absent`) are skipped; tables and columns that a store at an
 * older schema lacks are passed over. Never holds more than one batch: a large table is read page by page,
 * each page after the last key of the one before, so rows written during the walk are not read twice.
 */
export async function* walkSealedValues(
  store: Pick<Store, 'db'>,
  { batchSize = 500, from }: { batchSize?: number; from?: WalkPosition } = {},
): AsyncGenerator<SealedBatch> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TypeError('batchSize must be at least 1');
  const start = from === undefined ? 0 : SEALED_PLACES.indexOf(from.place);
  if (start < 0) throw new TypeError(`no sealed values are kept at ${from?.place}`);
  const repository = new SealedValuesRepository(store);
  const columns = await repository.columnsByTable();

  if (start === 0 && columns.has('meta')) {
    const values: SealedValue[] = [];
    const done = from?.after === undefined ? -1 : SEALED_META.indexOf(String(from.after[0]) as never);
    for (const [i, key] of SEALED_META.entries()) {
      if (i <= done) continue;
      const sealed = await repository.metaValue(key);
      if (sealed !== undefined) values.push({ place: 'meta', key: [key], sealed, context: metaContext(key) });
    }
    if (values.length > 0) yield { place: 'meta', values, last: values.at(-1)?.key ?? [] };
  }

  for (const [index, column] of SEALED_COLUMNS.entries()) {
    const place = SEALED_PLACES[index + 1] as string;
    if (index + 1 < start || columns.get(column.table)?.has(column.column) !== true) continue;
    let after = index + 1 === start ? from?.after : undefined;
    for (;;) {
      const rows = await repository.page(column, after, batchSize);
      if (rows.length === 0) break;
      const values: SealedValue[] = [];
      for (const row of rows) {
        if (column.absent.includes(row.value)) continue;
        const named = Object.fromEntries(column.key.map((k, i) => [k, row.key[i]]));
        // A value missing where one must be (`null` in a sealed column) is kept as one that opens under no key.
        values.push({ place, key: row.key, sealed: row.value ?? '', context: column.context(named) });
      }
      after = (rows.at(-1) as { key: readonly KeyValue[] }).key;
      yield { place, values, last: after };
      if (rows.length < batchSize) break;
    }
  }
}
