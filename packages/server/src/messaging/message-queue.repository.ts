import type { Transaction } from 'kysely';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Channel } from './messaging-provider.js';

/** `queued`: to be sent. `decoy`: written like a message, dropped unsent (R90). */
export type QueueState = 'queued' | 'decoy';

/** A message in the queue, its recipient and text still sealed. */
export interface QueueEntry {
  readonly id: string;
  readonly appId: number | null;
  readonly channel: Channel;
  readonly state: QueueState;
  readonly sealed: string;
  readonly sandbox: boolean;
  readonly attempts: number;
  readonly expiresAt: number;
}

const context = sealedContext.queuedMessage;

/** The queue of messages the background worker sends. Recipient and text are sealed together, bound to the row. */
export class MessageQueueRepository {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly random: Random,
  ) {}

  async insert(entry: {
    /** A new one when not given. */
    id?: string | undefined;
    appId: number | null;
    channel: Channel;
    state: QueueState;
    to: string;
    body: string;
    sandbox: boolean;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    const id = entry.id ?? this.random.uuid();
    await this.store.db
      .insertInto('message_queue')
      .values({
        id,
        app_id: entry.appId,
        channel: entry.channel,
        state: entry.state,
        message_ct: this.box.seal(JSON.stringify({ to: entry.to, body: entry.body }), context(id)),
        sandbox: entry.sandbox ? 1 : 0,
        attempts: 0,
        next_attempt_at: entry.now,
        locked_until: null,
        expires_at: entry.expiresAt,
        created_at: entry.now,
      })
      .execute();
  }

  /**
   * Deletes the messages still queued for `recipient` (E.164), in the transaction `tx` that erases its person.
   * The recipient is sealed: every queued message is opened (the queue holds minutes of messages, no more).
   */
  async eraseRecipient(tx: Transaction<Database>, recipient: string): Promise<number> {
    const rows = await tx.selectFrom('message_queue').select(['id', 'message_ct']).execute();
    const ids = rows
      .filter((row) => {
        const sealed = JSON.parse(this.box.open(row.message_ct, context(row.id))) as { to: string };
        return sealed.to === recipient;
      })
      .map((row) => row.id);
    if (ids.length === 0) return 0;
    const result = await tx.deleteFrom('message_queue').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The recipient and text of a queued message. */
  open(entry: QueueEntry): { to: string; body: string } {
    return JSON.parse(this.box.open(entry.sealed, context(entry.id))) as { to: string; body: string };
  }

  /**
   * Claims up to `limit` due messages for `leaseMs`, as the callback queue does: workers of several instances
   * take disjoint messages (`lockForUpdateSkipLocked`, R76).
   */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<QueueEntry[]> {
    const { db } = this.store;
    const rows = await db
      .updateTable('message_queue')
      .set({ locked_until: now + leaseMs })
      .where(
        'id',
        'in',
        this.store.lockForUpdateSkipLocked(
          db
            .selectFrom('message_queue')
            .select('id')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
            .orderBy('next_attempt_at')
            .limit(limit),
        ),
      )
      .returning(['id', 'app_id', 'channel', 'state', 'message_ct', 'sandbox', 'attempts', 'expires_at'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      appId: r.app_id === null ? null : Number(r.app_id),
      channel: r.channel as Channel,
      state: r.state as QueueState,
      sealed: r.message_ct,
      sandbox: Number(r.sandbox) === 1,
      attempts: Number(r.attempts),
      expiresAt: Number(r.expires_at),
    }));
  }

  /** Removes a message: sent, dropped or given up. */
  async remove(id: string): Promise<void> {
    await this.store.db.deleteFrom('message_queue').where('id', '=', id).execute();
  }

  /** Puts a message back for another attempt at `nextAttemptAt`. */
  async retry(id: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.store.db
      .updateTable('message_queue')
      .set({ attempts, next_attempt_at: nextAttemptAt, locked_until: null })
      .where('id', '=', id)
      .execute();
  }
}
