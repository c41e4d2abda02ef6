import { sql } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';

export type AttemptResult =
  | { state: 'open'; failedCount: number; lockCount: number; seedCt: string }
  | { state: 'locked'; lockedUntil: number }
  | { state: 'unknown' };

/** The only code that touches one-time-code state: attempt counters, used TOTP steps, sent codes. */
export class TokenRepository {
  /** The statements every verify runs, accepted or refused: compiled once. */
  private readonly attempt;
  private readonly step;
  private readonly live;

  constructor(private readonly db: Store) {
    this.attempt = compiledOnce(db, (appId: number, userId: number, now: number) =>
      db
        .updateTable('app_users')
        .set({ failed_count: sql`failed_count + 1` })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .returning(['failed_count', 'lock_count', 'totp_seed_ct']),
    );
    this.step = compiledOnce(db, (appId: number, userId: number, step: number) =>
      db
        .updateTable('app_users')
        .set({ totp_last_step: step, totp_confirmed: 1, confirmed: 1, failed_count: 0, lock_count: 0 })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])),
    );
    this.live = compiledOnce(db, (appId: number, userId: number, action: string, now: number) =>
      db
        .selectFrom('otp_codes')
        .select(['id', 'code_digest'])
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('action', '=', action)
        .where('state', '=', 'live')
        .where('expires_at', '>', now)
        .orderBy('id', 'desc'),
    );
  }

  /**
   * Counts an attempt before it is evaluated, in one statement, so parallel guesses cannot all slip in
   * under the limit (R16). A success later resets the count. The same statement reads the user's sealed
   * seed; a user who is not linked to the app reads as `unknown`.
   */
  async reserveAttempt(appId: number, userId: number, now: number): Promise<AttemptResult> {
    const [row] = (await this.attempt(appId, userId, now)).rows;
    if (row !== undefined)
      return {
        state: 'open',
        failedCount: Number(row.failed_count),
        lockCount: Number(row.lock_count),
        seedCt: row.totp_seed_ct,
      };
    const locked = await this.db
      .selectFrom('app_users')
      .select('locked_until')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (locked === undefined) return { state: 'unknown' };
    return { state: 'locked', lockedUntil: Number(locked.locked_until ?? now) };
  }

  /** Locks until `lockedUntil` unless a lock is already running; returns the lock's end. */
  async lock(appId: number, userId: number, now: number, lockedUntil: number): Promise<number> {
    const row = await this.db
      .updateTable('app_users')
      .set({ locked_until: lockedUntil, lock_count: sql`lock_count + 1`, failed_count: 0 })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returning('locked_until')
      .executeTakeFirst();
    return Number(row?.locked_until ?? lockedUntil);
  }

  /**
   * Accepts a TOTP step once: succeeds only if no step at or after it was accepted before (R15), and then
   * clears the failure count. One row changed means this caller won.
   */
  async acceptStep(appId: number, userId: number, step: number): Promise<boolean> {
    return Number((await this.step(appId, userId, step)).numAffectedRows) === 1;
  }

  async resetFailures(appId: number, userId: number): Promise<void> {
    await this.db
      .updateTable('app_users')
      .set({ failed_count: 0, lock_count: 0, confirmed: 1 })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Codes sent to the user in the window, failed sends excluded (R22, R75). */
  async countSends(appId: number, userId: number, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('otp_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('created_at', '>', since)
      .where('state', '!=', 'failed')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Stores a new code, not yet usable: it becomes live only once the provider accepted it. */
  async insertCode(code: {
    appId: number;
    userId: number;
    channel: string;
    action: string;
    digest: string;
    now: number;
    expiresAt: number;
  }): Promise<number> {
    const row = await this.db
      .insertInto('otp_codes')
      .values({
        app_id: code.appId,
        user_id: code.userId,
        channel: code.channel,
        action: code.action,
        code_digest: code.digest,
        state: 'sending',
        created_at: code.now,
        expires_at: code.expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Makes a sent code the live one for its (user, action): a resend invalidates the old code. */
  async activateCode(id: number, appId: number, userId: number, action: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('otp_codes')
        .set({ state: 'replaced' })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('action', '=', action)
        .where('state', '=', 'live')
        .execute();
      await tx
        .updateTable('otp_codes')
        .set({ state: 'live' })
        .where('id', '=', id)
        .where('state', '=', 'sending')
        .execute();
    });
  }

  async markFailed(id: number): Promise<void> {
    await this.db.updateTable('otp_codes').set({ state: 'failed' }).where('id', '=', id).execute();
  }

  /** The live, unexpired code for (user, action), if any. */
  async liveCode(
    appId: number,
    userId: number,
    action: string,
    now: number,
  ): Promise<{ id: number; digest: string } | undefined> {
    const [row] = (await this.live(appId, userId, action, now)).rows;
    return row === undefined ? undefined : { id: Number(row.id), digest: row.code_digest };
  }

  /** Uses a code once: one row changed means this caller won. */
  async useCode(id: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('otp_codes')
      .set({ state: 'used' })
      .where('id', '=', id)
      .where('state', '=', 'live')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
