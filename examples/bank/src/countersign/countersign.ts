/**
 * What the bank needs from an Authy-compatible service, in the bank's words. Routes and services speak only
 * to this interface; `createCountersign` implements it with `@countersign/client`, and tests may swap it.
 * Every method rejects with the SDK's `CountersignError` when the service refuses or cannot be reached.
 */
export interface Countersign {
  /** `POST /protected/json/users/new`: the user's Authy id. */
  registerUser(user: { email: string; cellphone: string; countryCode: string }): Promise<number>;
  /**
   * `GET /protected/json/users/{id}/status`: whether a device can answer this app's approval requests, and
   * those devices (`detailed_devices`; none where the service does not list them).
   */
  userStatus(authyId: number, options?: { signal?: AbortSignal }): Promise<UserStatus>;
  /**
   * `POST /protected/json/phones/verification/start`: texts a code of `codeLength` digits to the number (in
   * development it lands in the service's outbox). A number that cannot exist is refused with `60033`.
   */
  startPhoneVerification(phone: PhoneNumber, options: { codeLength: number }): Promise<void>;
  /**
   * `GET /protected/json/phones/verification/check`: resolves only when the code is right. A wrong code is
   * refused with `60022`; no code to check (it expired, was used, or was tried too often) with `60023`.
   */
  checkPhoneVerification(phone: PhoneNumber, code: string): Promise<void>;
  /** `POST /protected/json/users/{id}/enrollments` (Countersign): a single-use link and its QR code. */
  createEnrollment(authyId: number): Promise<Enrollment>;
  /**
   * `POST /protected/json/users/{id}/secret`: the otpauth URI for third-party authenticator apps, or
   * `undefined` once the service no longer hands the seed out (it was used) or gives no URI (Authy).
   */
  authenticatorSecret(authyId: number, label: string): Promise<AuthenticatorSecret | undefined>;
  /** `GET /protected/json/verify/{token}/{id}`: resolves only when the code is accepted. */
  verifyToken(authyId: number, token: string): Promise<void>;
  /** `GET /protected/json/sms/{id}?force=true`: texts a code; the masked number it went to. */
  sendSms(authyId: number): Promise<{ cellphone: string }>;
  /** `POST /onetouch/json/users/{id}/approval_requests`. */
  createApprovalRequest(authyId: number, request: NewApprovalRequest): Promise<CreatedApprovalRequest>;
  /**
   * The request once final, or as it stands when `timeoutMs` passes. `onTrouble(true)` reports that the
   * service is out of reach (the wait keeps retrying), `onTrouble(false)` that it answers again.
   */
  waitForApproval(uuid: string, options: WaitOptions): Promise<ApprovalOutcome>;
  /** Checks a final request's receipt: the service's keys, this app, this request, and what was displayed. */
  verifyReceipt(outcome: ApprovalOutcome): Promise<ReceiptCheck>;
}

/** A phone number as the customer gave it: the calling code and the national number, digits only. */
export interface PhoneNumber {
  readonly countryCode: string;
  readonly cellphone: string;
}

export interface UserStatus {
  readonly registered: boolean;
  readonly devices: readonly Device[];
}

/** A device that answers the user's approval requests, as the service describes it. Its words are the device's own. */
export interface Device {
  readonly id: string;
  /** The name the device gave itself, e.g. "Chrome on Android". */
  readonly name: string;
  /** `os_type`: `web` (the authenticator in a browser), `cli` (`countersign device`), or another kind. */
  readonly platform: string;
  /** `registration_method`: `link` (an app's enrollment link) or `phone` (the phone number's own code). */
  readonly enrolledBy: string;
  /** When it was enrolled (ms), if the service says. */
  readonly createdAt: number | null;
  /** When it last asked the service for anything (ms); `null` before it first did. */
  readonly lastSeenAt: number | null;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onTrouble: (trouble: boolean) => void;
}

export interface Enrollment {
  readonly url: string;
  /** A PNG data URL. */
  readonly qrCode: string;
  readonly expiresAt: number;
}

export interface AuthenticatorSecret {
  readonly otpauthUrl: string;
  /** A PNG data URL on Countersign. */
  readonly qrCode: string;
}

export interface NewApprovalRequest {
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly secondsToExpire: number;
}

export interface CreatedApprovalRequest {
  readonly uuid: string;
  /** The code the bank shows when the app's policy has number matching on. */
  readonly numberMatch: string | null;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** An approval request as the service reports it. */
export interface ApprovalOutcome {
  readonly uuid: string;
  readonly status: ApprovalStatus;
  /** Why it was denied: `denied`, `not_me`, `number_mismatch`. */
  readonly reason: string | null;
  /** When the service recorded the final status (ms), once final. */
  readonly decidedAt: number | null;
  /** What the device displayed: the app's name as the service reports it… */
  readonly appName: string;
  /** …and the message and details (the bank checks receipts against its own copy of these). */
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  /** The service's signed receipt (Countersign), once answered. */
  readonly receipt: string | null;
}

export type ReceiptCheck =
  | { readonly verified: true }
  | { readonly verified: false; readonly problem: string };
