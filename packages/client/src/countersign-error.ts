/**
 * Every way a call to the service, a wait or a receipt check can fail. Stable: apps may branch on these and
 * log them.
 */
export type CountersignErrorCode =
  /** The service refused: a non-2xx answer, or a body whose `success` is false. See `errorCode` and `status`. */
  | 'api_error'
  /** The service could not be reached (refused connection, DNS, TLS, reset). */
  | 'network_error'
  /** The service did not answer within the client's `timeoutMs`. */
  | 'timeout'
  /** A successful answer that is not what the API says: not JSON, or a field missing or of the wrong type. */
  | 'unexpected_response'
  /** A receipt that is not a compact JWS of a Countersign receipt (`typ`, `alg`, payload fields). */
  | 'receipt_malformed'
  /** No key of the key set verifies the service's signature of the receipt. */
  | 'receipt_signature_invalid'
  /** A genuine receipt, but not of what was asked: another request, app or display, or an answer that does not match it. */
  | 'receipt_mismatch'
  /** The device's own signature inside the receipt does not verify over its answer. */
  | 'device_signature_invalid';

/** What a `CountersignError` carries besides its code and message. */
export interface CountersignErrorDetails {
  /** The Authy `error_code`, e.g. `'60026'`, when the service sent one. */
  readonly errorCode?: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly status?: number | undefined;
  /** Per-field problems, e.g. `{ email: 'is invalid' }`. */
  readonly fields?: Readonly<Record<string, string>> | undefined;
  /** `Retry-After` in seconds, on a 429. */
  readonly retryAfter?: number | undefined;
  /** The parsed body of the answer, when it was JSON. */
  readonly body?: unknown;
  readonly cause?: unknown;
}

/**
 * The one error type of `@countersign/client`. A refusal by the service keeps its Authy `errorCode`, HTTP
 * `status`, `message` and field errors; network failures, timeouts and bad receipts have their own `code`.
 * Misuse of the API (an empty id, a `wait` over 60) throws a plain `TypeError` instead, and an abort by the
 * caller's `signal` rejects with the signal's reason, as `fetch` does.
 */
export class CountersignError extends Error {
  override readonly name = 'CountersignError';
  readonly code: CountersignErrorCode;
  /** The Authy `error_code`, e.g. `'60026'` (user not found); `undefined` unless the service sent one. */
  readonly errorCode: string | undefined;
  /** The HTTP status, e.g. `404`; `undefined` when no answer came. */
  readonly status: number | undefined;
  /** Per-field problems from the Authy envelope's `errors`, without its `message`. */
  readonly fields: Readonly<Record<string, string>>;
  /** `Retry-After`, in seconds, when the service sent it (429). */
  readonly retryAfter: number | undefined;
  /** The parsed body of the answer, when it was JSON. */
  readonly body: unknown;

  constructor(code: CountersignErrorCode, message: string, details: CountersignErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.errorCode = details.errorCode;
    this.status = details.status;
    this.fields = details.fields ?? {};
    this.retryAfter = details.retryAfter;
    this.body = details.body;
  }
}
