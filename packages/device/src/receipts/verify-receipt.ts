import {
  type AnswerDocument,
  canonicalJson,
  type DisplayedContent,
  decodeBase64url,
  displayHash,
  type PublicJwk,
  readAnswerDocument,
  utf8,
} from '@countersign/protocol';
import { compactVerify, createLocalJWKSet, errors } from 'jose';
import type { ReceiptKeySet } from '../protocol/wire.js';

/**
 * Why a receipt does not verify. `malformed`: not a receipt at all; `unknown_key`: no key of the service's
 * set has its `kid`; `service_signature`: the service's signature does not verify; `device_signature`: the
 * device's signature inside does not verify over its answer; `another_request`: it is of another request,
 * app or device, or states another outcome than the one listed; `display_mismatch`: what the device signed
 * it showed is not the text listed; `another_key`: signed by another key than this device's own.
 */
export type ReceiptProblem =
  | 'malformed'
  | 'unknown_key'
  | 'service_signature'
  | 'device_signature'
  | 'another_request'
  | 'display_mismatch'
  | 'another_key';

/** What a verified receipt states. */
export type ReceiptClaims = {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  status: 'approved' | 'denied';
  reason: string | null;
  device_id: string;
  answer: AnswerDocument;
  /** Whether a passkey verified the user (D14); `false` in receipts from before user verification. */
  uv: boolean;
};

export type ReceiptVerification =
  | { valid: true; claims: ReceiptClaims }
  | { valid: false; problem: ReceiptProblem };

/** What the receipt must be about: the request as it is listed, and what its device showed. */
export type ReceiptExpectation = {
  uuid: string;
  app_id: number;
  status: 'approved' | 'denied';
  reason: string | null;
  /** The text listed with the request: the device's signed display hash must be its hash. */
  displayed: DisplayedContent;
  /** The device the listing says answered. */
  device_id?: string;
  /** This device's own public key, when the listing says this device answered: the receipt must name it. */
  device_public_key?: PublicJwk;
};

const RECEIPT_TYPE = 'countersign-receipt+jwt';
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const B64U = /^[A-Za-z0-9_-]+$/;
/** 64 bytes (P-256 `r‖s`), base64url without padding. */
const P1363 = /^[A-Za-z0-9_-]{86}$/;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Refused extends Error {
  constructor(readonly problem: ReceiptProblem) {
    super(problem);
  }
}

const refuse = (problem: ReceiptProblem): never => {
  throw new Refused(problem);
};

function decodeJson(bytes: Uint8Array): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('malformed');
  }
  return isObject(parsed) ? parsed : refuse('malformed');
}

/** A P-256 public JWK with only its four members, or `undefined`. */
function p256(value: unknown): PublicJwk | undefined {
  if (!isObject(value) || value.kty !== 'EC' || value.crv !== 'P-256') return undefined;
  const { x, y } = value;
  if (typeof x !== 'string' || typeof y !== 'string' || !B64U.test(x) || !B64U.test(y)) return undefined;
  return { kty: 'EC', crv: 'P-256', x, y };
}

async function verifies(jwk: PublicJwk, signature: string, text: string): Promise<boolean> {
  if (!P1363.test(signature)) return false;
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey('jwk', jwk, ECDSA_P256, false, ['verify']);
  } catch {
    return false; // not a point on the curve
  }
  return globalThis.crypto.subtle.verify(ES256, key, decodeBase64url(signature), utf8(text));
}

/**
 * The receipt's payload once the service's ES256 signature verifies under its key set (jose, as the SDK
 * checks it), with the receipt's own `typ`; which check failed otherwise.
 */
async function serviceStatement(receipt: string, keys: ReceiptKeySet): Promise<Json> {
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(receipt, createLocalJWKSet(keys), {
      algorithms: ['ES256'],
    });
  } catch (caught) {
    if (caught instanceof errors.JWKSNoMatchingKey) return refuse('unknown_key');
    if (caught instanceof errors.JWSSignatureVerificationFailed) return refuse('service_signature');
    if (caught instanceof errors.JOSEError) return refuse('malformed');
    throw caught;
  }
  if (verified.protectedHeader.typ !== RECEIPT_TYPE) return refuse('malformed');
  return decodeJson(verified.payload);
}

function claimsOf(payload: Json): { claims: ReceiptClaims; signature: string; publicKey: PublicJwk } {
  const { iss, sub, aud, iat, status, reason, device_id, device_signature, uv } = payload;
  const read = readAnswerDocument(payload.answer);
  const publicKey = p256(payload.device_public_key);
  if (
    typeof iss !== 'string' ||
    typeof sub !== 'string' ||
    typeof aud !== 'string' ||
    typeof iat !== 'number' ||
    (status !== 'approved' && status !== 'denied') ||
    (reason !== null && typeof reason !== 'string') ||
    typeof device_id !== 'string' ||
    typeof device_signature !== 'string' ||
    publicKey === undefined ||
    'problem' in read
  ) {
    return refuse('malformed');
  }
  return {
    claims: { iss, sub, aud, iat, status, reason, device_id, answer: read.document, uv: uv === true },
    signature: device_signature,
    publicKey,
  };
}

const sameKey = (a: PublicJwk, b: PublicJwk) => a.x === b.x && a.y === b.y;

/**
 * Verifies a receipt of the history on the device: the service's ES256 signature under its
 * key set (`/.well-known/jwks.json`, `typ` `countersign-receipt+jwt`); the device's own signature over its
 * answer document (RFC 8785 JCS, as the answer appears in the receipt) under the device key the receipt
 * names; that the receipt is of this request, app and answering device, with the outcome listed; and that
 * the answer's display hash is the hash of the text listed, so what is shown now is what the device signed.
 * Never throws for a bad receipt: it says which check failed.
 */
export async function verifyReceipt(
  receipt: string,
  keys: ReceiptKeySet,
  expected: ReceiptExpectation,
): Promise<ReceiptVerification> {
  try {
    const body = await serviceStatement(receipt, keys);
    const { claims, signature: deviceSignature, publicKey } = claimsOf(body);
    // Over the answer exactly as the receipt holds it: that is what the device signed.
    if (!(await verifies(publicKey, deviceSignature, canonicalJson(body.answer)))) {
      return refuse('device_signature');
    }
    const { answer } = claims;
    // The one outcome that differs from the device's decision: an approval with the wrong number-match code.
    const decided = claims.reason === 'number_mismatch' ? 'approved' : claims.status;
    if (
      claims.sub !== expected.uuid ||
      claims.aud !== String(expected.app_id) ||
      answer.uuid !== claims.sub ||
      answer.device_id !== claims.device_id ||
      answer.decision !== decided ||
      claims.status !== expected.status ||
      claims.reason !== expected.reason ||
      (expected.device_id !== undefined && claims.device_id !== expected.device_id)
    ) {
      return refuse('another_request');
    }
    if (expected.device_public_key !== undefined && !sameKey(publicKey, expected.device_public_key)) {
      return refuse('another_key');
    }
    if (answer.display_hash !== displayHash(expected.displayed)) return refuse('display_mismatch');
    return { valid: true, claims };
  } catch (caught) {
    if (caught instanceof Refused) return { valid: false, problem: caught.problem };
    throw caught;
  }
}
