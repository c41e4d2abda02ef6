import { type AnswerDocument, type PublicJwk, readAnswerDocument } from '@countersign/protocol';
import { CountersignError } from '../countersign-error.js';
import {
  isJsonObject,
  type JsonObject,
  readNumber,
  readObject,
  readOptionalBoolean,
  readString,
} from '../http/wire.js';

/** The device's public key, a P-256 JWK. */
export type DevicePublicKey = PublicJwk;

/**
 * A verified receipt (docs/device-protocol.md, "Receipts"): the service's statement of the answer, with the
 * device's own signed answer inside it.
 */
export interface ReceiptPayload {
  /** The service's public URL. */
  readonly iss: string;
  /** The approval request's uuid. */
  readonly sub: string;
  /** The app's id, as text. */
  readonly aud: string;
  /** When the service signed it, Unix seconds. */
  readonly iat: number;
  readonly status: 'approved' | 'denied';
  /** `null` for an approval; `'denied'`, `'not_me'` or `'number_mismatch'` for a denial. */
  readonly reason: string | null;
  readonly device_id: string;
  readonly answer: AnswerDocument;
  /** The device's ES256 signature (P1363, base64url) of `JCS(answer)`. */
  readonly device_signature: string;
  readonly device_public_key: DevicePublicKey;
  /**
   * Whether the device's passkey verified the user (D14: biometrics or the device PIN), as the service
   * checked it; `false` too in receipts signed before user verification existed.
   */
  readonly uv: boolean;
  /**
   * Why the user was not verified: `no_passkey` (the device has no WebAuthn, so its key alone answered),
   * `not_requested` (the app does not ask), `denial` (a denial needs none); `null` when `uv` is true or the
   * receipt predates user verification.
   */
  readonly uv_missing: string | null;
}

function malformed(message: string): CountersignError {
  return new CountersignError('receipt_malformed', message);
}

function nullableString(body: JsonObject, key: string): string | null {
  return body[key] === null ? null : readString(body, key);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw malformed(`the receipt's ${what} is not one of ${allowed.join(', ')}`);
  return found;
}

/** The device's answer, held to the protocol's shape as strictly as the service held it. */
function readAnswer(answer: JsonObject): AnswerDocument {
  const read = readAnswerDocument(answer);
  if ('problem' in read) throw malformed(`the receipt's answer is not an answer document: ${read.problem}`);
  return read.document;
}

function readPublicKey(key: JsonObject): DevicePublicKey {
  return {
    kty: oneOf(readString(key, 'kty'), ['EC'], 'device key type'),
    crv: oneOf(readString(key, 'crv'), ['P-256'], 'device key curve'),
    x: readString(key, 'x'),
    y: readString(key, 'y'),
  };
}

/**
 * Reads a receipt's payload bytes. The returned `answer` is the typed view; the device signature is checked
 * over the answer exactly as it appears in the payload, so `rawAnswer` is returned too.
 *
 * @throws CountersignError `receipt_malformed` when a field is missing or of the wrong type.
 */
export function readReceiptPayload(bytes: Uint8Array): { payload: ReceiptPayload; rawAnswer: JsonObject } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed('the receipt payload is not JSON');
  }
  if (!isJsonObject(parsed)) throw malformed('the receipt payload is not a JSON object');
  try {
    const rawAnswer = readObject(parsed, 'answer');
    const payload: ReceiptPayload = {
      iss: readString(parsed, 'iss'),
      sub: readString(parsed, 'sub'),
      aud: readString(parsed, 'aud'),
      iat: readNumber(parsed, 'iat'),
      status: oneOf(readString(parsed, 'status'), ['approved', 'denied'], 'status'),
      reason: nullableString(parsed, 'reason'),
      device_id: readString(parsed, 'device_id'),
      answer: readAnswer(rawAnswer),
      device_signature: readString(parsed, 'device_signature'),
      device_public_key: readPublicKey(readObject(parsed, 'device_public_key')),
      uv: readOptionalBoolean(parsed, 'uv') ?? false,
      uv_missing: parsed.uv_missing === undefined ? null : nullableString(parsed, 'uv_missing'),
    };
    return { payload, rawAnswer };
  } catch (error) {
    // The wire readers speak of "the service's answer"; here the fault is the receipt's.
    if (error instanceof CountersignError && error.code === 'unexpected_response') {
      throw malformed(error.message.replace("the service's answer", 'the receipt'));
    }
    throw error;
  }
}
