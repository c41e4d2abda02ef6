import type { PublicJwk } from './public-jwk.js';

/**
 * What a device signs to prove it holds its key when it enrolls with an app's link:
 * `{"purpose":"countersign-enrollment","token":TOKEN,"public_key":JWK}`; the proof is SIG(JCS(it)).
 */
export function linkEnrollmentDocument(token: string, publicKey: PublicJwk) {
  return { purpose: 'countersign-enrollment', token, public_key: publicKey } as const;
}

/**
 * What a device signs to prove it holds its key when it enrolls by phone and code:
 * `{"purpose":"countersign-phone-enrollment","enrollment_id":ID,"code":CODE,"public_key":JWK}`; the proof
 * is SIG(JCS(it)).
 */
export function phoneEnrollmentDocument(enrollmentId: string, code: string, publicKey: PublicJwk) {
  return {
    purpose: 'countersign-phone-enrollment',
    enrollment_id: enrollmentId,
    code,
    public_key: publicKey,
  } as const;
}

/**
 * What a device signs to prove it holds its key when it enrolls with an app's invitation and the code sent
 * to the user's phone (D15): `{"purpose":"countersign-invitation-enrollment","invitation":TOKEN,"code":CODE,
 * "public_key":JWK}`; the proof is SIG(JCS(it)).
 */
export function invitationEnrollmentDocument(invitation: string, code: string, publicKey: PublicJwk) {
  return {
    purpose: 'countersign-invitation-enrollment',
    invitation,
    code,
    public_key: publicKey,
  } as const;
}
