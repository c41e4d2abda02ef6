import { Secret, TOTP } from 'otpauth';

/** D4: 30-second steps, HMAC-SHA-1. */
export const TOTP_PERIOD_SECONDS = 30;

/** The time step a moment falls in. */
export function stepAt(nowMs: number, periodSeconds = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** The code of one step (RFC 6238 with RFC 4226 truncation). */
export function totpCode(
  seedHex: string,
  step: number,
  digits: number,
  algorithm: 'SHA1' | 'SHA256' | 'SHA512' = 'SHA1',
  periodSeconds = TOTP_PERIOD_SECONDS,
): string {
  return TOTP.generate({
    secret: Secret.fromHex(seedHex),
    algorithm,
    digits,
    period: periodSeconds,
    timestamp: step * periodSeconds * 1000,
  });
}

/** An `otpauth://totp/…` URI for third-party authenticator apps. */
export function totpUri(options: {
  seedHex: string;
  issuer: string;
  label: string;
  digits: number;
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
  periodSeconds?: number;
}): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.label,
    secret: Secret.fromHex(options.seedHex),
    algorithm: options.algorithm ?? 'SHA1',
    digits: options.digits,
    period: options.periodSeconds ?? TOTP_PERIOD_SECONDS,
  }).toString();
}

/** A seed as authenticator apps take it by hand: RFC 4648 base32, unpadded. */
export function base32Seed(seedHex: string): string {
  return Secret.fromHex(seedHex).base32;
}
