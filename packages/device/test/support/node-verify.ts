import { verify } from 'node:crypto';
import type { PublicJwk } from '@countersign/protocol';

/**
 * Checks a protocol signature with node:crypto rather than WebCrypto, as the service does: P-256/SHA-256,
 * IEEE P1363 (`r‖s`) in base64url, over the UTF-8 bytes of `text`.
 */
export function verifiesWithNode(publicKey: PublicJwk, text: string, signature: string): boolean {
  return verify(
    'sha256',
    Buffer.from(text, 'utf8'),
    { key: { ...publicKey }, format: 'jwk', dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
}
