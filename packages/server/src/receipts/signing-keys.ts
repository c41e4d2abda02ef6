import { createPrivateKey, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { metaContext, sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { KeptValues } from '../db/meta.js';
import type { Clock } from '../lib/clock.js';
import { OperatorError } from '../lib/operator-error.js';
import type { ReceiptSigner } from './receipt-signer.js';
import type { SigningKeyRepository, SigningKeyRow } from './signing-key.repository.js';

/** Where the one key of the service was kept before keys could rotate; moved into `signing_keys` at start. */
const LEGACY_META_KEY = 'receipt_signing_key';
const LEGACY_CONTEXT = metaContext(LEGACY_META_KEY);
/** The sealed JWK of key `kid`: a ciphertext copied to another key's row does not open. */
const keyContext = sealedContext.signingKey;

/**
 * How long a PostgreSQL instance may sign with, and publish, the keys it read before another instance or
 * the command line rotated them (R4′'s bound for app keys, and what a rotation waits out before it returns).
 */
export const SIGNING_KEY_TTL_MS = 1_000;

/** A key's place in its life: it signs, it is published for the overlap, or it is kept for `audit verify` only. */
export type SigningKeyState = 'active' | 'published' | 'retired';

/** A signing key as the operator sees it (`countersign signing-key list`). */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly createdAt: number;
  readonly state: SigningKeyState;
  /** When it leaves (left) the key set; `null` for the signing key. */
  readonly retireAt: number | null;
}

/** What a rotation did: the key that signs now, and the one before, published until it retires. */
export interface SigningKeyRotation {
  readonly active: SigningKeyInfo;
  readonly previous: SigningKeyInfo;
}

/** A rotation that could not happen as asked (another came first, the keys are not as they should be). */
export class SigningKeyError extends OperatorError {
  override readonly name = 'SigningKeyError';
}

/** One kept key, opened. */
interface OpenedKey {
  readonly kid: string;
  readonly generation: number;
  readonly createdAt: number;
  readonly retireAt: number | null;
  /** As published: the public half with `kid`, `alg` and `use`. */
  readonly published: JWK;
  /** The private key, for the signing key only (the others' were erased when they stopped signing). */
  readonly privateKey: KeyObject | undefined;
  /** The sealed value it was opened from: the same value is not opened twice. */
  readonly keyCt: string;
}

/** The keys as last read, and what tells whether they may still be used. */
interface KeyRing {
  readonly signing: OpenedKey & { readonly privateKey: KeyObject };
  readonly keys: readonly OpenedKey[];
  /** `SigningKeys.changes` when the read began: a change announced since makes it stale. */
  readonly changes: number;
  /** `Store.dataVersion` when the read began (SQLite: another process's commit makes it stale). */
  readonly version: number | undefined;
  /** The monotonic time the read began: its age bound counts from there. */
  readonly readAt: number;
}

export interface SigningKeysOptions {
  readonly repository: SigningKeyRepository;
  /** Where the key of a store from before rotation is found, and forgotten once moved. */
  readonly kept: KeptValues;
  readonly box: SecretBox;
  readonly clock: Clock;
  /** Bound on the age of the keys read (PostgreSQL: `SIGNING_KEY_TTL_MS`); `undefined`: the data version is exact. */
  readonly ttlMs: number | undefined;
  /** What a rotation waits before it returns, so that every instance signs with the new key by then. */
  readonly settleMs?: number;
  /** A monotonic clock in milliseconds: a moved wall clock must not stretch the keys' life in memory. */
  readonly monotonic?: () => number;
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return exportJWK(privateKey);
}

/** The public half of a key's JWK: its four members, so that nothing private can travel with it. */
function publicHalf(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, y };
}

/**
 * The service's receipt signing keys (issue 21, item 3). The key of the highest generation signs receipts
 * and audit heads; `rotate` makes a new one the signing key and keeps the one before published until its
 * overlap ends, erasing its private half at once (it never signs again). Every key's public half is kept for
 * good, sealed like the rest, so that `audit verify` proves heads signed before any rotation.
 *
 * Every instance picks a rotation up without a restart, the way app keys are cached (R4′): on SQLite exactly,
 * by the data version on every use; on PostgreSQL within `ttlMs`, and at once when the rotation is
 * announced on the bus. An instance that has not yet read a rotation signs with the key before, which is
 * published for far longer than that.
 */
