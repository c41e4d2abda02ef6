import type { Selectable, Transaction } from 'kysely';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Store } from '../db/database.js';
import type { Database, OutboxTable } from '../db/schema.js';

export interface OutboxEntry {
  id: string;
  appId: number | null;
  channel: string;
  to: string;
  body: string;
  createdAt: number;
}

const context = sealedContext.outboxBody;

/** Messages of the console provider. Bodies hold codes, so they are sealed like every other secret. */
export class OutboxRepository {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly random: Random,
  ) {}

  async insert(entry: Omit<OutboxEntry, 'id'>): Promise<void> {
    const id = this.random.uuid();
    await this.store.db
      .insertInto('outbox')
      .values({
        id,
        app_id: entry.appId,
        channel: entry.channel,
        recipient: entry.to,
        body_ct: this.box.seal(entry.body, context(id)),
        created_at: entry.createdAt,
      })
      .execute();
  }

  /**
   * Deletes up to `limit` messages written before `before`, oldest first (retention); instances pruning at
   * once take disjoint rows.
   */
  async pruneBefore(before: number, limit: number): Promise<number> {
    const result = await this.store.db
      .deleteFrom('outbox')
      .where(
        'id',
        'in',
        this.store.lockForUpdateSkipLocked(
          this.store.db
            .selectFrom('outbox')
            .select('id')
            .where('created_at', '<', before)
            .orderBy('created_at')
            .limit(limit),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many messages `pruneBefore` would delete at `before`. */
  async countBefore(before: number): Promise<number> {
    const row = await this.store.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_at', '<', before)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every message to `recipient` (E.164), oldest first, in one app or all (`users export`). */
  async to(recipient: string, appId?: number): Promise<OutboxEntry[]> {
    let select = this.store.db.selectFrom('outbox').selectAll().where('recipient', '=', recipient);
    if (appId !== undefined) select = select.where('app_id', '=', appId);
    return (await select.orderBy('seq').execute()).map((r) => this.toEntry(r));
  }

  /** Deletes every message to `recipient` (E.164), in the transaction `tx` that erases its person. */
  async eraseRecipient(tx: Transaction<Database>, recipient: string): Promise<number> {
    const result = await tx.deleteFrom('outbox').where('recipient', '=', recipient).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The newest `limit` messages, oldest first. */
  async list(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.store.db
      .selectFrom('outbox')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => this.toEntry(r));
  }

  private toEntry(r: Selectable<OutboxTable>): OutboxEntry {
    return {
      id: r.id,
      appId: r.app_id === null ? null : Number(r.app_id),
      channel: r.channel,
      to: r.recipient,
      body: this.box.open(r.body_ct, context(r.id)),
      createdAt: Number(r.created_at),
    };
  }
}
