import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

export interface PhoneVerificationRow {
  id: string;
  via: string;
  code_digest: string;
  attempts: number;
  state: string;
  expires_at: number;
}

/** A phone verification as its person's copy of their data shows it. */
export interface PhoneVerificationRecord {
  readonly id: string;
  readonly appId: number;
  readonly via: string;
  readonly state: string;
  readonly createdAt: number;
}

/** The only code that reads and writes phone verifications. */
export class PhoneVerificationRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async countStarts(appId: number, countryCode: string, phone: string, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('phone_verifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .where('country_code', '=', countryCode)
      .where('phone', '=', phone)
      .where('created_at', '>', since)
      .where('state', '!=', 'failed_send')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Stores a verification that is not yet checkable: it becomes pending once its code was sent. */
  async insert(row: {
    id: string;
    appId: number;
    countryCode: string;
    phone: string;
    via: string;
    digest: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db
      .insertInto('phone_verifications')
      .values({
        id: row.id,
        app_id: row.appId,
        country_code: row.countryCode,
        phone: row.phone,
        via: row.via,
        code_digest: row.digest,
        attempts: 0,
        state: 'sending',
        created_at: row.now,
        expires_at: row.expiresAt,
      })
      .execute();
  }

  /** Makes a sent verification the pending one for its number and retires the previous one. */
  async activate(id: string, appId: number, countryCode: string, phone: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('phone_verifications')
        .set({ state: 'replaced' })
        .where('app_id', '=', appId)
        .where('country_code', '=', countryCode)
        .where('phone', '=', phone)
        .where('state', '=', 'pending')
        .execute();
      await tx
        .updateTable('phone_verifications')
        .set({ state: 'pending' })
        .where('id', '=', id)
        .where('state', '=', 'sending')
        .execute();
    });
  }

  async setState(id: string, state: string): Promise<void> {
    await this.db.updateTable('phone_verifications').set({ state }).where('id', '=', id).execute();
  }

  /** The newest verification of a number that was actually sent. */
  async latest(appId: number, countryCode: string, phone: string): Promise<PhoneVerificationRow | undefined> {
    const row = await this.db
      .selectFrom('phone_verifications')
      .select(['id', 'via', 'code_digest', 'attempts', 'state', 'expires_at'])
      .where('app_id', '=', appId)
      .where('country_code', '=', countryCode)
      .where('phone', '=', phone)
      .where('state', 'not in', ['replaced', 'failed_send', 'sending'])
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { ...row, attempts: Number(row.attempts), expires_at: Number(row.expires_at) };
  }

  /** Counts one check against a pending verification; `undefined` when it is no longer pending or out of tries. */
  async countCheck(id: string, maxAttempts: number, now: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('phone_verifications')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('attempts', '<', maxAttempts)
      .where('expires_at', '>', now)
      .returning('attempts')
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.attempts);
  }

  /** Marks a pending verification verified; one row changed means this caller won. */
  async markVerified(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('phone_verifications')
      .set({ state: 'verified' })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Every verification of the number, oldest first, in one app or all (`users export`): never a code. */
  async ofPhone(countryCode: string, phone: string, appId?: number): Promise<PhoneVerificationRecord[]> {
    let select = this.db
      .selectFrom('phone_verifications')
      .select(['id', 'app_id', 'via', 'state', 'created_at'])
      .where('country_code', '=', countryCode)
      .where('phone', '=', phone);
    if (appId !== undefined) select = select.where('app_id', '=', appId);
    const rows = await select.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      appId: Number(r.app_id),
      via: r.via,
      state: r.state,
      createdAt: Number(r.created_at),
    }));
  }

  /** Deletes every verification of the number, in the transaction `tx` that erases its person. */
  async erasePhone(tx: Transaction<Database>, countryCode: string, phone: string): Promise<number> {
    const result = await tx
      .deleteFrom('phone_verifications')
      .where('country_code', '=', countryCode)
      .where('phone', '=', phone)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
