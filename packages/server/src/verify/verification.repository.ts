import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, VerifyVerificationTable } from '../db/schema.js';

/** A verification as stored; `status` never says `expired` (that is read from `expiresAt`). */
export interface VerificationRow {
  readonly sid: string;
  readonly serviceSid: string;
  readonly to: string;
  readonly channel: string;
  readonly status: string;
  readonly codeDigest: string;
  readonly checks: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
}

/** One code sent for a verification. */
export interface SendAttempt {
  readonly sid: string;
  readonly channel: string;
  readonly sentAt: number;
}

const COLUMNS = [
  'sid',
  'service_sid',
  'recipient',
  'channel',
  'status',
  'code_digest',
  'checks',
  'created_at',
  'updated_at',
  'expires_at',
] as const;

function toRow(row: Omit<Selectable<VerifyVerificationTable>, 'app_id'>): VerificationRow {
  return {
    sid: row.sid,
    serviceSid: row.service_sid,
    to: row.recipient,
    channel: row.channel,
    status: row.status,
    codeDigest: row.code_digest,
    checks: Number(row.checks),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
  };
}

/** What a start writes: a new code for the number's pending verification, or a new verification. */
export type SendPlan =
  | {
      readonly resend: VerificationRow;
      readonly change: { codeDigest: string; channel: string; expiresAt: number };
    }
  | { readonly insert: Omit<VerificationRow, 'status' | 'checks' | 'updatedAt'> & { appId: number } };

/**
 * The only code that reads and writes Verify verifications and their sends. Every read names the app and
 * the service, so a SID of another account's finds nothing (D8).
 */
