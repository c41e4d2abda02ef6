import { CountersignError } from '@countersign/client';
import { isUnreachable } from '../countersign/sdk-countersign.js';

/** Every failure a bank user can meet, with its HTTP status and the words the page shows. */
const DEFINITIONS = {
  invalid_input: { status: 400, message: 'Some fields need another look.' },
  bad_request: { status: 400, message: 'The bank could not read that request.' },
  email_taken: { status: 409, message: 'An account with that email already exists. Log in instead.' },
  wrong_credentials: { status: 401, message: 'That email and password do not match an account.' },
  wrong_password: { status: 401, message: 'That password is not right. Try again.' },
  code_invalid: { status: 401, message: 'That code is not valid. Check it and try again.' },
  code_expired: {
    status: 410,
    message: 'That code can no longer be used: it expired or was tried too many times. Send a new code.',
  },
  registration_missing: {
    status: 409,
    message: 'The bank no longer holds that registration (it was finished or timed out). Start again.',
  },
  too_many: {
    status: 429,
    message: 'Too many attempts. Wait a few minutes, then try again.',
  },
  not_enrolled: {
    status: 409,
    message:
      'Your authenticator is not set up yet, so there is nowhere to send the approval. Set it up first.',
  },
  unknown_to_service: {
    status: 409,
    message: 'The security service no longer knows your account. Ask the bank to register it again.',
  },
  service_unavailable: {
    status: 503,
    message:
      'Countersign Bank cannot reach its security service right now, so nothing was sent. Try again in a minute.',
  },
  service_misconfigured: {
    status: 502,
    message:
      'The bank’s connection to its security service is misconfigured: its API key was refused. Tell the bank’s operator.',
  },
  service_refused: { status: 502, message: 'The security service refused the request.' },
  cannot_resend: {
    status: 409,
    message: 'This transfer cannot be sent again: only one whose number was mistyped can, once.',
  },
  expired: { status: 410, message: 'The request expired before it was answered. Ask for a new one.' },
  forbidden: {
    status: 403,
    message: 'This form has expired or came from another site. Go back, reload the page and try again.',
  },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  internal: { status: 500, message: 'Something went wrong on our side. Nothing was sent; please try again.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type BankErrorCode = keyof typeof DEFINITIONS;

/** The bank's one error type. The error handler turns it into a page; forms show it beside their fields. */
export class BankError extends Error {
  override readonly name = 'BankError';
  readonly status: number;

  constructor(
    readonly code: BankErrorCode,
    options: { message?: string; fields?: Readonly<Record<string, string>> } = {},
  ) {
    super(options.message ?? DEFINITIONS[code].message);
    this.status = DEFINITIONS[code].status;
    this.fields = options.fields ?? {};
  }

  /** Per-field problems, by form field name. */
  readonly fields: Readonly<Record<string, string>>;
}

/** What a failed call to the security service means to a bank user. */
export function fromServiceError(error: CountersignError): BankError {
  if (isUnreachable(error)) return new BankError('service_unavailable');
  switch (error.errorCode) {
    case '60001':
      return new BankError('service_misconfigured');
    case '60026':
      return new BankError('unknown_to_service');
    case '60003':
      return new BankError('too_many');
    case '60019':
    case '60020':
    case '60022':
      return new BankError('code_invalid');
  }
  return new BankError('service_refused', {
    message:
      error.code === 'api_error'
        ? `The security service refused the request: ${error.message}`
        : 'The security service answered in a way the bank does not understand.',
  });
}

/**
 * Runs a call to the security service, turning its failures into `BankError`s: `special` first, for the
 * refusals that mean something particular to the caller, then `fromServiceError`.
 */
export async function askService<T>(
  call: () => Promise<T>,
  special: (error: CountersignError) => BankError | undefined = () => undefined,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CountersignError) throw special(error) ?? fromServiceError(error);
    throw error;
  }
}
