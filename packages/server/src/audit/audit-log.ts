import { type CompactVerifyGetKey, compactVerify, createLocalJWKSet } from 'jose';
import { constantTimeEqual } from '../crypto/digest.js';
import type { Random } from '../crypto/random.js';
import type { Clock } from '../lib/clock.js';
import type { ReceiptSigner } from '../receipts/receipt-signer.js';
import type { AuditQuery, AuditRepository } from './audit.repository.js';
import {
  type AuditAction,
  type AuditEntry,
  CHECKPOINT_TYP,
  entryHash,
  GENESIS_HASH,
  HEAD_TYP,
  type SignedHead,
} from './audit-entry.js';
import type { AuditTrail } from './audit-trail.js';

/** Entries read at once while walking the chain. */
const PAGE = 500;

/** What `verify` found: the chain holds, or the first place where it does not. */
export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly lastSeq: number; readonly heads: number }
  | {
      readonly ok: false;
      readonly kind: 'changed' | 'missing' | 'out_of_order' | 'head' | 'checkpoint';
      readonly seq: number;
      readonly message: string;
    };

const failed = (kind: Extract<AuditVerdict, { ok: false }>['kind'], seq: number): AuditVerdict => {
  const message = {
    changed: `entry ${seq} was changed`,
    missing: `entry ${seq} is missing`,
    out_of_order: `entries out of order at ${seq}`,
    head: `head at ${seq} does not verify`,
    checkpoint: `checkpoint at ${seq} does not verify`,
  }[kind];
  return { ok: false, kind, seq, message };
};

/**
 * The tamper-evident audit log (issue 17, item 3): appends to one hash chain, signs its head with the
 * service's receipt key, and proves the chain and its signed heads again (`verify`).
 */
export class AuditLog implements AuditTrail {
  constructor(
    private readonly options: {
      readonly repository: AuditRepository;
      readonly signer: ReceiptSigner;
      readonly random: Random;
      readonly clock: Clock;
    },
  ) {}

  async record(action: AuditAction): Promise<void> {
    await this.options.repository.append({
      id: this.options.random.uuid(),
      at: this.options.clock.now(),
      actor: action.actor,
      from: action.from,
      action: action.action,
      target_type: action.target?.type ?? null,
      target_id: action.target?.id ?? null,
      before: action.before ?? null,
      after: action.after ?? null,
    });
  }

  /** Signs the chain's head (`{seq, hash, iat}`, ES256) unless it is empty; returns the head signed. */
  async signHead(): Promise<SignedHead | undefined> {
    const head = await this.options.repository.head();
    if (head === undefined) return undefined;
    const signed = await this.signed(head, HEAD_TYP);
    await this.options.repository.keepHead(signed);
    return signed;
  }

  /**
   * Removes the entries older than `before` (ms), keeping a signed checkpoint of the last one removed, from
   * which `verify` goes on proving the rest. Returns the checkpoint, or `undefined` when none was that old.
   */
  prune(before: number): Promise<SignedHead | undefined> {
    return this.options.repository.prune(before, (head) => this.signed(head, CHECKPOINT_TYP));
  }

  /**
   * Archives, then prunes: hands every entry a prune at `before` would remove to `archive` (in chain order)
   * and only once it has them all removes exactly those. An entry appended meanwhile is neither archived nor
   * removed. Returns the checkpoint, or `undefined` when no entry is that old.
   */
  async archiveAndPrune(
    before: number,
    archive: (entry: AuditEntry) => Promise<void>,
  ): Promise<SignedHead | undefined> {
    let last: number | undefined;
    for await (const entry of this.entries()) {
      if (entry.at >= before) break;
      await archive(entry);
      last = entry.seq;
    }
    if (last === undefined) return undefined;
    return this.options.repository.prune(before, (head) => this.signed(head, CHECKPOINT_TYP), last);
  }

  private async signed(head: { seq: number; hash: string }, typ: string): Promise<SignedHead> {
    const signedAt = this.options.clock.now();
    const payload = { seq: head.seq, hash: head.hash, iat: Math.floor(signedAt / 1000) };
    return { ...head, signedAt, jws: await this.options.signer.sign(payload, typ) };
  }

