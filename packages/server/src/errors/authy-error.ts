/**
 * Every failure the API reports, by its Authy error code, and the Twilio Verify codes of `/v2` (which the
 * error handler writes in Twilio's envelope, `twilioEnvelope`).
 */
const DEFINITIONS = {
  '60000': { status: 400, message: 'An error occurred' },
  '60001': { status: 401, message: 'Invalid API key' },
  '60002': { status: 400, message: 'Invalid request' },
  '60003': { status: 429, message: 'Too many requests' },
  '60004': { status: 400, message: 'Invalid parameter' },
  /** Authy's BANNED_COUNTRY: the app does not send codes to the number's country (R12). */
  '60013': { status: 400, message: 'Phone number is in a country this app does not send to' },
  '60015': { status: 503, message: 'The message could not be sent' },
  '60019': { status: 401, message: 'Token is invalid. Token was used recently.' },
  '60020': { status: 401, message: 'Token is invalid' },
  '60022': { status: 401, message: 'Verification code is incorrect' },
  '60023': { status: 404, message: 'No pending verifications found.' },
  '60026': { status: 404, message: 'User not found.' },
  '60027': { status: 400, message: 'User was not valid' },
  '60031': { status: 403, message: 'Action not authorized' },
  '60034': { status: 400, message: 'The enrollment is invalid, used or expired' },
  '60036': { status: 401, message: 'The enrollment code is incorrect' },
  /** The console: no session, or it ended (idle for 30 minutes, or 12 hours after sign-in). */
  '60040': { status: 401, message: 'Sign in to the console' },
  /** The console: a dangerous change needs a passkey assertion made in the last few minutes. */
  '60042': { status: 403, message: 'Confirm this change with your passkey' },
  /** The console: a sign-in that does not verify; it never says why. */
  '60044': { status: 401, message: 'Could not sign in' },
  '60033': { status: 400, message: 'Phone number is invalid' },
  '60035': { status: 404, message: 'Registration not found.' },
  '60049': { status: 404, message: 'Approval request not found.' },
  '60079': { status: 409, message: 'Approval request is no longer pending' },
  '60080': { status: 400, message: 'The answer does not match the approval request' },
  '60123': { status: 403, message: 'Secret is no longer available' },
  // Twilio's codes, raised by the Verify v2 routes (`/v2`) only and sent in Twilio's envelope there.
  '20003': { status: 401, message: 'Authenticate' },
  '20404': { status: 404, message: 'The requested resource was not found' },
  '60200': { status: 400, message: 'Invalid parameter' },
  '60202': { status: 429, message: 'Max check attempts reached' },
  '60203': { status: 429, message: 'Max send attempts reached' },
  '60205': { status: 400, message: 'SMS is not supported by landline phone number' },
  '60212': { status: 429, message: 'Too many concurrent requests for phone number' },
  '60323': { status: 403, message: 'Challenge expired' },
} as const satisfies Record<string, { status: number; message: string }>;

export type AuthyErrorCode = keyof typeof DEFINITIONS;

/** A code's usual status and standard message (the OpenAPI document lists them). */
export function definitionOf(code: AuthyErrorCode): { readonly status: number; readonly message: string } {
  return DEFINITIONS[code];
}

/**
 * The security events a refusal can be (R84), named after the OWASP logging vocabulary. The error handler
 * writes one log line for each refusal that carries one.
 */
export type SecurityEvent =
  | 'authn_login_fail'
  | 'authn_login_fail_max'
  | 'authn_login_lock'
  | 'authn_token_reuse'
  | 'authz_fail'
  | 'excess_rate_limit_exceeded';

export interface AuthyErrorOptions {
  /** Replaces the code's standard message. */
  message?: string;
  /** HTTP status when it differs from the code's usual one (413, 415). */
  status?: number;
  /** Per-field problems, repeated at the top level and under `errors` as Authy did. */
  fields?: Record<string, string>;
  /** Extra top-level keys the clients look for (`token: "is invalid"`). */
  extra?: Record<string, string | number | boolean>;
  /** Response headers (`Retry-After`). */
  headers?: Record<string, string>;
  /** The security event this refusal is; logged, never sent to the client. */
  event?: SecurityEvent;
  /**
   * Why it was refused, when the answer must not say (R1: every key failure answers alike). Logged with the
   * security event instead of the message; never sent to the client.
   */
  reason?: string;
}

/** The one error type of the API. Its handler writes the Authy envelope; nothing else builds error bodies. */
export class AuthyError extends Error {
  override readonly name = 'AuthyError';
  readonly code: AuthyErrorCode;
  readonly status: number;
  readonly fields: Readonly<Record<string, string>>;
  readonly extra: Readonly<Record<string, string | number | boolean>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: SecurityEvent | undefined;
  readonly reason: string | undefined;

  constructor(code: AuthyErrorCode, options: AuthyErrorOptions = {}) {
    // An answer to the caller, not a fault: its stack is never shown or logged, and capturing one was the
    // dearest part of a refused verify.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(options.message ?? DEFINITIONS[code].message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.code = code;
    this.status = options.status ?? DEFINITIONS[code].status;
    this.fields = options.fields ?? {};
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
    this.event = options.event;
    this.reason = options.reason;
  }

  /** The Authy error envelope: `{message, success:false, errors:{message,…}, error_code}`. */
  toBody(): Record<string, unknown> {
    return {
      ...this.fields,
      message: this.message,
      ...this.extra,
      success: false,
      errors: { ...this.fields, message: this.message },
      error_code: this.code,
    };
  }
}

/** A parameter the caller must fix: 400, code 60004, naming the parameter. */
export function invalidParameter(name: string, problem: string): AuthyError {
  return new AuthyError('60004', {
    message: `Invalid parameter: ${name} - ${problem}`,
    fields: { [name]: problem },
  });
}

/** A Verify v2 parameter the caller must fix, in Twilio's words: 400 / 60200, naming the parameter. */
export function invalidTwilioParameter(name: string, problem: string): AuthyError {
  return new AuthyError('60200', { message: `Invalid parameter \`${name}\`: ${problem}` });
}

export const userNotFound = (): AuthyError => new AuthyError('60026');
