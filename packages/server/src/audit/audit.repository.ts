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

/** The only code that writes `audit_log` and `audit_heads`. Entries are appended, never updated. */
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
      const fields: ChainedFields = {
        ...entry,
        seq: last === undefined ? 1 : Number(last.seq) + 1,
        prev_hash: last?.hash ?? GENESIS_HASH,
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
