import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, SecurityEventTable } from '../db/schema.js';
import type { SecurityEventRecord, SecurityLog } from './security-log.js';

/** Filters of `list`: each narrows, `before` (ms) pages back from the last event seen. */
export interface SecurityEventQuery {
  readonly type?: string;
  readonly appId?: number;
  readonly userId?: number;
  readonly before?: number;
  readonly limit: number;
}

/** A recorded security event, as an operator reads it. */
export interface SecurityEventEntry {
  readonly id: string;
  readonly type: string;
  readonly appId: number | null;
  readonly userId: number | null;
  readonly deviceId: string | null;
  readonly detail: Record<string, unknown>;
  readonly createdAt: number;
}

/** The only code that writes and reads `security_events`. */
export class SecurityEventRepository implements SecurityLog {
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  async record(event: SecurityEventRecord): Promise<void> {
    await this.db
      .insertInto('security_events')
      .values({
        id: event.id,
        type: event.type,
        app_id: event.appId,
        user_id: event.userId,
        device_id: event.deviceId,
        detail: JSON.stringify(event.detail),
        created_at: event.now,
      })
      .execute();
  }

  /**
   * Deletes up to `limit` events recorded before `before`, oldest first (retention); instances pruning at
   * once take disjoint rows. The audit chain keeps its own copy, pruned by `audit prune` alone.
   */
  async pruneBefore(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('security_events')
      .where(
        'id',
        'in',
        this.store.lockForUpdateSkipLocked(
          this.db
            .selectFrom('security_events')
            .select('id')
            .where('created_at', '<', before)
            .orderBy('created_at')
            .limit(limit),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many events `pruneBefore` would delete at `before`. */
  async countBefore(before: number): Promise<number> {
    const row = await this.db
      .selectFrom('security_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_at', '<', before)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every event naming the user, oldest first, in one app or all (`users export`). */
  async ofUser(userId: number, appId?: number): Promise<SecurityEventEntry[]> {
    let select = this.db.selectFrom('security_events').selectAll().where('user_id', '=', userId);
    if (appId !== undefined) select = select.where('app_id', '=', appId);
    return (await select.orderBy('created_at').orderBy('id').execute()).map(toEntry);
  }

  /**
   * Deletes every event naming the user, in the transaction `tx` that erases the user. The audit chain's copy
   * stays (it is never edited), naming the user by Authy id only.
   */
  async eraseUser(tx: Transaction<Database>, userId: number): Promise<number> {
    const result = await tx.deleteFrom('security_events').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Events newest first, filtered; ties in time by id, so that pages never swap two events. */
  async list(query: SecurityEventQuery): Promise<SecurityEventEntry[]> {
    let select = this.db.selectFrom('security_events').selectAll();
    if (query.type !== undefined) select = select.where('type', '=', query.type);
    if (query.appId !== undefined) select = select.where('app_id', '=', query.appId);
    if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
    if (query.before !== undefined) select = select.where('created_at', '<', query.before);
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(toEntry);
  }
}

function toEntry(row: Selectable<SecurityEventTable>): SecurityEventEntry {
  return {
    id: row.id,
    type: row.type,
    appId: row.app_id === null ? null : Number(row.app_id),
    userId: row.user_id === null ? null : Number(row.user_id),
    deviceId: row.device_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    createdAt: Number(row.created_at),
  };
}
