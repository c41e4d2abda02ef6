import type { Kysely } from 'kysely';
import type { KeptValues } from './meta.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** The only code that reads and writes `meta`. */
export class MetaRepository implements KeptValues {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async valueOrKeep(key: string, make: () => string | Promise<string>): Promise<string> {
    const kept = await this.value(key);
    if (kept !== undefined) return kept;
    await this.db
      .insertInto('meta')
      .values({ key, value: await make() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const won = await this.value(key);
    if (won === undefined) throw new Error(`meta value ${key} vanished as it was kept`);
    return won;
  }

  /** The value kept under `key`, if any. */
  async value(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async forget(key: string): Promise<void> {
    await this.db.deleteFrom('meta').where('key', '=', key).execute();
  }

  /** Replaces the value under `key` if it still is `expected` (a concurrent writer wins); returns whether it did. */
  async replaceIf(key: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('meta')
      .set({ value: next })
      .where('key', '=', key)
      .where('value', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Keeps `put` and removes `remove`, in one transaction. */
  async write(put: Readonly<Record<string, string>>, remove: readonly string[] = []): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const [key, value] of Object.entries(put)) {
        await tx
          .insertInto('meta')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .execute();
      }
      if (remove.length > 0) await tx.deleteFrom('meta').where('key', 'in', remove).execute();
    });
  }
}
