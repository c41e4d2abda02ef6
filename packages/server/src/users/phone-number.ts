import {
  type CountryCallingCode,
  getCountries,
  getCountryCallingCode,
  type NumberType,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

const CALLING_CODES = new Set(getCountries().map((c) => getCountryCallingCode(c)));

/** A phone number as the service keys it: calling code plus national significant number, digits only. */
export interface PhoneNumber {
  readonly countryCode: string;
  readonly national: string;
  /** `+{cc}{national}` */
  readonly e164: string;
  readonly valid: boolean;
  readonly type: NumberType | undefined;
  readonly country: string | undefined;
  readonly international: string;
}

/** A calling code is 1–3 digits and assigned to a country. */
export function parseCallingCode(value: string): string | undefined {
  const digits = value.trim().replace(/^\+/, '');
  return /^\d{1,3}$/.test(digits) && CALLING_CODES.has(digits as CountryCallingCode) ? digits : undefined;
}

/**
 * Reads what a user typed ("509-555-1212", "(509) 555.1212", "+1 509 555 1212") under a calling code.
 * Returns `undefined` when it is not a possible number at all; `valid` says whether it is a real one.
 */
export function parsePhone(cellphone: string, countryCode: string): PhoneNumber | undefined {
  const cc = parseCallingCode(countryCode);
  if (cc === undefined) return undefined;
  const cleaned = cellphone.trim();
  if (cleaned.length > 40 || !/^\+?[\d\s\-.()]+$/.test(cleaned)) return undefined;
  const parsed = parsePhoneNumberFromString(cleaned, { defaultCallingCode: cc });
  if (parsed === undefined || parsed.countryCallingCode !== cc || !parsed.isPossible()) return undefined;
  return {
    countryCode: cc,
    national: parsed.nationalNumber,
    e164: parsed.number,
    valid: parsed.isValid(),
    type: parsed.getType(),
    country: parsed.country,
    international: parsed.formatInternational(),
  };
}

/**
 * Reads a number in E.164 (`+15017122661`), as Twilio's `To` takes it: a plus, a calling code and at most
 * 15 digits in all, nothing else. `undefined` when it is not written so or is not a possible number.
 */
export function parseE164(text: string): PhoneNumber | undefined {
  if (!/^\+[1-9]\d{1,14}$/.test(text)) return undefined;
  const parsed = parsePhoneNumberFromString(text);
  if (parsed === undefined || !parsed.isPossible()) return undefined;
  return parsePhone(text, parsed.countryCallingCode);
}

/** `2015550123` → `201-555-0123`, as Authy's messages wrote numbers. */
export function groupDigits(national: string): string {
  if (national.length <= 4) return national;
  const last = national.slice(-4);
  const middle = national.slice(-7, -4);
  const head = national.slice(0, -7);
  return [head, middle, last].filter((part) => part !== '').join('-');
}

/** `XXX-XXX-1118`: the last four digits only (user status). */
export function maskForStatus(national: string): string {
  return `XXX-XXX-${national.slice(-4)}`;
}

/** `+1-XXX-XXX-XX02`: the last two digits only (SMS and call answers). */
export function maskForMessage(countryCode: string, national: string): string {
  return `+${countryCode}-XXX-XXX-XX${national.slice(-2)}`;
}
