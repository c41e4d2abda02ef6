import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { CountersignError } from '../countersign-error.js';
import type { JsonObject } from '../http/wire.js';
import type { DevicePublicKey } from './receipt-payload.js';

/** 64 bytes (P-256 `r‖s`), base64url without padding. */
const P1363_B64U = /^[A-Za-z0-9_-]{86}$/;

/**
 * Whether `signature` is the device's ES256 signature (IEEE P1363, base64url) of `JCS(answer)` under
 * `publicKey`.
 *
 * @throws CountersignError `receipt_malformed` when the key is not a valid P-256 public key.
 */
export function deviceSignatureValid(
  answer: JsonObject,
  signature: string,
  publicKey: DevicePublicKey,
): boolean {
  if (!P1363_B64U.test(signature)) return false;
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: { ...publicKey }, format: 'jwk' });
  } catch (caught) {
    throw new CountersignError('receipt_malformed', 'the device public key is not a P-256 point', {
      cause: caught,
    });
  }
  return verify(
    'sha256',
    Buffer.from(canonicalJson(answer), 'utf8'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
}
