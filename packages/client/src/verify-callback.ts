import {
  type AuthyCallbackRequest,
  type VerifiedAuthyCallback,
  verifyAuthyCallback,
} from './authy/verify-authy-callback.js';
import type { FreshnessOptions } from './lib/freshness.js';
import {
  type StandardWebhookRequest,
  type VerifiedStandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks/verify-standard-webhook.js';

/** An incoming callback, under either signature scheme Countersign sends. */
export type CallbackRequest = AuthyCallbackRequest | StandardWebhookRequest;

/** What a verified callback tells about itself. */
export type VerifiedCallback = VerifiedAuthyCallback | VerifiedStandardWebhook;

/**
 * Verifies that a callback comes from Countersign (or Authy) and is fresh: `|now − timestamp|` at most
 * `toleranceSeconds` (300 by default) either way, signatures compared in constant time.
 *
 * - `scheme: 'standard-webhooks'`: `webhook-id`, `webhook-timestamp`, `webhook-signature` over the raw body;
 *   any one `v1,` signature may match any one of the secrets. Deduplicate on the returned `id`.
 * - `scheme: 'authy'`: `X-Authy-Signature` with `X-Authy-Signature-Nonce` (Unix seconds) over the method, the
 *   URL without its query and the parsed params.
 *
 * Prefer Standard Webhooks when both are sent: its timestamp is signed and its id is stable across retries.
 *
 * @throws CallbackVerificationError with a stable `code` when the request is not to be trusted.
 * @throws TypeError on misuse: no secret, a secret that is not `whsec_` base64, params that are not JSON data.
 */
export function verifyCallback(
  request: AuthyCallbackRequest,
  options?: FreshnessOptions,
): VerifiedAuthyCallback;
export function verifyCallback(
  request: StandardWebhookRequest,
  options?: FreshnessOptions,
): VerifiedStandardWebhook;
export function verifyCallback(request: CallbackRequest, options?: FreshnessOptions): VerifiedCallback;
export function verifyCallback(request: CallbackRequest, options: FreshnessOptions = {}): VerifiedCallback {
  switch (request.scheme) {
    case 'authy':
      return verifyAuthyCallback(request, options);
    case 'standard-webhooks':
      return verifyStandardWebhook(request, options);
    default:
      throw new TypeError(
        `verifyCallback: unknown scheme ${String((request as { scheme: unknown }).scheme)}`,
      );
  }
}
