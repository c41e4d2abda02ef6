import {
  type AnswerDocument,
  canonicalJson,
  type Decision,
  type DenyReason,
  displayHash,
} from '@countersign/protocol';
import { sign } from '../crypto/sign.js';
import { DeviceError } from '../device-error.js';
import type { PendingRequest } from './wire.js';

/** How the user answered. */
export interface AnswerChoice {
  decision: Decision;
  /** For a denial only; defaults to `denied`. */
  reason?: DenyReason;
  /** The code the app showed, when the request asks for number matching. */
  numberMatch?: string;
}

/**
 * Builds the answer DOCUMENT for a request as it was shown. Throws `number_match_required` when an
 * approval lacks the code the request asks for, and `number_match_unexpected` for a code it does not ask
 * for. A denial never carries a code: the user need not read it to say no.
 */
export async function answerDocument(
  request: PendingRequest,
  choice: AnswerChoice,
  context: { deviceId: string; signedAt: number },
): Promise<AnswerDocument> {
  if (choice.decision === 'approved' && choice.reason !== undefined) {
    throw new TypeError('an approval carries no reason');
  }
  if (choice.numberMatch !== undefined && !request.number_match_required) {
    throw new DeviceError('number_match_unexpected', `request ${request.uuid} does not ask for a number`);
  }
  if (choice.decision === 'approved' && request.number_match_required && choice.numberMatch === undefined) {
    throw new DeviceError(
      'number_match_required',
      `request ${request.uuid} asks for the number the app shows`,
    );
  }
  const approved = choice.decision === 'approved';
  return {
    purpose: 'countersign-answer',
    uuid: request.uuid,
    decision: choice.decision,
    reason: approved ? null : (choice.reason ?? 'denied'),
    device_id: context.deviceId,
    nonce: request.nonce,
    display_hash: displayHash(request),
    number_match: approved ? (choice.numberMatch ?? null) : null,
    signed_at: context.signedAt,
  };
}

/** The body of `POST /device/v1/requests/{UUID}/answer`: the document and SIG(JCS(document)). */
export async function signAnswer(
  privateKey: CryptoKey,
  document: AnswerDocument,
): Promise<{ document: AnswerDocument; signature: string }> {
  return { document, signature: await sign(privateKey, canonicalJson(document)) };
}
