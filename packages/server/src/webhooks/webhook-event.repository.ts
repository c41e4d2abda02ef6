import { type Kysely, sql, type Transaction } from 'kysely';
import type { CallbackEvent, CallbackOutbox, ChangedRequest } from '../approvals/callback-outbox.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { AfterChange, Statement } from '../db/store.js';
import type { VerifyDelivery, VerifyEventOutbox } from './verify-delivery.js';

export interface WebhookEvent {
  id: string;
  appId: number;
  uuid: string;
  status: string;
  state: string;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  /** The Verify v2 webhook (`YW…`) it goes to; `null`: the app's Authy callback. */
  webhookSid: string | null;
  /** A Verify event's form fields as JSON, but `sent_date`; `null` on the Authy side. */
  payload: string | null;
}

/** One attempt to deliver a callback event, as recorded. */
export interface WebhookAttempt {
  attempt: number;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

type Row = {
  id: string;
  app_id: number;
  uuid: string;
  status: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  webhook_sid: string | null;
  payload: string | null;
};

function toEvent(row: Row): WebhookEvent {
  return {
    id: row.id,
    appId: Number(row.app_id),
    uuid: row.uuid,
    status: row.status,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    webhookSid: row.webhook_sid,
    payload: row.payload,
  };
}

/**
 * The only code that writes callback events and their attempts: the outbox the approval state machine
 * (`CallbackOutbox`) and Verify's factors and challenges (`VerifyEventOutbox`) write to, claiming due events,
 * recording attempts and outcomes.
 */
export class WebhookEventRepository implements CallbackOutbox, VerifyEventOutbox {
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  /** Written with the change it reports (R50): one statement on PostgreSQL, one transaction on SQLite. */
  eventOf(after: AfterChange<ChangedRequest>, event: CallbackEvent): Statement {
    return after
      .insertInto('webhook_events')
      .columns([
        'id',
        'app_id',
        'uuid',
        'status',
        'state',
        'attempts',
        'next_attempt_at',
        'locked_until',
        'created_at',
        'updated_at',
      ])
      .expression((eb) =>
        eb
          .selectFrom('changed')
          .select([
            eb.cast<string>(eb.val(event.id), 'text').as('id'),
            'changed.app_id',
            'changed.uuid',
            eb.cast<string>(eb.val(event.status), 'text').as('status'),
            eb.cast<string>(eb.val(event.state), 'text').as('state'),
            eb.cast<number>(eb.val(0), 'integer').as('attempts'),
            eb.cast<number>(eb.val(event.now), 'bigint').as('next_attempt_at'),
            eb.cast<number | null>(eb.val(event.lockedUntil), 'bigint').as('locked_until'),
            eb.cast<number>(eb.val(event.now), 'bigint').as('created_at'),
            eb.cast<number>(eb.val(event.now), 'bigint').as('updated_at'),
          ]),
      )
      .returning('id');
  }

  /** Verify events, one row per webhook, in the caller's transaction: to any worker, due at once. */
  async writeDeliveries(tx: Kysely<Database>, deliveries: readonly VerifyDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await tx
      .insertInto('webhook_events')
      .values(
        deliveries.map((d) => ({
          id: d.id,
          app_id: d.appId,
          uuid: d.subjectSid,
          status: d.type,
          state: 'pending',
          attempts: 0,
          next_attempt_at: d.at,
          locked_until: null,
          last_status: null,
          last_error: null,
          created_at: d.at,
          updated_at: d.at,
          webhook_sid: d.webhookSid,
          payload: JSON.stringify(d.fields),
        })),
      )
      .execute();
  }

