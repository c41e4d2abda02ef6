import type { JsonObject } from '../http/wire.js';

/** A user to register (spec 4.1). */
export interface NewUser {
  readonly email: string;
  /** Dashes, dots and spaces are fine: `'509-555-1212'`. */
  readonly cellphone: string;
  /** The calling code, e.g. `1` or `'351'`. */
  readonly countryCode: string | number;
  /** Authy sent an install link by SMS; Countersign ignores it. */
  readonly sendInstallLinkViaSms?: boolean | undefined;
}

/** A registered user. The same phone number always gets the same id. */
export interface RegisteredUser {
  /** The Authy id to store with your user. */
  readonly id: number;
  readonly message: string;
  readonly raw: JsonObject;
}

/** `users.status` (spec 4.3). Every device in detail: `raw.status.detailed_devices`. */
export interface UserStatus {
  readonly authyId: number;
  /** The user has used a valid code before. */
  readonly confirmed: boolean;
  /** At least one device can answer this app's approval requests. */
  readonly registered: boolean;
  readonly countryCode: number;
  /** Masked, last digits only: `'XXX-XXX-1212'`. */
  readonly phoneNumber: string;
  readonly email: string | undefined;
  /** One entry per device (`'authenticator'` on Countersign). */
  readonly devices: readonly string[];
  readonly hasHardToken: boolean;
  readonly message: string;
  readonly raw: JsonObject;
}

/** Activity types Authy knew (spec 4.4). */
export type ActivityType = 'password_reset' | 'banned' | 'unbanned' | 'cookie_login';

/** An activity to record for a user. */
export interface Activity {
  readonly type: ActivityType;
  /** Up to 20 entries. */
  readonly data?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** For apps whose users prefer a third-party authenticator app (spec 4.5). */
export interface AuthenticatorSecretOptions {
  /** The account label shown in the authenticator app; the user's email by default. */
  readonly label?: string | undefined;
  /** QR code size in pixels, 100…1000. */
  readonly qrSize?: number | undefined;
}

/** The TOTP secret of a user for this app, to show as a QR code. */
export interface AuthenticatorSecret {
  readonly label: string;
  readonly issuer: string;
  /** The `otpauth://totp/…` URI (Countersign; Authy sent only the QR code). */
  readonly otpauthUrl: string | undefined;
  /** The QR code: a `data:image/png` URL on Countersign, an image URL on Authy. */
  readonly qrCode: string;
  readonly raw: JsonObject;
}
