import { signAuthyCallback } from '@countersign/protocol';
import { CallbackVerificationError } from '../callback-verification-error.js';
import { constantTimeEqual } from '../lib/constant-time-equal.js';
import { assertFresh, type FreshnessOptions, parseUnixSeconds } from '../lib/freshness.js';
import { type HeaderSource, requireHeader } from '../lib/header-source.js';

/** An incoming callback signed the Authy way (`X-Authy-Signature`, `X-Authy-Signature-Nonce`). */
export interface AuthyCallbackRequest {
  readonly scheme: 'authy';
  /** The application's API key. */
  readonly apiKey: string;
  /** The request method, `POST` or `GET`. */
  readonly method: string;
  /** The full public URL the request was sent to (behind a proxy: the external scheme and host). */
  readonly url: string;
  readonly headers: HeaderSource;
  /** The parsed JSON body (POST) or the parsed, nested query (GET), e.g. from `qs.parse`. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** What a verified Authy callback tells about itself. */
export interface VerifiedAuthyCallback {
  readonly scheme: 'authy';
  /** `X-Authy-Signature-Nonce` as sent. */
  readonly nonce: string;
  /** The nonce as Unix seconds. */
  readonly timestamp: number;
}

/**
 * Verifies an Authy-signed callback. Unlike authy-client it also verifies GET callbacks, and it treats the
 * nonce as Unix seconds (as Authy and Countersign send it) held to the same freshness window as Standard
 * Webhooks, since the Authy scheme has none of its own (D6).
 *
 * @throws CallbackVerificationError when the request is not to be trusted.
 */
export function verifyAuthyCallback(
  request: AuthyCallbackRequest,
  options: FreshnessOptions = {},
): VerifiedAuthyCallback {
  const signature = requireHeader(request.headers, 'x-authy-signature');
  const nonce = requireHeader(request.headers, 'x-authy-signature-nonce');
  const timestamp = parseUnixSeconds(nonce, 'x-authy-signature-nonce', true);
  assertFresh(timestamp, options);
  const expected = signAuthyCallback({
    apiKey: request.apiKey,
    nonce,
    method: request.method,
    url: request.url,
    params: request.params,
  });
  if (!constantTimeEqual(expected, signature)) {
    throw new CallbackVerificationError('signature_mismatch', 'x-authy-signature does not match');
  }
  return { scheme: 'authy', nonce, timestamp };
}
