import {
  canonicalJson,
  invitationEnrollmentDocument,
  linkEnrollmentDocument,
  type PublicJwk,
  phoneEnrollmentDocument,
} from '@countersign/protocol';
import { sign } from '../crypto/sign.js';

/** The proof of possession for a link enrollment: SIG(JCS(`linkEnrollmentDocument`)). */
export function linkEnrollmentProof(
  privateKey: CryptoKey,
  token: string,
  publicKey: PublicJwk,
): Promise<string> {
  return sign(privateKey, canonicalJson(linkEnrollmentDocument(token, publicKey)));
}

/** The proof of possession for a phone enrollment: SIG(JCS(`phoneEnrollmentDocument`)). */
export function phoneEnrollmentProof(
  privateKey: CryptoKey,
  enrollmentId: string,
  code: string,
  publicKey: PublicJwk,
): Promise<string> {
  return sign(privateKey, canonicalJson(phoneEnrollmentDocument(enrollmentId, code, publicKey)));
}

/** The proof of possession for an invitation's enrollment (D15): SIG(JCS(`invitationEnrollmentDocument`)). */
export function invitationEnrollmentProof(
  privateKey: CryptoKey,
  invitation: string,
  code: string,
  publicKey: PublicJwk,
): Promise<string> {
  return sign(privateKey, canonicalJson(invitationEnrollmentDocument(invitation, code, publicKey)));
}
