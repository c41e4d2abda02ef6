import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { randomBytes } from './random.js';

/**
 * AES-256-GCM for secrets at rest. The associated data binds each ciphertext to the row and purpose it
 * belongs to, so a ciphertext copied into another row fails to open.
 */
export interface SecretBox {
  /** The id of the key this box seals with (see `keyId`). */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * A short public name of an encryption key, written into each value it seals: 8 base64url characters (48 bits)
 * of an HMAC keyed with the key itself, so it tells apart two keys and reveals nothing about either.
 */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key)
    .update('countersign/key-id', 'utf8')
    .digest()
    .subarray(0, 6)
    .toString('base64url');
}

/**
 * The id of the key that sealed a value written by `seal` (`v2`), or `undefined` for a value of the first format
 * (`v1`, written before values named their key) and for anything that is not a sealed value.
 */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === 'v2' ? parts[1] : undefined;
}

/**
 * Creates a box over a 32-byte key, which it seals with, and `others` it also opens with (the previous key
 * while a master-key rotation runs). Sealed values read `v2.<key id>.<iv>.<tag>.<ciphertext>` in base64url;
 * values of the first format, `v1.<iv>.<tag>.<ciphertext>`, name no key and are tried under each key in turn.
 */
export function createSecretBox(key: Buffer, others: readonly Buffer[] = []): SecretBox {
  const keys = [key, ...others];
  for (const k of keys) if (k.length !== 32) throw new TypeError('secret box key must be 32 bytes');
  const byId = new Map(keys.map((k) => [keyId(k), k] as const));
  const id = keyId(key);
  return {
    keyId: id,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v2', id, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, sealedBy, iv, tag, body] = parts as [string, string, string, string, string];
        const k = byId.get(sealedBy);
        if (k === undefined) {
          throw new SecretBoxError(
            `sealed value was sealed under a key this box does not hold (key id ${sealedBy})`,
          );
        }
        return openWith(k, iv, tag, body, context);
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, iv, tag, body] = parts as [string, string, string, string];
        for (const k of keys) {
          try {
            return openWith(k, iv, tag, body, context);
          } catch {
            // The next key, if any: a v1 value does not say which key sealed it.
          }
        }
        throw new SecretBoxError('sealed value does not open under this key and context');
      }
      throw new SecretBoxError('sealed value has an unknown format');
    },
  };
}

function openWith(key: Buffer, iv: string, tag: string, body: string, context: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretBoxError('sealed value does not open under this key and context');
  }
}
