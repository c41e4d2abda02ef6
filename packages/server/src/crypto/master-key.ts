import { hkdfSync } from 'node:crypto';
import { createSecretBox, keyId, type SecretBox } from './secret-box.js';

/** Keys derived from the operator's master key, each for one purpose only. */
export interface ServiceKeys {
  /** AES-256-GCM key for secrets at rest. */
  readonly encryption: Buffer;
  /** HMAC pepper for verify-only values (API keys, one-time codes). */
  readonly pepper: Buffer;
}

const MASTER_KEY_PATTERN = /^[0-9a-fA-F]{64}$/;

/** Parses a master key written as 64 hex characters. Throws a `TypeError` with a clear message otherwise. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!MASTER_KEY_PATTERN.test(trimmed)) {
    throw new TypeError('COUNTERSIGN_MASTER_KEY must be 32 bytes written as 64 hexadecimal characters');
  }
  return Buffer.from(trimmed, 'hex');
}

/** Derives the per-purpose keys with HKDF-SHA-256, so no key is ever used for two jobs. */
export function deriveServiceKeys(master: Buffer): ServiceKeys {
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `countersign/${info}`, 32));
  return Object.freeze({ encryption: derive('encryption/v1'), pepper: derive('pepper/v1') });
}

/** The id a master key's sealed values carry (`keyId` of its encryption key): public, and reveals nothing of it. */
export function masterKeyId(master: Buffer): string {
  return keyId(deriveServiceKeys(master).encryption);
}

/** The secret box of a service: seals with `master`, and also opens what `previous` sealed (D16). */
export function masterKeyBox(master: Buffer, previous?: Buffer): SecretBox {
  return createSecretBox(
    deriveServiceKeys(master).encryption,
    previous === undefined ? [] : [deriveServiceKeys(previous).encryption],
  );
}
