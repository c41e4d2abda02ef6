/**
 * Every way an incoming callback can fail verification. Stable: receivers may branch on these and log
 * them; none of them says anything about the secret.
 */
export type CallbackVerificationErrorCode =
  /** A required header is absent or empty. */
  | 'missing_header'
  /** A header is present but not of its form (a timestamp or nonce that is not Unix seconds, a repeated header). */
  | 'malformed_header'
  /** The timestamp (or Authy nonce) is further in the past than the tolerance allows. */
  | 'timestamp_too_old'
  /** The timestamp (or Authy nonce) is further in the future than the tolerance allows. */
  | 'timestamp_too_new'
  /** No signature in the request matches: wrong secret or key, altered body, URL or method. */
  | 'signature_mismatch';

/**
 * The one error type of callback verification: the request is not to be trusted. Misuse of the API (no
 * secret, a secret that is not base64, an unknown scheme) throws a plain `TypeError` instead.
 */
export class CallbackVerificationError extends Error {
  override readonly name = 'CallbackVerificationError';
  readonly code: CallbackVerificationErrorCode;

  constructor(code: CallbackVerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
