import { type Kysely, sql } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

export type UsageField = 'api_calls' | 'auths' | 'sms' | 'calls' | 'users';

export interface UsageDelta {
  appId: number;
  year: number;
  month: number;
  field: UsageField;
  amount: number;
}

export interface MonthUsage {
  year: number;
  month: number;
  api_calls: number;
  auths: number;
  sms: number;
  calls: number;
  users: number;
}

/** Monthly counters per app, for `app/stats`. */
export class UsageRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async add(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const d of deltas) {
        await tx
          .insertInto('usage_monthly')
          .values({
            app_id: d.appId,
            year: d.year,
            month: d.month,
            api_calls: 0,
            auths: 0,
            sms: 0,
            calls: 0,
            users: 0,
            [d.field]: d.amount,
          })
          .onConflict((oc) =>
            oc
              .columns(['app_id', 'year', 'month'])
              .doUpdateSet({ [d.field]: sql`usage_monthly.${sql.ref(d.field)} + ${d.amount}` }),
          )
          .execute();
      }
    });
  }

  async months(appId: number): Promise<MonthUsage[]> {
    const rows = await this.db
      .selectFrom('usage_monthly')
      .select(['year', 'month', 'api_calls', 'auths', 'sms', 'calls', 'users'])
      .where('app_id', '=', appId)
      .execute();
    return rows.map((r) => ({
      year: Number(r.year),
      month: Number(r.month),
      api_calls: Number(r.api_calls),
      auths: Number(r.auths),
      sms: Number(r.sms),
      calls: Number(r.calls),
      users: Number(r.users),
    }));
  }
}