  /**
   * Claims up to `limit` due events for `leaseMs`: another worker (or this one after a crash) takes them only
   * once the lease has run out, so an acknowledged delivery is never repeated while this worker lives.
   * Workers of several instances claiming at once take disjoint events (`lockForUpdateSkipLocked`), and one
   * that picked a row just claimed by another re-reads its lease (R76).
   */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<WebhookEvent[]> {
    const rows = await this.db
      .updateTable('webhook_events')
      .set({ locked_until: now + leaseMs })
      .where(
        'id',
        'in',
        this.store.lockForUpdateSkipLocked(
          this.db
            .selectFrom('webhook_events')
            .select('id')
            .where('state', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
            .orderBy('next_attempt_at')
            .limit(limit),
        ),
      )
      .returningAll()
      .execute();
    return rows.map(toEvent);
  }

  async recordAttempt(attempt: {
    eventId: string;
    attempt: number;
    at: number;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
  }): Promise<void> {
    await this.db
      .insertInto('webhook_attempts')
      .values({
        event_id: attempt.eventId,
        attempt: attempt.attempt,
        attempted_at: attempt.at,
        duration_ms: attempt.durationMs,
        status_code: attempt.statusCode,
        error: attempt.error,
      })
      .onConflict((oc) => oc.columns(['event_id', 'attempt']).doNothing())
      .execute();
  }

  /** Ends or reschedules an event after an attempt. */
  async settle(
    id: string,
    outcome: {
      state: string;
      attempts: number;
      nextAttemptAt: number;
      lastStatus: number | null;
      lastError: string | null;
      now: number;
    },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set({
        state: outcome.state,
        attempts: outcome.attempts,
        next_attempt_at: outcome.nextAttemptAt,
        locked_until: null,
        last_status: outcome.lastStatus,
        last_error: outcome.lastError,
        updated_at: outcome.now,
      })
      .where('id', '=', id)
      .execute();
  }

  async list(filter: { appId?: number; state?: string; limit: number }): Promise<WebhookEvent[]> {
    let query = this.db
      .selectFrom('webhook_events')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(filter.limit);
    if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    return (await query.execute()).map(toEvent);
  }

  /** Queues an event for delivery again (operator's `webhooks redeliver`). */
  async redeliver(id: string, now: number): Promise<WebhookEvent | undefined> {
    const row = await this.db
      .updateTable('webhook_events')
      .set({ state: 'pending', next_attempt_at: now, locked_until: null, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toEvent(row);
  }

  /** The event with this id, if there is one. */
  async find(id: string): Promise<WebhookEvent | undefined> {
    const row = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toEvent(row);
  }

  /** The event's delivery attempts, first first. */
  async attempts(eventId: string): Promise<WebhookAttempt[]> {
    const rows = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('event_id', '=', eventId)
      .orderBy('attempt')
      .execute();
    return rows.map((row) => ({
      attempt: Number(row.attempt),
      attemptedAt: Number(row.attempted_at),
      durationMs: Number(row.duration_ms),
      statusCode: row.status_code === null ? null : Number(row.status_code),
      error: row.error,
    }));
  }

  /**
   * Deletes up to `limit` settled events (delivered, failed, skipped: never a pending one) written before
   * `before`, oldest first, with their attempts (the foreign key cascades). Instances pruning at once take
   * disjoint rows, and a worker's claim on an event locks it, so an event being delivered is never taken.
   */
  async pruneSettled(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('webhook_events')
      .where(
        'id',
        'in',
        this.store.lockForUpdateSkipLocked(
          this.settledBefore(before).select('id').orderBy('created_at').limit(limit),
        ),
      )
      // A redelivery may have queued the event again since the statement's snapshot began.
      .where('state', '!=', 'pending')
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many events `pruneSettled` would delete at `before`. */
  async countSettled(before: number): Promise<number> {
    const row = await this.settledBefore(before)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private settledBefore(before: number) {
    return this.db
      .selectFrom('webhook_events')
      .where('created_at', '<', before)
      .where('state', '!=', 'pending');
  }

  /**
   * Deletes the callback events (and their attempts) of every request of the user, pending ones too, in the
   * transaction `tx` that erases the user, before the requests go: nothing is sent about an erased person.
   */
  async eraseForUser(tx: Transaction<Database>, userId: number): Promise<number> {
    const result = await tx
      .deleteFrom('webhook_events')
      .where('uuid', 'in', (eb) =>
        eb
          .selectFrom('approval_requests')
          .select('approval_requests.uuid')
          .where('approval_requests.user_id', '=', userId),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async countDue(now: number): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_events')
      .select(sql<number>`count(*)`.as('n'))
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
