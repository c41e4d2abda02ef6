import { type Kysely, sql } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** One window of one budget: at most `limit` sends counted under `key` from `start` until `end`. */
export interface BudgetWindow {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly limit: number;
}

/** Ends the transaction of `reserve` without counting anything. */
class Full extends Error {
  constructor(readonly window: BudgetWindow) {
    super('send budget full');
  }
}

/** Sends counted per budget and window, shared by every instance on the database (R12, R22). */
export class SendBudgetRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /**
   * Counts one send in every window, or in none: returns the first full window, having counted nothing.
   * Each count is one conditional statement (`… DO UPDATE … WHERE count < limit`), and the windows are
   * counted in one transaction, so concurrent sends on any number of instances never pass a budget, and a
   * send refused by one budget is not counted in another.
   */
  async reserve<W extends BudgetWindow>(windows: readonly W[]): Promise<W | undefined> {
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const window of windows) {
          if (window.limit < 1) throw new Full(window);
          const counted = await tx
            .insertInto('send_budgets')
            .values({
              key: window.key,
              window_start: window.start,
              count: 1,
              refused_at: null,
              expires_at: window.end,
            })
            .onConflict((oc) =>
              oc
                .columns(['key', 'window_start'])
                .doUpdateSet({ count: sql`${sql.ref('send_budgets.count')} + 1` })
                .where('send_budgets.count', '<', window.limit),
            )
            .returning('count')
            .executeTakeFirst();
          if (counted === undefined) throw new Full(window);
        }
      });
      return undefined;
    } catch (error) {
      if (error instanceof Full) return error.window as W;
      throw error;
    }
  }

  /** Gives back sends that were counted but never made (the provider refused them: R75). */
  async release(windows: readonly BudgetWindow[]): Promise<void> {
    for (const window of windows) {
      await this.db
        .updateTable('send_budgets')
        .set({ count: sql`count - 1` })
        .where('key', '=', window.key)
        .where('window_start', '=', window.start)
        .where('count', '>', 0)
        .execute();
    }
  }

  /** Notes a refusal in the window; `true` for the first one, which alone becomes a security event. */
  async firstRefusal(window: BudgetWindow, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('send_budgets')
      .values({
        key: window.key,
        window_start: window.start,
        count: 0,
        refused_at: now,
        expires_at: window.end,
      })
      .onConflict((oc) =>
        oc
          .columns(['key', 'window_start'])
          .doUpdateSet({ refused_at: (eb) => eb.ref('excluded.refused_at') })
          .where('send_budgets.refused_at', 'is', null),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Removes the windows that have ended. */
  async forgetEnded(now: number): Promise<void> {
    await this.db.deleteFrom('send_budgets').where('expires_at', '<=', now).execute();
  }
}