  list(query: AuditQuery): Promise<AuditEntry[]> {
    return this.options.repository.list(query);
  }

  /** Every entry in chain order, a page at a time. */
  async *entries(): AsyncGenerator<AuditEntry> {
    let after = 0;
    for (;;) {
      const page = await this.options.repository.page(after, PAGE);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return;
      after = last.seq;
    }
  }

  /**
   * Walks the chain from its first entry: recomputes every hash, follows every `prev_hash` and checks that
   * `seq` has no gap; then checks every signed head's signature against the service's public key and that it
   * names the entry at its seq. Stops at the first fault. A head is verified with the key its `kid` names
   * among every key the service ever signed with: one signed before a rotation stays signed by the key of
   * its time, retired or not.
   */
  async verify(): Promise<AuditVerdict> {
    const { repository } = this.options;
    const publicKey = createLocalJWKSet(await this.options.signer.verificationKeys());
    // After a prune the chain starts at its checkpoint, whose signature vouches for the entry it names.
    const checkpoint = await repository.checkpoint();
    if (checkpoint !== undefined && !(await signs(checkpoint, publicKey, CHECKPOINT_TYP)))
      return failed('checkpoint', checkpoint.seq);
    const first = checkpoint === undefined ? 1 : checkpoint.seq + 1;
    let expected = first;
    let previous = checkpoint?.hash ?? GENESIS_HASH;
    for await (const entry of this.entries()) {
      const fault = await this.faultOf(entry, expected, previous, first);
      if (fault !== undefined) return fault;
      previous = entry.hash;
      expected += 1;
    }
    const heads = await repository.heads();
    for (const head of heads) {
      if (!(await signs(head, publicKey, HEAD_TYP))) return failed('head', head.seq);
      const entry = await repository.at(head.seq);
      if (entry === undefined) return failed('missing', head.seq);
      // Hashes are public: compared in constant time only because the house rule holds for every digest.
      // The chain holds up to here, rewritten from some entry on: the head proves it was not so when signed.
      if (!constantTimeEqual(entry.hash, head.hash)) return failed('changed', head.seq);
    }
    return { ok: true, entries: expected - first, lastSeq: expected - 1, heads: heads.length };
  }

  /**
   * The seq at which `entry`'s own hash holds, when that is another than its own: it was moved there from.
   * Looked for outwards from where it is, up to the chain's last seq; only a chain found broken pays for it.
   */
  private async movedFrom(entry: AuditEntry): Promise<number | undefined> {
    const last = (await this.options.repository.head())?.seq ?? entry.seq;
    const reach = Math.max(last - entry.seq, entry.seq - 1);
    for (let distance = 1; distance <= reach; distance++) {
      for (const seq of [entry.seq - distance, entry.seq + distance]) {
        if (seq >= 1 && seq <= last && constantTimeEqual(entryHash({ ...entry, seq }), entry.hash))
          return seq;
      }
    }
    return undefined;
  }

  /**
   * What is wrong with `entry`, found where the entry `expected` should follow a hash of `previous`, in a
   * chain that starts at `first`.
   */
  private async faultOf(
    entry: AuditEntry,
    expected: number,
    previous: string,
    first: number,
  ): Promise<AuditVerdict | undefined> {
    if (entry.seq !== expected) return failed('missing', expected);
    if (!constantTimeEqual(entryHash(entry), entry.hash)) {
      return failed((await this.movedFrom(entry)) === undefined ? 'changed' : 'out_of_order', expected);
    }
    // The entry holds but does not follow the one before: that one was rewritten with a hash of its own.
    if (!constantTimeEqual(entry.prev_hash, previous))
      return failed('changed', expected > first ? expected - 1 : expected);
    return undefined;
  }
}

/** Whether `head.jws` is the service's signature, as `typ`, of exactly this head. */
async function signs(head: SignedHead, key: CompactVerifyGetKey, typ: string): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await compactVerify(head.jws, key, { algorithms: ['ES256'] });
    if (protectedHeader.typ !== typ) return false;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { seq?: unknown; hash?: unknown };
    return (
      claims.seq === head.seq && typeof claims.hash === 'string' && constantTimeEqual(claims.hash, head.hash)
    );
  } catch {
    return false;
  }
}
