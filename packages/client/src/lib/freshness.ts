import { CallbackVerificationError } from '../callback-verification-error.js';

/** How time is judged when verifying a callback. */
export interface FreshnessOptions {
  /** The present; defaults to the system clock. */
  readonly currentDate?: Date;
  /** How far, in seconds, a timestamp may lie from the present in either direction; defaults to 300 (R48). */
  readonly toleranceSeconds?: number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

const UNIX_SECONDS = /^\d{1,12}(?:\.\d{1,9})?$/;

/**
 * Parses `text` as Unix seconds (integer, or with a fraction when `allowFraction`), the way Standard Webhooks
 * and the Authy nonce carry them.
 *
 * @throws CallbackVerificationError `malformed_header` otherwise.
 */
export function parseUnixSeconds(text: string, header: string, allowFraction: boolean): number {
  if (!UNIX_SECONDS.test(text) || (!allowFraction && text.includes('.'))) {
    throw new CallbackVerificationError('malformed_header', `${header} is not Unix seconds`);
  }
  return Number(text);
}

/**
 * Refuses a timestamp more than the tolerance away from the present, in either direction: with the default
 * 300 s, 299 s is accepted and 301 s refused. The present is taken in whole seconds, as the Standard Webhooks
 * reference libraries do.
 *
 * @throws CallbackVerificationError `timestamp_too_old` or `timestamp_too_new`.
 */
export function assertFresh(timestamp: number, options: FreshnessOptions): void {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('toleranceSeconds must be ≥ 0');
  const nowMs = (options.currentDate ?? new Date()).getTime();
  if (!Number.isFinite(nowMs)) throw new TypeError('currentDate is an invalid Date');
  const now = Math.floor(nowMs / 1000);
  if (now - timestamp > tolerance) {
    throw new CallbackVerificationError('timestamp_too_old', 'the callback is older than the tolerance');
  }
  if (timestamp - now > tolerance) {
    throw new CallbackVerificationError('timestamp_too_new', 'the callback is dated in the future');
  }
}
