import { canonicalJson } from '../canonical-json.js';
import type { PublicJwk } from '../crypto/key-pair.js';
import { sign } from '../crypto/sign.js';

/**
 * The proof of possession for a link enrollment:
 * SIG(JCS({"purpose":"countersign-enrollment","token":TOKEN,"public_key":JWK})).
 */
export function linkEnrollmentProof(
  privateKey: CryptoKey,
  token: string,
  publicKey: PublicJwk,
): Promise<string> {
  return sign(privateKey, canonicalJson({ purpose: 'countersign-enrollment', token, public_key: publicKey }));
}

/**
 * The proof of possession for a phone enrollment:
 * SIG(JCS({"purpose":"countersign-phone-enrollment","enrollment_id":ID,"code":CODE,"public_key":JWK})).
 */
export function phoneEnrollmentProof(
  privateKey: CryptoKey,
  enrollmentId: string,
  code: string,
  publicKey: PublicJwk,
): Promise<string> {
  return sign(
    privateKey,
    canonicalJson({
      purpose: 'countersign-phone-enrollment',
      enrollment_id: enrollmentId,
      code,
      public_key: publicKey,
    }),
  );
}
