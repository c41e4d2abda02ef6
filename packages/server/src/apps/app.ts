/** Policy profiles: `compat` behaves like Authy; `strict` follows NIST/ASVS; `psd2` the EU RTS; `sandbox` Authy's test sandbox. */
export const PROFILES = ['compat', 'strict', 'psd2', 'sandbox'] as const;
export type Profile = (typeof PROFILES)[number];

export const NUMBER_MATCHING = ['off', '2', '6'] as const;
export type NumberMatching = (typeof NUMBER_MATCHING)[number];

/** Whether an approval must carry a passkey assertion of user verification (D14). */
export const USER_VERIFICATION = ['required', 'preferred', 'off'] as const;
export type UserVerification = (typeof USER_VERIFICATION)[number];

/** A tenant: one relying application with its own keys, users and settings. */
export interface App {
  readonly id: number;
  readonly name: string;
  readonly profile: Profile;
  readonly numberMatching: NumberMatching;
  readonly tokenLength: number;
  readonly callbackUrl: string | null;
  /** Whether callbacks report expiries too (authy-client's verifier refuses any status but approved/denied). */
  readonly callbackExpired: boolean;
  /** Set when the receiver answered 410 Gone; cleared when the callback URL is set again. */
  readonly callbackDisabledAt: number | null;
  /** SMS and voice codes the app may send in an hour and in a day; `null`: the server's default (R12). */
  readonly smsPerHour: number | null;
  readonly smsPerDay: number | null;
  /** ISO 3166 alpha-2 codes of the countries codes may go to; `null`: every country. */
  readonly smsCountries: readonly string[] | null;
  /**
   * `required`: an approval carries a passkey assertion with the user verified; `preferred`: it does
   * whenever the device registered a passkey, and the device key alone answers where WebAuthn is missing;
   * `off`: the device key alone (D14).
   */
  readonly userVerification: UserVerification;
  /** When an operator disabled the app (its keys are refused from then on); `null` while it is in service. */
  readonly disabledAt: number | null;
  /** The Twilio-style Account SID (`AC` + 32 hex): the user name of HTTP Basic auth on `/v2` (issue 19). */
  readonly accountSid: string;
  readonly createdAt: number;
}

/** What a profile decides (docs/requirements.md D2, D3, D8, D10). */
export interface AppPolicy {
  /** Longest `seconds_to_expire` accepted; `0` (never expire) is allowed only when this is unbounded. */
  readonly maxApprovalSeconds: number;
  readonly neverExpireAllowed: boolean;
  /** Consecutive OTP failures before a lock. */
  readonly maxFailures: number;
  /** Whether `api_key` may arrive in the query string (the `authy` npm client puts it there). */
  readonly queryKeyAllowed: boolean;
  /** `seconds_to_expire` when the app gives none (D2; Authy's sandbox used a day). */
  readonly defaultApprovalSeconds: number;
  /** Authy's retired sandbox (docs/sandbox.md): magic codes, lenient phone numbers, nothing sent. */
  readonly sandbox: boolean;
  /** Whether devices enrolled by proving the phone may answer, or only those enrolled through this app's link (D8). */
  readonly phoneDevicesAccepted: boolean;
  /** A new app's user verification unless it names one (D14): PSD2's two factors need it. */
  readonly defaultUserVerification: UserVerification;
}

const BASE = {
  maxFailures: 10,
  queryKeyAllowed: true,
  defaultApprovalSeconds: 600,
  sandbox: false,
  phoneDevicesAccepted: true,
  defaultUserVerification: 'preferred' as UserVerification,
};

const POLICIES: Record<Profile, AppPolicy> = {
  compat: { ...BASE, maxApprovalSeconds: 86_400, neverExpireAllowed: true },
  sandbox: {
    ...BASE,
    maxApprovalSeconds: 86_400,
    neverExpireAllowed: true,
    defaultApprovalSeconds: 86_400,
    sandbox: true,
    phoneDevicesAccepted: false,
  },
  strict: {
    ...BASE,
    maxApprovalSeconds: 600,
    neverExpireAllowed: false,
    queryKeyAllowed: false,
    phoneDevicesAccepted: false,
  },
  psd2: {
    ...BASE,
    maxApprovalSeconds: 300,
    neverExpireAllowed: false,
    maxFailures: 5,
    phoneDevicesAccepted: false,
    defaultUserVerification: 'required',
  },
};

export function policyOf(app: Pick<App, 'profile'>): AppPolicy {
  return POLICIES[app.profile];
}

export function isProfile(value: string): value is Profile {
  return (PROFILES as readonly string[]).includes(value);
}

export function isUserVerification(value: string): value is UserVerification {
  return (USER_VERIFICATION as readonly string[]).includes(value);
}

export function isNumberMatching(value: string): value is NumberMatching {
  return (NUMBER_MATCHING as readonly string[]).includes(value);
}
