import { type Kysely, sql } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** Request counts per key and window, for the database-backed rate limiter. */
export class RateLimitRepository {
  private readonly add;

  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    const db = store.db;
    this.db = db;
    this.add = compiledOnce(store, (key: string, windowStart: number, calls: number) =>
      db
        .insertInto('rate_limits')
        .values({ key, window_start: windowStart, count: calls })
        .onConflict((oc) =>
          oc
            .columns(['key', 'window_start'])
            .doUpdateSet({ count: sql`${sql.ref('rate_limits.count')} + ${calls}` }),
        )
        .returning('count'),
    );
  }

  /** Adds `calls` to the key's window and returns the window's count, in one statement. */
  async count(key: string, windowStart: number, calls = 1): Promise<number> {
    const [row] = (await this.add(key, windowStart, calls)).rows;
    if (row === undefined) throw new Error('the rate limit count returned no row');
    return Number(row.count);
  }

  async forgetBefore(windowStart: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', windowStart).execute();
  }
}
