/** The digits of the code texted at registration. */
export const PHONE_CODE_LENGTH = 6;

/** A registration whose phone is being verified: the account exists only once its code was checked. */
export interface PendingRegistration {
  readonly email: string;
  readonly passwordHash: string;
  readonly countryCode: string;
  readonly cellphone: string;
  /** When the last code was texted. */
  readonly codeSentAt: number;
  /** When the code was found right (the account may still fail to be created, e.g. the service was away). */
  readonly verifiedAt: number | null;
}

/**
 * A phone number as a page may show it: the country code and the last digits only, e.g. `+1 ending in 2001`.
 * Short numbers keep two digits hidden at least.
 */
export function maskedPhone(countryCode: string, cellphone: string): string {
  const shown = cellphone.slice(-Math.min(4, Math.max(0, cellphone.length - 2)));
  return `+${countryCode} ending in ${shown}`;
}
