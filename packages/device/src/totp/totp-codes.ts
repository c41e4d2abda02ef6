// The slim build imports @noble/hashes rather than carrying its own copy, so a browser bundle holds one
// SHA-2, shared with @countersign/protocol.
import { Secret, TOTP } from 'otpauth/slim';
import type { Account, TotpParameters } from '../protocol/wire.js';

/** The current TOTP code of one account. */
export interface TotpCode {
  app_name: string;
  authy_id: number;
  code: string;
  /** Whole seconds until the code's step ends (1…period). */
  expires_in: number;
  /** The length of a step in seconds (the account's TOTP period): what `expires_in` counts down from. */
  period: number;
}

/** The code made with `totp` at `now` (UNIX milliseconds), and how long it has left. */
export function totpCode(
  totp: TotpParameters,
  now: number,
): { code: string; expires_in: number; period: number } {
  const { secret, digits, period, algorithm } = totp;
  const periodMs = period * 1000;
  const stepEnd = (Math.floor(now / periodMs) + 1) * periodMs;
  return {
    code: TOTP.generate({ secret: Secret.fromBase32(secret), algorithm, digits, period, timestamp: now }),
    expires_in: Math.ceil((stepEnd - now) / 1000),
    period,
  };
}

/** The code of every account at `now` (UNIX milliseconds), per its own digits, period and algorithm. */
export function totpCodes(accounts: readonly Account[], now: number): TotpCode[] {
  return accounts.map((account) => ({
    app_name: account.app_name,
    authy_id: account.authy_id,
    ...totpCode(account.totp, now),
  }));
}
