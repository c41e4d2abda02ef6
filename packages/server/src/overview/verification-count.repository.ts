import { type Kysely, sql } from 'kysely';
import { boundOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Statement } from '../db/store.js';
import type { Verification, VerificationTally } from './verification-tally.js';

const MINUTE_MS = 60_000;

/** The only code that writes `verification_counts`: one upsert per verification, and pruning. */
export class VerificationCountRepository implements VerificationTally {
  /** Every verify runs it: compiled once, its values bound on each run. */
  private readonly upsert;
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
    this.upsert = boundOnce((app_id: number, minute: number, kind: string, outcome: string) =>
      store.db
        .insertInto('verification_counts')
        .values({ app_id, minute, kind, outcome, count: 1 })
        .onConflict((oc) =>
          oc
            .columns(['app_id', 'minute', 'kind', 'outcome'])
            .doUpdateSet({ count: sql`${sql.ref('verification_counts.count')} + 1` }),
        ),
    );
  }

  countOf(verification: Verification): Statement {
    const minute = Math.floor(verification.at / MINUTE_MS) * MINUTE_MS;
    const compiled = this.upsert(verification.appId, minute, verification.kind, verification.outcome);
    return { compile: () => compiled };
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
