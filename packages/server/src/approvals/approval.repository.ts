import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import { dialectOf } from '../db/dialect.js';
import type { EventBus, Publication } from '../events/event-bus.js';
import { insertWebhookEvent } from '../webhooks/webhook-event.repository.js';

export interface ApprovalRow {
  uuid: string;
  app_id: number;
  user_id: number;
  email: string;
  message: string;
  details: string;
  hidden_details_ct: string;
  logos: string | null;
  seconds_to_expire: number;
  expires_at: number | null;
  status: string;
  number_match: string | null;
  created_at: number;
  updated_at: number;
  processed_at: number | null;
  reason: string | null;
  device_id: string | null;
  receipt: string | null;
  answer: string | null;
  device_signature: string | null;
}

export interface NewApprovalRow {
  uuid: string;
  app_id: number;
  user_id: number;
  app_name: string;
  message: string;
  details: string;
  hidden_details_ct: string;
  logos: string | null;
  seconds_to_expire: number;
  expires_at: number | null;
  nonce: string;
  number_match: string | null;
  created_at: number;
}

/** The only code that reads and writes approval requests. */
export class ApprovalRepository {
  /** The status read, the busiest query of all, and the pending count of every create: compiled once. */
  private readonly byUuid;
  private readonly pendingCount;

  constructor(
    private readonly db: Store,
    private readonly bus: EventBus,
  ) {
    this.byUuid = compiledOnce(db, (uuid: string, appId: number) =>
      db
        .selectFrom('approval_requests')
        .innerJoin('app_users', (join) =>
          join
            .onRef('app_users.app_id', '=', 'approval_requests.app_id')
            .onRef('app_users.user_id', '=', 'approval_requests.user_id'),
        )
        .select([
          'approval_requests.uuid',
          'approval_requests.app_id',
          'approval_requests.user_id',
          'app_users.email',
          'approval_requests.message',
          'approval_requests.details',
          'approval_requests.hidden_details_ct',
          'approval_requests.logos',
          'approval_requests.seconds_to_expire',
          'approval_requests.expires_at',
          'approval_requests.status',
          'approval_requests.number_match',
          'approval_requests.created_at',
          'approval_requests.updated_at',
          'approval_requests.processed_at',
          'approval_requests.reason',
          'approval_requests.device_id',
          'approval_requests.receipt',
          'approval_requests.answer',
          'approval_requests.device_signature',
        ])
        .where('approval_requests.uuid', '=', uuid)
        .where('approval_requests.app_id', '=', appId),
    );
    this.pendingCount = compiledOnce(db, (appId: number, userId: number, now: number) =>
      db
        .selectFrom('approval_requests')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
    );
  }

  /** Stores a new request; `events` announce it to every instance once it is committed. */
  async insert(row: NewApprovalRow, events: readonly Publication[]): Promise<void> {
    await this.bus.transaction(this.db, async (tx) => {
      await tx
        .insertInto('approval_requests')
        .values({
          ...row,
          status: 'pending',
          updated_at: row.created_at,
          processed_at: null,
          device_id: null,
          reason: null,
        })
        .execute();
      return { value: undefined, events };
    });
  }

  /** The app's request with this uuid; another app's uuid reads as missing (R7). */
  async find(appId: number, uuid: string): Promise<ApprovalRow | undefined> {
    const [row] = (await this.byUuid(uuid, appId)).rows;
    return row;
  }

  /**
   * Moves a pending request past its expiry to `expired`, with its callback event and `events` in the same
   * transaction; one row changed means this caller did it.
   */
  async expire(uuid: string, now: number, eventId: string, events: readonly Publication[]): Promise<boolean> {
    return this.bus.transaction(this.db, async (tx) => {
      const row = await tx
        .updateTable('approval_requests')
        .set({ status: 'expired', updated_at: now })
        .where('uuid', '=', uuid)
        .where('status', '=', 'pending')
        .where('expires_at', '<=', now)
        .returning('app_id')
        .executeTakeFirst();
      if (row === undefined) return { value: false, events: [] };
      await insertWebhookEvent(tx, { id: eventId, appId: Number(row.app_id), uuid, status: 'expired', now });
      return { value: true, events };
    });
  }

  /**
   * Expires every pending request past its expiry (at most `limit`), each with its callback event and the
   * bus events `announce` names. On PostgreSQL the rows are claimed with `FOR UPDATE SKIP LOCKED`, so
   * instances sweeping at the same time take disjoint rows instead of waiting on each other (R76).
   */
  async expireDue(
    now: number,
    limit: number,
    eventId: () => string,
    announce: (expired: { uuid: string; userId: number }) => readonly Publication[],
  ): Promise<Array<{ uuid: string; userId: number }>> {
    const postgres = dialectOf(this.db) === 'postgres';
    return this.bus.transaction(this.db, async (tx) => {
      const rows = await tx
        .updateTable('approval_requests')
        .set({ status: 'expired', updated_at: now })
        .where(
          'uuid',
          'in',
          tx
            .selectFrom('approval_requests')
            .select('uuid')
            .where('status', '=', 'pending')
            .where('expires_at', '<=', now)
            .limit(limit)
            .$if(postgres, (q) => q.forUpdate().skipLocked()),
        )
        .where('status', '=', 'pending')
        .returning(['uuid', 'app_id', 'user_id'])
        .execute();
      for (const row of rows) {
        await insertWebhookEvent(tx, {
          id: eventId(),
          appId: Number(row.app_id),
          uuid: row.uuid,
          status: 'expired',
          now,
        });
      }
      const expired = rows.map((r) => ({ uuid: r.uuid, userId: Number(r.user_id) }));
      return { value: expired, events: expired.flatMap(announce) };
    });
  }

  /** Pending requests of one user in one app that have not expired. */
  async countPending(appId: number, userId: number, now: number): Promise<number> {
    const [row] = (await this.pendingCount(appId, userId, now)).rows;
    return Number(row?.n ?? 0);
  }
}
