import { compactVerify, errors } from 'jose';
import { CountersignError, type CountersignErrorCode } from '../countersign-error.js';
import { deviceSignatureValid } from './device-signature.js';
import { type DisplayedContent, displayHash } from './display-hash.js';
import { type ReceiptKeySet, type ReceiptKeys, receiptKeySet } from './receipt-key-set.js';
import { type ReceiptPayload, readReceiptPayload } from './receipt-payload.js';

/** What a receipt must be about, beyond being genuine. Each check applies when its option is given. */
export interface ReceiptChecks {
  /** The approval request's uuid: `sub` must equal it. */
  readonly uuid?: string | undefined;
  /** The app's id (`app.details().appId`): `aud` must equal it. */
  readonly audience?: string | number | undefined;
  /** What the user was shown (the request's `appName`, `message`, `details`): the signed display hash must match. */
  readonly displayed?: DisplayedContent | undefined;
}

/** Options of `verifyReceipt`: the service's keys, and what to check. */
export type VerifyReceiptOptions = ReceiptKeys & ReceiptChecks;

const RECEIPT_TYPE = 'countersign-receipt+jwt';

function fail(code: CountersignErrorCode, message: string, cause?: unknown): CountersignError {
  return new CountersignError(code, message, cause === undefined ? {} : { cause });
}

/** What a failure of jose (or of fetching the key set) means for the receipt. */
function joseFailure(caught: unknown): unknown {
  if (caught instanceof errors.JWSInvalid || caught instanceof errors.JOSENotSupported) {
    return fail('receipt_malformed', 'the receipt is not a compact JWS', caught);
  }
  if (caught instanceof errors.JOSEAlgNotAllowed) {
    return fail('receipt_malformed', 'the receipt is not signed with ES256', caught);
  }
  if (
    caught instanceof errors.JWSSignatureVerificationFailed ||
    caught instanceof errors.JWKSNoMatchingKey ||
    caught instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return fail('receipt_signature_invalid', 'no key of the service verifies the receipt', caught);
  }
  if (caught instanceof errors.JWKSTimeout) {
    return fail('timeout', 'the key set did not arrive in time', caught);
  }
  if (caught instanceof errors.JWKSInvalid) {
    return fail('unexpected_response', 'the key set is not a JSON Web Key Set', caught);
  }
  if (caught instanceof errors.JOSEError) {
    // jose's own refusal of the key set's answer, e.g. a status other than 200.
    return fail('unexpected_response', `could not use the key set: ${caught.message}`, caught);
  }
  return caught;
}

/** The checks that tie the device's answer to the service's statement, and both to what was asked. */
function checkClaims(payload: ReceiptPayload, checks: ReceiptChecks): void {
  const { answer } = payload;
  if (checks.uuid !== undefined && payload.sub !== checks.uuid) {
    throw fail('receipt_mismatch', 'the receipt is of another approval request');
  }
  if (checks.audience !== undefined && payload.aud !== String(checks.audience)) {
    throw fail('receipt_mismatch', 'the receipt is of another app');
  }
  if (answer.uuid !== payload.sub || answer.device_id !== payload.device_id) {
    throw fail('receipt_mismatch', "the device's answer is of another request or device");
  }
  // The one status that differs from the device's decision: an approval with the wrong number-match code.
  const decided = payload.reason === 'number_mismatch' ? 'approved' : payload.status;
  if (answer.decision !== decided) {
    throw fail('receipt_mismatch', "the receipt's status is not the device's decision");
  }
  if (checks.displayed !== undefined && answer.display_hash !== displayHash(checks.displayed)) {
    throw fail('receipt_mismatch', 'the device showed something else');
  }
}

/**
 * Verifies a receipt against a key set made once (`client.verifyReceipt` keeps one per client).
 *
 * @see verifyReceipt
 */
export async function verifyReceiptWith(
  receipt: string,
  keySet: ReceiptKeySet,
  checks: ReceiptChecks = {},
): Promise<ReceiptPayload> {
  if (typeof receipt !== 'string') throw new TypeError('a receipt is a string (compact JWS)');
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(receipt, keySet, { algorithms: ['ES256'] });
  } catch (caught) {
    throw joseFailure(caught);
  }
  if (verified.protectedHeader.typ !== RECEIPT_TYPE) {
    throw fail('receipt_malformed', `the JWS is not a receipt (typ is not ${RECEIPT_TYPE})`);
  }
  const { payload, rawAnswer } = readReceiptPayload(verified.payload);
  checkClaims(payload, checks);
  if (!deviceSignatureValid(rawAnswer, payload.device_signature, payload.device_public_key)) {
    throw fail('device_signature_invalid', "the device's signature does not verify over its answer");
  }
  return payload;
}

/**
 * Verifies a receipt (`approvalRequest.receipt`): the service's ES256 signature under its key set (`typ`
 * `countersign-receipt+jwt`), then that the device's own signature verifies over its answer (RFC 8785 JCS)
 * under the device's key, and that the answer is the one the receipt states. So a receipt proves both what
 * the service recorded and what the user's device signed. Keep receipts: they stay verifiable for as long as
 * the service publishes the key.
 *
 * With `jwksUrl`, the key set is fetched on every call; to check many receipts, use `client.verifyReceipt`,
 * which keeps the fetched keys.
 *
 * @throws CountersignError `receipt_malformed`, `receipt_signature_invalid`, `receipt_mismatch`,
 *   `device_signature_invalid`; `network_error`, `timeout` or `unexpected_response` fetching the key set.
 * @throws TypeError when the receipt is not a string, or neither `jwks` nor `jwksUrl` is given.
 */
export async function verifyReceipt(receipt: string, options: VerifyReceiptOptions): Promise<ReceiptPayload> {
  return verifyReceiptWith(receipt, receiptKeySet(options), options);
}