export class VerificationRepository {
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  /** Codes sent to `to` by the service since `since` (the send limit counts them). */
  async countSends(
    serviceSid: string,
    to: string,
    since: number,
    db: Kysely<Database> = this.db,
  ): Promise<number> {
    const row = await db
      .selectFrom('verify_sends')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('service_sid', '=', serviceSid)
      .where('recipient', '=', to)
      .where('sent_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findBySid(appId: number, serviceSid: string, sid: string): Promise<VerificationRow | undefined> {
    const row = await this.db
      .selectFrom('verify_verifications')
      .select(COLUMNS)
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toRow(row);
  }

  /** The newest verification of a number in the service, whatever its status. */
  async latestTo(
    appId: number,
    serviceSid: string,
    to: string,
    db: Kysely<Database> = this.db,
  ): Promise<VerificationRow | undefined> {
    const row = await db
      .selectFrom('verify_verifications')
      .select(COLUMNS)
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('recipient', '=', to)
      .orderBy('created_at', 'desc')
      .orderBy('sid', 'desc')
      .executeTakeFirst();
    return row === undefined ? undefined : toRow(row);
  }

  /** The codes sent for a verification, oldest first. */
  async sends(verificationSid: string): Promise<SendAttempt[]> {
    const rows = await this.db
      .selectFrom('verify_sends')
      .select(['sid', 'channel', 'sent_at'])
      .where('verification_sid', '=', verificationSid)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ sid: r.sid, channel: r.channel, sentAt: Number(r.sent_at) }));
  }

  /**
   * Sends a code to `to` as one unit with the count of the number's sends, which no other start for the number
   * interleaves with (`Store.serially`, on every instance): at most `max` sends are made in the window, however
   * many starts race. `plan` says what to write given the number's newest verification: a new code for it
   * (`resend`) or a new verification (`insert`); a resend of one that stopped being pending meanwhile is
   * planned again without it. `limited`: the window was full.
   */
  async startSend(
    key: { appId: number; serviceSid: string; to: string },
    window: { since: number; max: number },
    send: SendAttempt,
    plan: (latest: VerificationRow | undefined) => SendPlan,
  ): Promise<{ limited: true } | { limited: false; row: VerificationRow }> {
    return this.store.serially(`verify-sends:${key.serviceSid}:${key.to}`, async (tx) => {
      if ((await this.countSends(key.serviceSid, key.to, window.since, tx)) >= window.max)
        return { limited: true };
      const first = plan(await this.latestTo(key.appId, key.serviceSid, key.to, tx));
      if ('resend' in first && (await this.resend(tx, first.resend, first.change, send)))
        return {
          limited: false,
          row: { ...first.resend, ...first.change, updatedAt: send.sentAt },
        };
      const fresh = 'insert' in first ? first : plan(undefined);
      if (!('insert' in fresh)) throw new TypeError('a plan without a verification must insert one');
      await this.insert(tx, fresh.insert, send);
      const { appId: _appId, ...row } = fresh.insert;
      return { limited: false, row: { ...row, status: 'pending', checks: 0, updatedAt: row.createdAt } };
    });
  }

  /** Stores a new pending verification and its first send, in the transaction `tx`. */
  private async insert(
    tx: Kysely<Database>,
    row: Omit<VerificationRow, 'status' | 'checks' | 'updatedAt'> & { appId: number },
    send: SendAttempt,
  ): Promise<void> {
    await tx
      .insertInto('verify_verifications')
      .values({
        sid: row.sid,
        service_sid: row.serviceSid,
        app_id: row.appId,
        recipient: row.to,
        channel: row.channel,
        status: 'pending',
        code_digest: row.codeDigest,
        checks: 0,
        created_at: row.createdAt,
        updated_at: row.createdAt,
        expires_at: row.expiresAt,
      })
      .execute();
    await tx
      .insertInto('verify_sends')
      .values({
        sid: send.sid,
        verification_sid: row.sid,
        service_sid: row.serviceSid,
        recipient: row.to,
        channel: send.channel,
        sent_at: send.sentAt,
      })
      .execute();
  }

  /**
   * Sends a pending verification's code again with a new code (its digest replaces the old one, which stops
   * working) and a new expiry; `false` when it is no longer pending. The send is recorded with it.
   */
  private async resend(
    tx: Kysely<Database>,
    verification: VerificationRow,
    change: { codeDigest: string; channel: string; expiresAt: number },
    send: SendAttempt,
  ): Promise<boolean> {
    {
      const result = await tx
        .updateTable('verify_verifications')
        .set({
          code_digest: change.codeDigest,
          channel: change.channel,
          expires_at: change.expiresAt,
          updated_at: send.sentAt,
        })
        .where('sid', '=', verification.sid)
        .where('status', '=', 'pending')
        .where('expires_at', '>', send.sentAt)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await tx
        .insertInto('verify_sends')
        .values({
          sid: send.sid,
          verification_sid: verification.sid,
          service_sid: verification.serviceSid,
          recipient: verification.to,
          channel: send.channel,
          sent_at: send.sentAt,
        })
        .execute();
      return true;
    }
  }

  /** Forgets a send the provider refused: a failed send counts toward no limit (R75). */
  async forgetSend(sendSid: string): Promise<void> {
    await this.db.deleteFrom('verify_sends').where('sid', '=', sendSid).execute();
  }

  /**
   * Counts one check against a pending, unexpired verification with checks left: the new count, or
   * `undefined` when none was left (one conditional statement: five checks at most, whatever the concurrency).
   */
  async countCheck(sid: string, maxChecks: number, now: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('verify_verifications')
      .set((eb) => ({ checks: eb('checks', '+', 1), updated_at: now }))
      .where('sid', '=', sid)
      .where('status', '=', 'pending')
      .where('checks', '<', maxChecks)
      .where('expires_at', '>', now)
      .returning('checks')
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.checks);
  }

  /**
   * Moves a pending, unexpired verification to `status`; `true`: this caller made the change (exactly one
   * caller wins an approval, R15).
   */
  async settle(sid: string, status: 'approved' | 'canceled' | 'max_attempts_reached', now: number) {
    const result = await this.db
      .updateTable('verify_verifications')
      .set({ status, updated_at: now })
      .where('sid', '=', sid)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Every verification of the number (E.164), oldest first, in one app or all (`users export`). */
  async toRecipient(to: string, appId?: number): Promise<Array<VerificationRow & { appId: number }>> {
    let select = this.db
      .selectFrom('verify_verifications')
      .select([...COLUMNS, 'app_id'])
      .where('recipient', '=', to);
    if (appId !== undefined) select = select.where('app_id', '=', appId);
    const rows = await select.orderBy('created_at').orderBy('sid').execute();
    return rows.map((row) => ({ ...toRow(row), appId: Number(row.app_id) }));
  }

  /**
   * Deletes every verification of the number (E.164) and every send to it, in the transaction `tx` that erases
   * its person; gives the verifications deleted.
   */
  async eraseRecipient(tx: Transaction<Database>, to: string): Promise<number> {
    await tx.deleteFrom('verify_sends').where('recipient', '=', to).execute();
    const result = await tx.deleteFrom('verify_verifications').where('recipient', '=', to).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
