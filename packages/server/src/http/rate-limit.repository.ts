import { sql } from 'kysely';
import type { Store } from '../db/database.js';

/** Request counts per key and window, for the database-backed rate limiter. */
export class RateLimitRepository {
  constructor(private readonly db: Store) {}

  /** Adds one call to the key's window and returns the window's count, in one statement. */
  async count(key: string, windowStart: number): Promise<number> {
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`${sql.ref('rate_limits.count')} + 1` }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async forgetBefore(windowStart: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', windowStart).execute();
  }
}
