import type { PublicJwk } from '@countersign/protocol';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * Makes a device key pair (ECDSA P-256). The private key is extractable only when asked: a storage that
 * can hold `CryptoKey` objects (IndexedDB) never needs it, one that writes files does.
 */
export async function generateDeviceKeyPair(options: { extractable: boolean }): Promise<CryptoKeyPair> {
  const pair = await globalThis.crypto.subtle.generateKey(ALGORITHM, options.extractable, ['sign', 'verify']);
  return pair;
}

/** The public half as a protocol JWK (`ext` and `key_ops`, which WebCrypto adds, are dropped). */
export async function exportPublicJwk(publicKey: CryptoKey): Promise<PublicJwk> {
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', publicKey);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined) {
    throw new TypeError('not a P-256 public key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** Imports a protocol JWK as a verifying key. */
export function importPublicJwk(jwk: PublicJwk): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('jwk', jwk, ALGORITHM, true, ['verify']);
}
