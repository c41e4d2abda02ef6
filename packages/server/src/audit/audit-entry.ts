import { createHash } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';

/** The `prev_hash` of the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The `typ` of a signed head's JWS: a head cannot pass for a receipt, nor a receipt for a head. */
export const HEAD_TYP = 'countersign-audit-head+jwt';

/** The `typ` of a checkpoint's JWS: where a prune ended, which no head can stand for. */
export const CHECKPOINT_TYP = 'countersign-audit-checkpoint+jwt';

/**
 * What happened, as a caller reports it: who (`actor`: `cli:<os user>`, `service`, later
 * `operator:<email>`), from where (`from`: an address, or `cli`), what (`action`: `app.create`,
 * `security.<event type>`), to what, and what changed. `before` and `after` identify and describe the change;
 * they never hold a secret (a key, a seed, a code, a token).
 */
export interface AuditAction {
  readonly actor: string;
  readonly from: string;
  readonly action: string;
  readonly target?: { readonly type: string; readonly id: string };
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/**
 * One entry of the chain, as it is hashed and exported: every field but `hash`. Its hash is the SHA-256 (hex)
 * of its RFC 8785 canonical JSON (`entryHash`), so that anyone can recompute it from an exported line.
 */
export interface ChainedFields {
  readonly seq: number;
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly from: string;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly prev_hash: string;
}

/** An entry of the chain with its hash. */
export interface AuditEntry extends ChainedFields {
  readonly hash: string;
}

/** The SHA-256 (hex) of the entry's canonical JSON: every field but `hash`, `prev_hash` included. */
export function entryHash(fields: ChainedFields): string {
  const { seq, id, at, actor, from, action, target_type, target_id, before, after, prev_hash } = fields;
  const canonical = canonicalJson({
    seq,
    id,
    at,
    actor,
    from,
    action,
    target_type,
    target_id,
    before,
    after,
    prev_hash,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * A signed head of the chain as kept, or a checkpoint where pruned entries ended: the entry `seq` had
 * `hash`; `jws` signs `{seq, hash, iat}`.
 */
export interface SignedHead {
  readonly seq: number;
  readonly hash: string;
  readonly signedAt: number;
  readonly jws: string;
}
