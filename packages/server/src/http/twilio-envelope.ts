import type { AuthyError, AuthyErrorCode } from '../errors/authy-error.js';

/** The path prefix of the Twilio Verify v2 API: its answers, refusals included, are Twilio's. */
export const VERIFY_PREFIX = '/v2';

/** Whether a request's URL is one of the Verify v2 API's (`/v2`, `/v2/…`, `/v2?…`). */
export function isVerifyUrl(url: string): boolean {
  return url === VERIFY_PREFIX || /^\/v2[/?]/.test(url);
}

/** Twilio's error body, as the `twilio` package's `RestException` reads it. */
export interface TwilioErrorBody {
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
  readonly status: number;
}

/**
 * What a refusal raised by the shared door (the key, the limits, the body parser, the sending budgets) is
 * called on `/v2`: Twilio's code for the same failure. Any other code that is not Twilio's own gets
 * `20000 + status` (20400, 20404, 20405, 20413, 20500, 20503: Twilio's HTTP-level codes).
 */
const FROM_AUTHY: Partial<Record<AuthyErrorCode, number>> = {
  '60001': 20003,
  '60003': 20429,
  '60004': 60200,
  // The app does not send to the number's country: Twilio's geo-permission refusal.
  '60013': 21408,
};

/** Twilio's own codes: 2xxxx and Verify's 60200 and up. */
const isTwilioCode = (code: string) => /^(2\d{4}|60[2-9]\d{2})$/.test(code);

/**
 * The error in Twilio's envelope (`{code, message, more_info, status}`), for the Verify v2 routes; the
 * Authy routes keep Authy's. Called only by the error handler: one place turns errors into responses.
 * Every key failure reads "Authenticate", as Twilio's 20003 does (R1: nothing tells them apart).
 */
export function twilioEnvelope(error: AuthyError): TwilioErrorBody {
  const code = isTwilioCode(error.code)
    ? Number(error.code)
    : (FROM_AUTHY[error.code] ?? 20000 + error.status);
  const message = code === 20003 ? 'Authenticate' : error.message;
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: error.status };
}
