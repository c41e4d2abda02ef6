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

  async value(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async forget(key: string): Promise<void> {
    await this.db.deleteFrom('meta').where('key', '=', key).execute();
  }
}
