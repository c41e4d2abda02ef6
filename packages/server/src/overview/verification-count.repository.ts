import { type Kysely, sql } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { VerificationCount } from './verification-tally.js';

/** The only code that writes `verification_counts`: counts added in batches, and pruning. */
export class VerificationCountRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /** Adds each count to its row (app, minute, kind, outcome), making the row where there is none. */
  async add(counts: readonly VerificationCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.db
      .insertInto('verification_counts')
      .values(
        counts.map((c) => ({
          app_id: c.appId,
          minute: c.minute,
          kind: c.kind,
          outcome: c.outcome,
          count: c.count,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['app_id', 'minute', 'kind', 'outcome']).doUpdateSet({
          count: sql`${sql.ref('verification_counts.count')} + ${sql.ref('excluded.count')}`,
        }),
      )
      .execute();
  }

  /** Forgets the minutes before `before` (ms); returns how many rows went. */
  async forgetBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('verification_counts')
      .where('minute', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
