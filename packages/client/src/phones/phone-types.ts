import type { RequestOptions } from '../http/request-options.js';
import type { JsonObject } from '../http/wire.js';

/** A phone number, as the phone verification API takes it. */
export interface PhoneNumber {
  /** The calling code, e.g. `1`. */
  readonly countryCode: string | number;
  readonly phoneNumber: string;
}

/** Options of `phones.startVerification` (spec 4.13). */
export interface StartVerificationOptions extends RequestOptions {
  /** `'sms'` by default. */
  readonly via?: 'sms' | 'call' | undefined;
  /** 4…10 digits; 4 by default. */
  readonly codeLength?: number | undefined;
  readonly locale?: string | undefined;
  /** Replaces the words before the code. */
  readonly customMessage?: string | undefined;
  /** A code of your own, 4…10 digits. */
  readonly customCode?: string | undefined;
}

/** A verification that was started: a code is on its way. */
export interface StartedVerification {
  /** `'Text message sent to +1 201-555-0123.'` */
  readonly message: string;
  readonly uuid: string | undefined;
  readonly carrier: string | null;
  readonly isCellphone: boolean;
  readonly isPorted: boolean;
  readonly secondsToExpire: number | undefined;
  readonly raw: JsonObject;
}

/** `phones.verificationStatus` (spec 4.15). */
export interface VerificationStatus {
  /** `'pending'`, `'verified'`, `'expired'`, `'failed'`… */
  readonly status: string;
  readonly secondsToExpire: number | undefined;
  readonly message: string;
  readonly raw: JsonObject;
}

/** `phones.info` (spec 4.16). Countersign adds `valid`, `country` and `formatted` in `raw`. */
export interface PhoneInfo {
  /** `'cellphone'`, `'landline'`, `'voip'`, `'unknown'`… */
  readonly type: string;
  readonly provider: string;
  readonly ported: boolean;
  readonly message: string;
  readonly raw: JsonObject;
}
