import {
  secretList,
  standardWebhookSignature,
  standardWebhookSignatures,
  webhookSecretKey,
} from '@countersign/protocol';
import { CallbackVerificationError } from '../callback-verification-error.js';
import { constantTimeEqual } from '../lib/constant-time-equal.js';
import { assertFresh, type FreshnessOptions, parseUnixSeconds } from '../lib/freshness.js';
import { type HeaderSource, requireHeader } from '../lib/header-source.js';

/** An incoming delivery signed with the Standard Webhooks scheme. */
export interface StandardWebhookRequest {
  readonly scheme: 'standard-webhooks';
  /** The endpoint's `whsec_…` secret, or several while rotating: any one of them may have signed. */
  readonly secrets: string | readonly string[];
  /** Must carry `webhook-id`, `webhook-timestamp` and `webhook-signature`. */
  readonly headers: HeaderSource;
  /** The raw body exactly as received, before any JSON parsing. */
  readonly body: string | Uint8Array;
}

/** What a verified Standard Webhooks delivery tells about itself. */
export interface VerifiedStandardWebhook {
  readonly scheme: 'standard-webhooks';
  /** `webhook-id`: the same on every retry; deduplicate on it. */
  readonly id: string;
  /** `webhook-timestamp`, Unix seconds. */
  readonly timestamp: number;
}

/**
 * Verifies a Standard Webhooks delivery: the timestamp within the tolerance, then any one `v1,` signature in
 * `webhook-signature` matching any one secret, compared in constant time. Signatures of other versions are
 * ignored.
 *
 * @throws CallbackVerificationError when the request is not to be trusted.
 */
export function verifyStandardWebhook(
  request: StandardWebhookRequest,
  options: FreshnessOptions = {},
): VerifiedStandardWebhook {
  const keys = secretList(request.secrets).map(webhookSecretKey);
  const id = requireHeader(request.headers, 'webhook-id');
  const timestampText = requireHeader(request.headers, 'webhook-timestamp');
  const received = standardWebhookSignatures(requireHeader(request.headers, 'webhook-signature'));
  const timestamp = parseUnixSeconds(timestampText, 'webhook-timestamp', false);
  assertFresh(timestamp, options);
  const expected = keys.map((key) => standardWebhookSignature(key, id, timestamp, request.body));
  // Every pair is compared, so the time taken does not tell which secret or which entry matched.
  let matched = false;
  for (const signature of received) {
    for (const candidate of expected) matched = constantTimeEqual(candidate, signature) || matched;
  }
  if (!matched) throw new CallbackVerificationError('signature_mismatch', 'no webhook-signature matches');
  return { scheme: 'standard-webhooks', id, timestamp };
}
