import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { AuditLogTable, Database } from '../db/schema.js';
import {
  type AuditEntry,
  type ChainedFields,
  entryHash,
  GENESIS_HASH,
  type SignedHead,
} from './audit-entry.js';

/** The name of the lock every append takes (`Store.serially`): the chain is one, whoever appends. */
const CHAIN_LOCK = 'countersign.audit_log';

const json = (value: Record<string, unknown> | null) => (value === null ? null : JSON.stringify(value));
const parsed = (text: string | null) =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);

function entryOf(row: AuditLogTable): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: Number(row.at),
    actor: row.actor,
    from: row.source,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    before: parsed(row.before),
    after: parsed(row.after),
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** Filters of `list`. */
export interface AuditQuery {
  readonly since?: number;
  readonly action?: string;
  readonly limit: number;
}

/**
 * The only code that writes `audit_log`, `audit_heads` and `audit_checkpoints`. Entries are appended, never
 * updated; only a prune deletes them.
 */
export class AuditRepository {
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  /**
   * Appends an entry after the chain's last one, computing its `seq`, `prev_hash` and `hash` in the same
   * serialised transaction as the insert: appends from every instance form one chain.
   */
  async append(entry: Omit<ChainedFields, 'seq' | 'prev_hash'>): Promise<AuditEntry> {
    return this.store.serially(CHAIN_LOCK, async (tx) => {
      const last = await tx
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      // After a prune of every entry, the chain goes on from its checkpoint. Read on every append, so that an
      // append runs the same statements whatever the log holds (R90: a security event recorded on one path of
      // a request and not another must not differ by more than the event).
      const checkpoint = await this.checkpointIn(tx);
      const start = last ?? checkpoint;
      const fields: ChainedFields = {
        ...entry,
        seq: start === undefined ? 1 : Number(start.seq) + 1,
        prev_hash: start?.hash ?? GENESIS_HASH,
      };
      const chained = { ...fields, hash: entryHash(fields) };
      await tx
        .insertInto('audit_log')
        .values({
          seq: chained.seq,
          id: chained.id,
          at: chained.at,
          actor: chained.actor,
          source: chained.from,
          action: chained.action,
          target_type: chained.target_type,
          target_id: chained.target_id,
          before: json(chained.before),
          after: json(chained.after),
          prev_hash: chained.prev_hash,
          hash: chained.hash,
        })
        .execute();
      return chained;
    });
  }

  /**
   * Removes the entries up to the last one before `before` (ms) and the heads over them, and keeps a checkpoint
   * of the last one removed, signed by `sign`, in one transaction serialised with appends. Returns the
   * checkpoint, or `undefined` when no entry is that old. With `upTo`, no entry after that seq is removed.
   */
  async prune(
    before: number,
    sign: (head: { seq: number; hash: string }) => Promise<SignedHead>,
    upTo?: number,
  ): Promise<SignedHead | undefined> {
    return this.store.serially(CHAIN_LOCK, async (tx) => {
      // The chain is cut where the first entry at or after `before` starts, so what stays is one piece.
      const kept = await tx
        .selectFrom('audit_log')
        .select('seq')
        .where('at', '>=', before)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      let last = tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1);
      if (kept !== undefined) last = last.where('seq', '<', Number(kept.seq));
      if (upTo !== undefined) last = last.where('seq', '<=', upTo);
      const end = await last.executeTakeFirst();
      if (end === undefined) return undefined;
      const checkpoint = await sign({ seq: Number(end.seq), hash: end.hash });
      await tx
        .insertInto('audit_checkpoints')
        .values({
          seq: checkpoint.seq,
          hash: checkpoint.hash,
          signed_at: checkpoint.signedAt,
          jws: checkpoint.jws,
        })
        .execute();
      await tx.deleteFrom('audit_heads').where('seq', '<=', checkpoint.seq).execute();
      await tx.deleteFrom('audit_log').where('seq', '<=', checkpoint.seq).execute();
      return checkpoint;
    });
  }

  /** The newest checkpoint: where the chain starts after a prune. */
  checkpoint(): Promise<SignedHead | undefined> {
    return this.checkpointIn(this.db);
  }

  private async checkpointIn(db: Kysely<Database>): Promise<SignedHead | undefined> {
    const row = await db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { seq: Number(row.seq), hash: row.hash, signedAt: Number(row.signed_at), jws: row.jws };
  }

  /** The chain's last entry's seq and hash, or `undefined` while it is empty. */
  async head(): Promise<{ seq: number; hash: string } | undefined> {
    const row = await this.db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
  }

  /** Keeps a signed head; a head already kept at that seq (another instance signed it) stays. */
  async keepHead(head: SignedHead): Promise<void> {
    await this.db
      .insertInto('audit_heads')
      .values({ seq: head.seq, hash: head.hash, signed_at: head.signedAt, jws: head.jws })
      .onConflict((oc) => oc.column('seq').doNothing())
      .execute();
  }

  /** Newest first, filtered. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    let select = this.db.selectFrom('audit_log').selectAll();
    if (query.since !== undefined) select = select.where('at', '>=', query.since);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    const rows = await select.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(entryOf);
  }

  /** Up to `limit` entries after `afterSeq`, in chain order: a page of the walk. */
  async page(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(entryOf);
  }

  /** The entry at `seq`, if it is there. */
  async at(seq: number): Promise<AuditEntry | undefined> {
    const row = await this.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row === undefined ? undefined : entryOf(row);
  }

  /** Every signed head, in chain order. */
  async heads(): Promise<SignedHead[]> {
    const rows = await this.db.selectFrom('audit_heads').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, signedAt: Number(r.signed_at), jws: r.jws }));
  }
}
