import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { PublicJwk } from '@countersign/protocol';

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/** Accepts exactly a P-256 public JWK; anything else (other curves, RSA, private parts) is refused. */
export function parsePublicJwk(value: unknown): PublicJwk | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const jwk = value as Record<string, unknown>;
  const allowed = new Set(['kty', 'crv', 'x', 'y', 'ext', 'key_ops', 'alg', 'use']);
  if (Object.keys(jwk).some((k) => !allowed.has(k))) return undefined;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return undefined;
  if (
    typeof jwk.x !== 'string' ||
    typeof jwk.y !== 'string' ||
    !COORDINATE.test(jwk.x) ||
    !COORDINATE.test(jwk.y)
  ) {
    return undefined;
  }
  const clean: PublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  try {
    toKeyObject(clean);
  } catch {
    return undefined; // Not a point on the curve.
  }
  return clean;
}

/** Public keys already parsed, by coordinates: parsing one costs more than checking a signature with it. */
const parsed = new Map<string, KeyObject>();
const PARSED_LIMIT = 10_000;

export function toKeyObject(jwk: PublicJwk): KeyObject {
  const id = `${jwk.x}.${jwk.y}`;
  let key = parsed.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
    // Keys are public and enrolled ones are few; past the limit the oldest go first.
    if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string);
    parsed.set(id, key);
  }
  return key;
}

/** Verifies an ECDSA P-256 / SHA-256 signature in IEEE P1363 form, base64url encoded. */
export function verifySignature(key: KeyObject, data: string, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(data, 'utf8'),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}
