/**
 * Every way a device operation can fail that a caller may want to tell apart. Stable: the authenticator
 * and `countersign device …` branch on these.
 */
export type DeviceErrorCode =
  /** The enrollment URL is not `{PUBLIC_URL}/authenticator/#enroll={TOKEN}`. */
  | 'invalid_link'
  /** The storage holds no enrolled device. */
  | 'not_enrolled'
  /** The storage already holds an enrolled device; one storage is one device. */
  | 'already_enrolled'
  /** A third-party TOTP account (an `otpauth://` link or a typed secret) that is malformed or unsupported. */
  | 'invalid_totp'
  /** No account of the authenticator has the id asked for. */
  | 'unknown_account'
  /** `completePhoneEnrollment` without a started phone enrollment. */
  | 'no_phone_enrollment'
  /** Approving a request that asks for a number-match code, without one. */
  | 'number_match_required'
  /** A number-match code for a request that asks for none. */
  | 'number_match_unexpected'
  /** The service could not be reached, or did not answer in time. */
  | 'network_error'
  /** 400: the service found the call malformed. */
  | 'bad_request'
  /** 401: unknown or revoked device, bad signature, clock too far off, or not this device's request. */
  | 'unauthorized'
  /** 403 */
  | 'forbidden'
  /** 404: no such request, enrollment or device. */
  | 'not_found'
  /** 409: already answered or already used. */
  | 'conflict'
  /** 410: expired. */
  | 'gone'
  /** 429 */
  | 'rate_limited'
  /** 5xx, or a status the protocol does not name. */
  | 'server_error'
  /** A 2xx whose body is not what the protocol says. */
  | 'unexpected_response'
  /** A passphrase for a new backup shorter than `BACKUP_PASSPHRASE_MIN` characters. */
  | 'backup_passphrase_too_short'
  /** A passphrase longer than `BACKUP_PASSPHRASE_MAX` characters. */
  | 'backup_passphrase_too_long'
  /** The passphrase does not open this backup (or its key settings were changed). */
  | 'backup_wrong_passphrase'
  /** Not a Countersign backup, or one that is damaged, truncated or was changed after it was written. */
  | 'backup_unreadable'
  /** A backup of a version this authenticator does not read, or asking for key settings outside its bounds. */
  | 'backup_unsupported';

/** The one error type of `@countersign/device`; misuse of the API throws a plain `TypeError` instead. */
export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  readonly code: DeviceErrorCode;
  /** The HTTP status when the service refused. */
  readonly status: number | undefined;

  constructor(code: DeviceErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}
