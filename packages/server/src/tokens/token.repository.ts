import type { Kysely } from 'kysely';
import { boundOnce } from '../db/compiled-once.js';
import type { Store, UnitConnection } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** The user's verify state, read by the statement that counted the attempt. */
export interface OpenAttempt {
  /** Failures counted so far, this attempt included. */
  readonly failedCount: number;
  readonly lockCount: number;
  readonly seedCt: string;
  /** The last TOTP step accepted, or `null` before the first. */
  readonly lastStep: number | null;
}

/** What a verify may do while it holds the user's attempt: each runs inside the attempt's transaction. */
export interface AttemptSession {
  /** Accepts a TOTP step (only if no step at or after it was accepted) and clears the failure count. */
  acceptStep(step: number): Promise<boolean>;
  /** Takes back this attempt's count: it proved a code, it was not a guess (D12). */
  forgive(): Promise<void>;
  /**
   * The newest unexpired SMS or voice code for the action, live or already used (a used one can only be
   * replayed), if any.
   */
  latestCode(action: string): Promise<{ id: number; digest: string; used: boolean } | undefined>;
  /** Uses a code once and clears the failure count; `false` when it was used already. */
  useCode(id: number): Promise<boolean>;
  /** Locks until `lockedUntil` and clears the failure count; returns the lock's end. */
  lock(lockedUntil: number): Promise<number>;
}

export type AttemptResult<T> =
  | { state: 'open'; value: T }
  | { state: 'locked'; lockedUntil: number }
  | { state: 'unknown' };

/**
 * The verify state kept on the user's link to its app (`app_users`: failures, locks, the last TOTP step
 * accepted), which the users repository owns and writes: each call runs in the attempt's transaction `tx`.
 */
export interface VerifyState {
  /** Counts an attempt of a user who is not locked and reads what the verify needs; `undefined`: locked or unknown. */
  countAttempt(
    tx: UnitConnection,
    appId: number,
    userId: number,
    now: number,
  ): Promise<OpenAttempt | undefined>;
  /** When the user's lock ends, `null` if none is stored; `undefined`: the app has no such user. */
  lockedUntil(tx: UnitConnection, appId: number, userId: number): Promise<number | null | undefined>;
  /** Accepts a TOTP step (only if no step at or after it was accepted) and clears the failure count. */
  acceptStep(tx: UnitConnection, appId: number, userId: number, step: number): Promise<boolean>;
  /** Takes back one counted failure. */
  forgive(tx: UnitConnection, appId: number, userId: number): Promise<void>;
  /** A sent code was used: failures and locks are forgotten, and the user is confirmed. */
  codeUsed(tx: UnitConnection, appId: number, userId: number): Promise<void>;
  /** Locks until `until` unless a lock runs at `now`, and clears the failure count; the lock's end, if set. */
  lock(
    tx: UnitConnection,
    appId: number,
    userId: number,
    until: number,
    now: number,
  ): Promise<number | undefined>;
}

/** The only code that touches one-time codes (`otp_codes`), and runs each verify as one unit. */
export class TokenRepository {
  /** The statements a verify runs inside its attempt, compiled once. */
  private readonly latest;
  private readonly use;

  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    /** The verify state on the user's link (the users repository). */
    private readonly state: VerifyState,
  ) {
    const db = store.db;
    this.db = db;
    this.latest = boundOnce((appId: number, userId: number, action: string, now: number) =>
      db
        .selectFrom('otp_codes')
        .select(['id', 'code_digest', 'state'])
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('action', '=', action)
        .where('state', 'in', ['live', 'used'])
        .where('expires_at', '>', now)
        .orderBy('id', 'desc')
        .limit(1),
    );
    this.use = boundOnce((id: number, now: number) =>
      db
        .updateTable('otp_codes')
        .set({ state: 'used' })
        .where('id', '=', id)
        .where('state', '=', 'live')
        .where('expires_at', '>', now),
    );
  }

  /**
   * Runs one verify of the user's code as one unit (R15, R16, D12). The attempt is counted before `evaluate`
   * sees the code, by the statement that also reads the seed; that statement holds the user's row until the
   * unit ends (PostgreSQL's row lock; SQLite has one writer), so concurrent verifies of one user take turns:
   * at most the limit of wrong codes is ever evaluated, and a replay of a code just accepted is told apart
   * from a guess (and forgiven) even when 50 arrive at once. A user not linked to the app reads as
   * `unknown`; a locked one as `locked`, and neither runs `evaluate`.
   */
  async attempt<T>(
    appId: number,
    userId: number,
    now: number,
    evaluate: (attempt: OpenAttempt, session: AttemptSession) => Promise<T>,
  ): Promise<AttemptResult<T>> {
    // A unit, not a Kysely transaction: the verify is a hot path, and its statements are compiled once.
    return this.store.unit(async (tx) => {
      const attempt = await this.state.countAttempt(tx, appId, userId, now);
      if (attempt === undefined) {
        const lockedUntil = await this.state.lockedUntil(tx, appId, userId);
        if (lockedUntil === undefined) return { state: 'unknown' };
        return { state: 'locked', lockedUntil: lockedUntil ?? now };
      }
      const session: AttemptSession = {
        acceptStep: (step) => this.state.acceptStep(tx, appId, userId, step),
        forgive: () => this.state.forgive(tx, appId, userId),
        latestCode: async (action) => {
          const [code] = (await tx.executeQuery(this.latest(appId, userId, action, now))).rows;
          return code === undefined
            ? undefined
            : { id: Number(code.id), digest: code.code_digest, used: code.state === 'used' };
        },
        useCode: async (id) => {
          const used = await tx.executeQuery(this.use(id, now));
          if (Number(used.numAffectedRows) !== 1) return false;
          await this.state.codeUsed(tx, appId, userId);
          return true;
        },
        lock: async (until) => (await this.state.lock(tx, appId, userId, until, now)) ?? until,
      };
      return { state: 'open', value: await evaluate(attempt, session) };
    });
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
}
