import type { Kysely, Transaction } from 'kysely';
import type { UserVerification } from '../apps/app.js';
import { boundOnce, compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { changedRow } from '../db/store.js';
import type { Publication } from '../events/event-bus.js';
import type {
  AnswerableRequest,
  ApprovalStatus,
  HistoryRow,
  HistoryScope,
  OperatorQuery,
  OperatorRequest,
  RecordedAnswer,
} from './approval-request.js';
import type { CallbackEvent, CallbackOutbox } from './callback-outbox.js';

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

/** What `historyForUser` reads. */
export interface HistoryQuery {
  readonly userId: number;
  readonly scope: HistoryScope;
  /** The oldest creation time listed (ms). */
  readonly since: number;
  /** Now (ms): a pending request past its expiry is final, as expired. */
  readonly now: number;
  /** The last request of the page before (newest first), or `null` for the first page. */
  readonly after: { readonly createdAt: number; readonly uuid: string } | null;
  readonly limit: number;
}

/** An answer as it is stored: the device's, and how its callback event is written. */
export interface StoredAnswer extends RecordedAnswer {
  readonly eventId: string;
  /** `skipped` when the app takes no callback of the answer (`AnswerableRequest.answerCallbacks`). */
  readonly eventState: CallbackEvent['state'];
  /** The callback event is leased to this instance's worker until then (`ClaimedCallback`). */
  readonly callbackLockedUntil: number;
}

/**
 * The only code that writes approval requests: every transition of the state machine (created, answered,
 * expired on read or by the sweeper, withdrawn with its user) is one conditional statement here, and each
 * final one writes its callback event with it (`CallbackOutbox`).
 */
export class ApprovalRepository {
  /** The status read, the busiest query of all: compiled once. */
  private readonly byUuid;
  /** What every device answer reads and writes: compiled once. */
  private readonly answerableByUuid;
  private readonly insertWithRoom;
  private readonly answered;
  private readonly expiredOnRead;
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store<Publication>,
    private readonly callbacks: CallbackOutbox,
  ) {
    const { db } = store;
    this.db = db;
    this.answerableByUuid = compiledOnce(store, (uuid: string) =>
      this.answerableQuery().where('approval_requests.uuid', '=', uuid),
    );
    this.byUuid = compiledOnce(store, (uuid: string, appId: number) =>
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
    ); // Every create runs it: compiled once, with the row's values and the limit bound on each run.
    this.insertWithRoom = boundOnce(
      (
        uuid: string,
        app_id: number,
        user_id: number,
        app_name: string,
        message: string,
        details: string,
        hidden_details_ct: string,
        logos: string | null,
        seconds_to_expire: number,
        expires_at: number | null,
        nonce: string,
        number_match: string | null,
        created_at: number,
        limit: number,
      ) =>
        db
          .insertInto('approval_requests')
          .columns([
            'uuid',
            'app_id',
            'user_id',
            'app_name',
            'message',
            'details',
            'hidden_details_ct',
            'logos',
            'seconds_to_expire',
            'expires_at',
            'nonce',
            'number_match',
            'created_at',
            'updated_at',
            'status',
          ])
          .expression(
            db
              .selectFrom('app_users')
              .select((eb) => [
                eb.cast<string>(eb.val(uuid), 'text').as('uuid'),
                'app_users.app_id',
                'app_users.user_id',
                eb.cast<string>(eb.val(app_name), 'text').as('app_name'),
                eb.cast<string>(eb.val(message), 'text').as('message'),
                eb.cast<string>(eb.val(details), 'text').as('details'),
                eb.cast<string>(eb.val(hidden_details_ct), 'text').as('hidden_details_ct'),
                eb.cast<string | null>(eb.val(logos), 'text').as('logos'),
                eb.cast<number>(eb.val(seconds_to_expire), 'integer').as('seconds_to_expire'),
                eb.cast<number | null>(eb.val(expires_at), 'bigint').as('expires_at'),
                eb.cast<string>(eb.val(nonce), 'text').as('nonce'),
                eb.cast<string | null>(eb.val(number_match), 'text').as('number_match'),
                eb.cast<number>(eb.val(created_at), 'bigint').as('created_at'),
                eb.cast<number>(eb.val(created_at), 'bigint').as('updated_at'),
                eb.cast<string>(eb.val('pending'), 'text').as('status'),
              ])
              .where('app_users.app_id', '=', app_id)
              .where('app_users.user_id', '=', user_id)
              .where(
                (eb) =>
                  eb
                    .selectFrom('approval_requests')
                    .select(eb.fn.countAll<number>().as('n'))
                    .where('app_id', '=', app_id)
                    .where('user_id', '=', user_id)
                    .where('status', '=', 'pending')
                    .where((w) => w.or([w('expires_at', 'is', null), w('expires_at', '>', created_at)])),
                '<',
                limit,
              ),
          )
          .returning('uuid'),
    );
    // Answered only while pending and unexpired: one row changed = this answer won.
    this.answered = store.followedChange(
      (
        uuid: string,
        status: RecordedAnswer['status'],
        reason: string | null,
        deviceId: string,
        document: string,
        signature: string,
        receipt: string,
        now: number,
        eventId: string,
        eventState: CallbackEvent['state'],
        lockedUntil: number,
      ) => ({
        change: db
          .updateTable('approval_requests')
          .set({
            status,
            reason,
            device_id: deviceId,
            answer: document,
            device_signature: signature,
            receipt,
            processed_at: now,
            updated_at: now,
          })
          .where('uuid', '=', uuid)
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .returning(['app_id', 'uuid']),
        next: (after) =>
          callbacks.eventOf(after, { id: eventId, status, state: eventState, now, lockedUntil }),
      }),
    );
    // Expired on read only while pending and past its time: one row changed = this reader expired it.
    this.expiredOnRead = store.followedChange((uuid: string, now: number, eventId: string) => ({
      change: db
        .updateTable('approval_requests')
        .set({ status: 'expired', updated_at: now })
        .where('uuid', '=', uuid)
        .where('status', '=', 'pending')
        .where('expires_at', '<=', now)
        .returning(['app_id', 'uuid']),
      next: (after) =>
        callbacks.eventOf(after, {
          id: eventId,
          status: 'expired',
          state: 'pending',
          now,
          lockedUntil: null,
        }),
    }));
  }

  /**
   * Stores a new request if its user is linked to the app and has fewer than `limit` pending requests, in
   * one statement (on SQLite, where one writer runs at a time, the limit then holds exactly; PostgreSQL's
   * concurrent inserts may each see the others' rows as not yet there). `events` announce it to every
   * instance once it is committed. False: nothing was stored (no such user, or no room).
   */
  async insertIfRoom(row: NewApprovalRow, limit: number, events: readonly Publication[]): Promise<boolean> {
    const query = this.insertWithRoom(
      row.uuid,
      row.app_id,
      row.user_id,
      row.app_name,
      row.message,
      row.details,
      row.hidden_details_ct,
      row.logos,
      row.seconds_to_expire,
      row.expires_at,
      row.nonce,
      row.number_match,
      row.created_at,
      limit,
    );
    return (await this.store.changeOne(query, events)).length === 1;
  }

  /** The app's request with this uuid; another app's uuid reads as missing (R7). */
  async find(appId: number, uuid: string): Promise<ApprovalRow | undefined> {
    const [row] = (await this.byUuid(uuid, appId)).rows;
    return row;
  }

  /**
   * Moves a pending request past its expiry to `expired`, with its callback event and `events`: one
   * statement on PostgreSQL, one transaction on SQLite. One row changed means this caller did it.
   */
  expire(uuid: string, now: number, eventId: string, events: readonly Publication[]): Promise<boolean> {
    return this.expiredOnRead([uuid, now, eventId], events);
  }

  /**
   * Moves a request from pending to a device's answer once, and only before it expires, with its callback
   * event (leased to this instance's worker) and `events`: one statement on PostgreSQL, one transaction on
   * SQLite (R29, R50). One row changed means this answer won.
   */
  answer(uuid: string, answer: StoredAnswer, events: readonly Publication[]): Promise<boolean> {
    return this.answered(
      [
        uuid,
        answer.status,
        answer.reason,
        answer.deviceId,
        answer.document,
        answer.signature,
        answer.receipt,
        answer.now,
        answer.eventId,
        answer.eventState,
        answer.callbackLockedUntil,
      ],
      events,
    );
  }

  /**
   * Expires every pending request past its expiry (at most `limit`), each with its callback event and the
   * bus events `announce` names. Instances sweeping at the same time take disjoint rows instead of waiting on
   * each other (`lockForUpdateSkipLocked`, R76).
   */
  async expireDue(
    now: number,
    limit: number,
    eventId: () => string,
    announce: (expired: { uuid: string; appId: number; userId: number }) => readonly Publication[],
  ): Promise<Array<{ uuid: string; appId: number; userId: number }>> {
    return this.store.change(async (tx) => {
      const rows = await tx
        .updateTable('approval_requests')
        .set({ status: 'expired', updated_at: now })
        .where(
          'uuid',
          'in',
          this.store.lockForUpdateSkipLocked(
            tx
              .selectFrom('approval_requests')
              .select('uuid')
              .where('status', '=', 'pending')
              .where('expires_at', '<=', now)
              .limit(limit),
          ),
        )
        .where('status', '=', 'pending')
        .returning(['uuid', 'app_id', 'user_id'])
        .execute();
      for (const row of rows) {
        const event = { id: eventId(), status: 'expired', state: 'pending', now, lockedUntil: null } as const;
        const changed = changedRow(tx, { app_id: row.app_id, uuid: row.uuid });
        await tx.executeQuery(this.callbacks.eventOf(changed, event).compile());
      }
      const expired = rows.map((r) => ({ uuid: r.uuid, appId: Number(r.app_id), userId: Number(r.user_id) }));
      return { value: expired, events: expired.flatMap(announce) };
    });
  }

  /**
   * Withdraws every request of the app's user, in the transaction `tx` that removes the user's link to the
   * app (R8): nothing of them is kept.
   */
  async withdrawAll(tx: Transaction<Database>, appId: number, userId: number): Promise<void> {
    await tx
      .deleteFrom('approval_requests')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .execute();
  }

  /**
   * The finished requests written before `before` (retention): never a pending one, which its app may still
   * read, nor one whose callback is still to be delivered, which the callback reads when it is sent.
   */
  private finishedBefore(before: number) {
    return this.db
      .selectFrom('approval_requests')
      .where('created_at', '<', before)
      .where('status', '!=', 'pending')
      .where('uuid', 'not in', (eb) =>
        eb
          .selectFrom('webhook_events')
          .select('webhook_events.uuid')
          .where('webhook_events.state', '=', 'pending'),
      );
  }

  /**
   * Deletes up to `limit` finished requests written before `before`, oldest first, with their receipts.
   * Instances pruning at once take disjoint rows (`lockForUpdateSkipLocked`); a range of `created_at`'s index.
   */
  async pruneFinished(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('approval_requests')
      .where(
        'uuid',
        'in',
        this.store.lockForUpdateSkipLocked(
          this.finishedBefore(before).select('uuid').orderBy('created_at').limit(limit),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many requests `pruneFinished` would delete at `before`. */
  async countFinished(before: number): Promise<number> {
    const row = await this.finishedBefore(before)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every request of the user, oldest first, in one app or all (`users export`): hidden details sealed. */
  async allOfUser(userId: number, appId?: number): Promise<ApprovalRow[]> {
    let select = this.db
      .selectFrom('approval_requests')
      .innerJoin('app_users', (join) =>
        join
          .onRef('app_users.app_id', '=', 'approval_requests.app_id')
          .onRef('app_users.user_id', '=', 'approval_requests.user_id'),
      )
      .selectAll('approval_requests')
      .select('app_users.email')
      .where('approval_requests.user_id', '=', userId);
    if (appId !== undefined) select = select.where('approval_requests.app_id', '=', appId);
    return select.orderBy('approval_requests.created_at').orderBy('approval_requests.uuid').execute();
  }

  /** Deletes every request of the user, in every app, in the transaction `tx` that erases the user. */
  async eraseUser(tx: Transaction<Database>, userId: number): Promise<number> {
    const result = await tx.deleteFrom('approval_requests').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Pending, unexpired requests of a user, oldest first (at most 100): what the user's devices may answer. */
  async pendingForUser(userId: number, now: number): Promise<AnswerableRequest[]> {
    const rows = await this.answerableQuery()
      .where('approval_requests.user_id', '=', userId)
      .where('approval_requests.status', '=', 'pending')
      .where((eb) =>
        eb.or([eb('approval_requests.expires_at', 'is', null), eb('approval_requests.expires_at', '>', now)]),
      )
      .orderBy('approval_requests.created_at')
      .limit(100)
      .execute();
    return rows.map(toAnswerable);
  }

  /**
   * A page of the user's final requests (approved, denied, expired, or pending past their expiry: expired
   * as read) created at or after `since`, newest first, in the apps `scope` names (D8), with the device that
   * answered each. Never the hidden details. `after` continues a page: what comes after that request.
   */
  async historyForUser(query: HistoryQuery): Promise<HistoryRow[]> {
    const { userId, scope, since, now, after, limit } = query;
    let select = this.shownQuery()
      .where('approval_requests.user_id', '=', userId)
      .where('approval_requests.created_at', '>=', since)
      .where((eb) =>
        eb.or([
          eb('approval_requests.status', 'in', ['approved', 'denied', 'expired']),
          eb.and([
            eb('approval_requests.status', '=', 'pending'),
            eb('approval_requests.expires_at', '<=', now),
          ]),
        ]),
      )
      .where((eb) =>
        'appId' in scope
          ? eb('approval_requests.app_id', '=', scope.appId)
          : eb('apps.profile', 'in', scope.profiles),
      );
    if (after !== null) {
      select = select.where((eb) =>
        eb.or([
          eb('approval_requests.created_at', '<', after.createdAt),
          eb.and([
            eb('approval_requests.created_at', '=', after.createdAt),
            eb('approval_requests.uuid', '<', after.uuid),
          ]),
        ]),
      );
    }
    const rows = await select
      .orderBy('approval_requests.created_at', 'desc')
      .orderBy('approval_requests.uuid', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => {
      const { userId: _user, ...shown } = toShown(row, now);
      return { ...shown, status: shown.status as HistoryRow['status'] };
    });
  }

  /**
   * Requests of every app for an operator, newest first, filtered by app, user and status as read at `now`
   * (a pending request past its expiry counts as expired), created at or after `since` and before `until`.
   * Never the hidden details.
   */
  async listForOperator(query: OperatorQuery & { now: number }): Promise<OperatorRequest[]> {
    const { appId, userId, status, since, until, now, limit } = query;
    let select = this.shownQuery();
    if (appId !== undefined) select = select.where('approval_requests.app_id', '=', appId);
    if (userId !== undefined) select = select.where('approval_requests.user_id', '=', userId);
    if (since !== undefined) select = select.where('approval_requests.created_at', '>=', since);
    if (until !== undefined) select = select.where('approval_requests.created_at', '<', until);
    if (status === 'pending')
      select = select
        .where('approval_requests.status', '=', 'pending')
        .where((eb) =>
          eb.or([
            eb('approval_requests.expires_at', 'is', null),
            eb('approval_requests.expires_at', '>', now),
          ]),
        );
    else if (status === 'expired')
      select = select.where((eb) =>
        eb.or([
          eb('approval_requests.status', '=', 'expired'),
          eb.and([
            eb('approval_requests.status', '=', 'pending'),
            eb('approval_requests.expires_at', '<=', now),
          ]),
        ]),
      );
    else if (status !== undefined) select = select.where('approval_requests.status', '=', status);
    const rows = await select
      .orderBy('approval_requests.created_at', 'desc')
      .orderBy('approval_requests.uuid', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => toShown(row, now));
  }

  /** One request of any app for an operator, as `listForOperator` reads it. */
  async findForOperator(uuid: string, now: number): Promise<OperatorRequest | undefined> {
    const row = await this.shownQuery().where('approval_requests.uuid', '=', uuid).executeTakeFirst();
    return row === undefined ? undefined : toShown(row, now);
  }

  /** A request as it was shown and answered, with its answering device: never the hidden details. */
  private shownQuery() {
    return this.db
      .selectFrom('approval_requests')
      .innerJoin('apps', 'apps.id', 'approval_requests.app_id')
      .leftJoin('devices', 'devices.id', 'approval_requests.device_id')
      .select([
        'approval_requests.uuid',
        'approval_requests.app_id',
        'approval_requests.user_id',
        'approval_requests.app_name',
        'apps.name as current_app_name',
        'approval_requests.message',
        'approval_requests.details',
        'approval_requests.status',
        'approval_requests.reason',
        'approval_requests.created_at',
        'approval_requests.expires_at',
        'approval_requests.processed_at',
        'approval_requests.device_id',
        'devices.name as device_name',
        'approval_requests.receipt',
      ]);
  }

  /** A request of any app, as the answering flow reads it. */
  async findAnswerable(uuid: string): Promise<AnswerableRequest | undefined> {
    const [row] = (await this.answerableByUuid(uuid)).rows;
    return row === undefined ? undefined : toAnswerable(row);
  }

  private answerableQuery() {
    return this.db
      .selectFrom('approval_requests')
      .innerJoin('apps', 'apps.id', 'approval_requests.app_id')
      .select([
        'approval_requests.uuid',
        'approval_requests.app_id',
        'approval_requests.user_id',
        'approval_requests.app_name',
        'apps.name as current_app_name',
        'apps.profile',
        'apps.user_verification',
        'apps.callback_url',
        'apps.callback_disabled_at',
        'approval_requests.message',
        'approval_requests.details',
        'approval_requests.created_at',
        'approval_requests.expires_at',
        'approval_requests.number_match',
        'approval_requests.nonce',
        'approval_requests.status',
      ]);
  }
}

function toAnswerable(row: {
  uuid: string;
  app_id: number;
  user_id: number;
  app_name: string | null;
  current_app_name: string;
  profile: string;
  user_verification: string;
  callback_url: string | null;
  callback_disabled_at: number | null;
  message: string;
  details: string;
  created_at: number;
  expires_at: number | null;
  number_match: string | null;
  nonce: string;
  status: string;
}): AnswerableRequest {
  return {
    uuid: row.uuid,
    appId: Number(row.app_id),
    userId: Number(row.user_id),
    appName: row.app_name ?? row.current_app_name,
    appProfile: row.profile,
    userVerification: row.user_verification as UserVerification,
    answerCallbacks: row.callback_url !== null && row.callback_disabled_at === null,
    message: row.message,
    details: JSON.parse(row.details) as Record<string, string>,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    numberMatchRequired: row.number_match !== null,
    numberMatch: row.number_match,
    nonce: row.nonce,
    status: row.status as ApprovalStatus,
  };
}

/** A row of `shownQuery`, its status as read at `now`. */
function toShown(
  row: {
    uuid: string;
    app_id: number;
    user_id: number;
    app_name: string | null;
    current_app_name: string;
    message: string;
    details: string;
    status: string;
    reason: string | null;
    created_at: number;
    expires_at: number | null;
    processed_at: number | null;
    device_id: string | null;
    device_name: string | null;
    receipt: string | null;
  },
  now: number,
): OperatorRequest {
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
  const expiredAsRead = row.status === 'pending' && expiresAt !== null && expiresAt <= now;
  return {
    uuid: row.uuid,
    appId: Number(row.app_id),
    userId: Number(row.user_id),
    appName: row.app_name ?? row.current_app_name,
    message: row.message,
    details: JSON.parse(row.details) as Record<string, string>,
    status: expiredAsRead ? 'expired' : (row.status as ApprovalStatus),
    reason: row.reason,
    createdAt: Number(row.created_at),
    expiresAt,
    answeredAt: row.processed_at === null ? null : Number(row.processed_at),
    deviceId: row.device_id,
    deviceName: row.device_name,
    receipt: row.receipt,
  };
}