export class SigningKeys implements ReceiptSigner {
  private readonly options: SigningKeysOptions;
  private readonly monotonic: () => number;
  /** Moves on every change announced (`changed`): a ring read before it is stale. */
  private changes = 0;
  private ring: KeyRing | undefined;
  private reading: { readonly changes: number; readonly ring: Promise<KeyRing> } | undefined;
  /** Keys opened before, by kid: the same sealed value is opened once. */
  private readonly opened = new Map<string, OpenedKey>();

  private constructor(options: SigningKeysOptions) {
    this.options = options;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /**
   * Loads the keys, making the first one on a new store, or moving the one a store from before rotation
   * kept in `meta` (the same key: receipts and heads it signed verify as before). Instances starting at once
   * agree on one first key.
   */
  static async load(options: SigningKeysOptions): Promise<SigningKeys> {
    const { repository, kept, box, clock } = options;
    if ((await repository.all()).length === 0) {
      const legacy = await kept.value(LEGACY_META_KEY);
      const jwk =
        legacy === undefined ? await newPrivateJwk() : (JSON.parse(box.open(legacy, LEGACY_CONTEXT)) as JWK);
      const kid = await calculateJwkThumbprint(publicHalf(jwk));
      await repository.keepFirst({
        kid,
        key_ct: box.seal(JSON.stringify(jwk), keyContext(kid)),
        created_at: clock.now(),
      });
    }
    // The table holds the key now: its copy in `meta` goes, so that no private key lingers beside it.
    if ((await kept.value(LEGACY_META_KEY)) !== undefined) await kept.forget(LEGACY_META_KEY);
    const keys = new SigningKeys(options);
    // Read now, so that a store whose keys cannot be opened stops the start.
    await keys.current();
    return keys;
  }

  /** A rotation was announced (here or on another instance), or the bus may have missed one: read again. */
  changed(): void {
    this.changes += 1;
  }

  async sign(payload: Record<string, unknown>, typ = 'countersign-receipt+jwt'): Promise<string> {
    const { signing } = await this.current();
    const header = base64url(JSON.stringify({ alg: 'ES256', kid: signing.kid, typ }));
    const input = `${header}.${base64url(JSON.stringify(payload))}`;
    // A JWS in compact form (RFC 7515 §7.1) signed by node:crypto on this thread: jose's WebCrypto signing
    // goes through the thread pool and takes several times longer, on every device answer. Receipts are
    // checked with jose (the tests, `verifyReceipt` of the SDK).
    const signature = sign('sha256', Buffer.from(input), {
      key: signing.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const { keys } = await this.current();
    const now = this.options.clock.now();
    return { keys: keys.filter((key) => stateOf(key, now) !== 'retired').map((key) => key.published) };
  }

  async verificationKeys(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.current()).keys.map((key) => key.published) };
  }

  /** Every key kept, the signing one first, with its state now. Read from the store, not from memory. */
  async list(): Promise<SigningKeyInfo[]> {
    const now = this.options.clock.now();
    return (await this.read(this.changes)).keys.map((key) => infoOf(key, now));
  }

  /**
   * Makes a new key the signing key; the one before stays published for `overlapMs`, then retires. Its
   * private half is erased in the same transaction. On a store several instances share, returns only once
   * every instance signs with the new key (`settleMs`).
   *
   * @throws SigningKeyError when another rotation changed the signing key meanwhile.
   */
  async rotate(overlapMs: number): Promise<SigningKeyRotation> {
    if (!Number.isSafeInteger(overlapMs) || overlapMs < 0)
      throw new TypeError('overlapMs is a whole number ≥ 0');
    const { repository, box, clock } = this.options;
    const { signing } = await this.read(this.changes);
    const jwk = await newPrivateJwk();
    const kid = await calculateJwkThumbprint(publicHalf(jwk));
    const now = clock.now();
    const retireAt = now + overlapMs;
    const rotated = await repository.rotate({
      from: signing.generation,
      retireAt,
      retiredKeyCt: box.seal(JSON.stringify(publicHalf(signing.published)), keyContext(signing.kid)),
      next: {
        kid,
        generation: signing.generation + 1,
        key_ct: box.seal(JSON.stringify(jwk), keyContext(kid)),
        created_at: now,
      },
    });
    if (!rotated) {
      throw new SigningKeyError(
        'another rotation changed the signing key meanwhile: list the keys, then decide',
      );
    }
    this.changed();
    if ((this.options.settleMs ?? 0) > 0) await sleep(this.options.settleMs);
    return {
      active: { kid, createdAt: now, state: 'active', retireAt: null },
      previous: {
        kid: signing.kid,
        createdAt: signing.createdAt,
        state: retireAt > now ? 'published' : 'retired',
        retireAt,
      },
    };
  }

  /** The keys, read again first if they may be stale. */
  private current(): Promise<KeyRing> {
    const ring = this.ring;
    const { ttlMs, repository } = this.options;
    if (
      ring !== undefined &&
      ring.changes === this.changes &&
      ring.version === repository.dataVersion() &&
      (ttlMs === undefined || this.monotonic() - ring.readAt < ttlMs)
    ) {
      return Promise.resolve(ring);
    }
    // Callers share a read, unless a change was announced after it began.
    if (this.reading === undefined || this.reading.changes !== this.changes) {
      const changes = this.changes;
      const reading: Promise<KeyRing> = this.read(changes)
        .then((read) => {
          // A read that began before the one kept keeps nothing.
          if (this.ring === undefined || read.changes >= this.ring.changes) this.ring = read;
          return read;
        })
        .finally(() => {
          if (this.reading?.ring === reading) this.reading = undefined;
        });
      this.reading = { changes, ring: reading };
    }
    return this.reading.ring;
  }

  private async read(changes: number): Promise<KeyRing> {
    const version = this.options.repository.dataVersion();
    const readAt = this.monotonic();
    const rows = await this.options.repository.all();
    const keys = await Promise.all(rows.map((row) => this.open(row)));
    const [signing] = keys;
    if (signing === undefined || signing.retireAt !== null || signing.privateKey === undefined) {
      throw new SigningKeyError(
        'the newest receipt signing key cannot sign: the signing_keys table was changed',
      );
    }
    return { signing: { ...signing, privateKey: signing.privateKey }, keys, changes, version, readAt };
  }

  private async open(row: SigningKeyRow): Promise<OpenedKey> {
    const known = this.opened.get(row.kid);
    if (known !== undefined && known.keyCt === row.key_ct && known.retireAt === row.retire_at) return known;
    const jwk = JSON.parse(this.options.box.open(row.key_ct, keyContext(row.kid))) as JWK;
    // The sealed value is bound to its kid; the kid is also what the key hashes to (RFC 7638).
    if ((await calculateJwkThumbprint(publicHalf(jwk))) !== row.kid) {
      throw new SigningKeyError(`receipt signing key ${row.kid} is not the key its kid names`);
    }
    const opened: OpenedKey = {
      kid: row.kid,
      generation: row.generation,
      createdAt: row.created_at,
      retireAt: row.retire_at,
      published: { ...publicHalf(jwk), kid: row.kid, alg: 'ES256', use: 'sig' },
      privateKey:
        jwk.d === undefined ? undefined : createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
      keyCt: row.key_ct,
    };
    this.opened.set(row.kid, opened);
    return opened;
  }
}

function stateOf(key: OpenedKey, now: number): SigningKeyState {
  if (key.retireAt === null) return 'active';
  return key.retireAt > now ? 'published' : 'retired';
}

function infoOf(key: OpenedKey, now: number): SigningKeyInfo {
  return { kid: key.kid, createdAt: key.createdAt, state: stateOf(key, now), retireAt: key.retireAt };
}
