import { canonicalJson } from './canonical-json.js';
import { base64url } from './lib/base64url.js';
import { sha256 } from './lib/sha256.js';
import type { PublicJwk } from './public-jwk.js';

/** Where a device runs: shown to the user beside its name. */
export type AdmissionPlatform = 'web' | 'cli';

/**
 * What a new device signs with its new key to claim an admission link (`SIG(JCS(it))`), proving it holds
 * the key and naming itself as the holding device will show it:
 * `{"purpose":"countersign-admission-claim","token":TOKEN,"public_key":JWK,"name":NAME,"platform":PLATFORM}`.
 */
export function admissionClaimDocument(
  token: string,
  publicKey: PublicJwk,
  name: string,
  platform: AdmissionPlatform,
) {
  return { purpose: 'countersign-admission-claim', token, public_key: publicKey, name, platform } as const;
}

/**
 * The ADMISSION a holding device signs to let a new device in (`SIG(JCS(ADMISSION))`): this admission, the
 * new device's id, key, name and platform as the service recorded its claim, and the scope it gets — the
 * holding device's own user (`authy_id`) and app (`app_id`, `null` for a device enrolled by phone).
 */
export interface AdmissionDocument {
  readonly purpose: 'countersign-admission';
  readonly admission_id: string;
  /** The holding device, which signs. */
  readonly device_id: string;
  readonly new_device_id: string;
  readonly new_public_key: PublicJwk;
  readonly new_device_name: string;
  readonly new_device_platform: AdmissionPlatform;
  readonly authy_id: number;
  readonly app_id: number | null;
  /** UNIX milliseconds. */
  readonly signed_at: number;
}

/** The members of an admission document, in JCS order: exactly these, no more. */
export const ADMISSION_DOCUMENT_KEYS: readonly (keyof AdmissionDocument)[] = [
  'admission_id',
  'app_id',
  'authy_id',
  'device_id',
  'new_device_id',
  'new_device_name',
  'new_device_platform',
  'new_public_key',
  'purpose',
  'signed_at',
];

const MAX_TEXT = 100;
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

function isPublicJwk(value: unknown): value is PublicJwk {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const jwk = value as Record<string, unknown>;
  return (
    Object.keys(jwk).length === 4 &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    COORDINATE.test(jwk.x) &&
    typeof jwk.y === 'string' &&
    COORDINATE.test(jwk.y)
  );
}

/**
 * Reads an untrusted admission document strictly: exactly the protocol's members, each of its type. Gives
 * the document, or what is wrong with it: `document is not an object`, `unexpected fields`, or the name of
 * the first member that is not as the protocol says.
 */
export function readAdmissionDocument(value: unknown): { document: AdmissionDocument } | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'document is not an object' };
  }
  const d = value as Record<string, unknown>;
  const keys = Object.keys(d).sort();
  if (
    keys.length !== ADMISSION_DOCUMENT_KEYS.length ||
    keys.some((k, i) => k !== ADMISSION_DOCUMENT_KEYS[i])
  ) {
    return { problem: 'unexpected fields' };
  }
  if (d.purpose !== 'countersign-admission') return { problem: 'purpose' };
  for (const key of ['admission_id', 'device_id', 'new_device_id', 'new_device_name'] as const) {
    const text = d[key];
    if (typeof text !== 'string' || text.length > MAX_TEXT) return { problem: key };
  }
  if (!isPublicJwk(d.new_public_key)) return { problem: 'new_public_key' };
  if (d.new_device_platform !== 'web' && d.new_device_platform !== 'cli') {
    return { problem: 'new_device_platform' };
  }
  if (typeof d.authy_id !== 'number' || !Number.isSafeInteger(d.authy_id)) return { problem: 'authy_id' };
  if (!(d.app_id === null || (typeof d.app_id === 'number' && Number.isSafeInteger(d.app_id)))) {
    return { problem: 'app_id' };
  }
  if (typeof d.signed_at !== 'number' || !Number.isSafeInteger(d.signed_at)) return { problem: 'signed_at' };
  return { document: d as unknown as AdmissionDocument };
}

/**
 * CHALLENGE = B64U(SHA256(JCS(ADMISSION))): the WebAuthn challenge of an admission approved with user
 * verification (D14), so the passkey vouches for this admission of this key and no other.
 */
export function admissionChallenge(document: AdmissionDocument): string {
  return base64url(sha256(canonicalJson(document)));
}

/**
 * The comparison code both screens show, so the user sees that the device about to be let in is the one
 * in their hand: six digits, `uint32(first 4 bytes of SHA256(JCS({"admission_id":ID,"public_key":JWK})))
 * mod 1000000`, zero-padded. Each side computes it from what it holds, never from what the other says.
 */
export function admissionCode(admissionId: string, publicKey: PublicJwk): string {
  const digest = sha256(
    canonicalJson({
      admission_id: admissionId,
      public_key: { kty: publicKey.kty, crv: publicKey.crv, x: publicKey.x, y: publicKey.y },
    }),
  );
  const value =
    (((digest[0] ?? 0) << 24) >>> 0) + ((digest[1] ?? 0) << 16) + ((digest[2] ?? 0) << 8) + (digest[3] ?? 0);
  return String(value % 1_000_000).padStart(6, '0');
}
