import { admissionCode, decodeBase64url } from '@countersign/protocol';
import { DeviceError } from '../device-error.js';
import type { JsonValue } from '../storage/device-storage.js';
import type {
  Account,
  AdmissionClaim,
  AdmissionLink,
  AdmissionOutcome,
  AdmissionStatus,
  AdmissionView,
  AnswerResult,
  ClaimingDevice,
  DeviceEvent,
  DeviceInfo,
  Enrollment,
  HistoryEntry,
  HistoryPage,
  Invitation,
  PendingRequest,
  PhoneEnrollment,
  ReceiptKeySet,
  TotpParameters,
  UserVerificationSetting,
} from './wire.js';

// The service's answers are untrusted input: each reader checks the shape the protocol names and copies
// only the named members, so nothing unexpected travels further into the device (or onto its screen).

type Fields = Record<string, unknown>;

function unexpected(what: string): never {
  throw new DeviceError(
    'unexpected_response',
    `the service sent ${what} that the device protocol does not allow`,
  );
}

function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) unexpected(what);
  return value as Fields;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) unexpected(what);
  return value;
}

function text(from: Fields, key: string, what: string): string {
  const value = from[key];
  if (typeof value !== 'string') unexpected(`${what} without a string "${key}"`);
  return value;
}

function textOrNull(from: Fields, key: string, what: string): string | null {
  return from[key] === null ? null : text(from, key, what);
}

function integer(from: Fields, key: string, what: string): number {
  const value = from[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    unexpected(`${what} without an integer "${key}"`);
  return value;
}

function flag(from: Fields, key: string, what: string): boolean {
  const value = from[key];
  if (typeof value !== 'boolean') unexpected(`${what} without a boolean "${key}"`);
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, item] of Object.entries(fields(value, what))) {
    if (typeof item !== 'string') unexpected(`${what} with a non-string value`);
    map[key] = item;
  }
  return map;
}

function totp(value: unknown): TotpParameters {
  const what = 'TOTP parameters';
  const from = fields(value, what);
  const algorithm = from.algorithm;
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') {
    unexpected(`${what} with an unknown algorithm`);
  }
  const secret = text(from, 'secret', what);
  if (!/^[A-Z2-7]+=*$/i.test(secret)) unexpected(`${what} with a secret that is not base32`);
  const digits = integer(from, 'digits', what);
  const period = integer(from, 'period', what);
  if (digits < 6 || digits > 10 || period < 1) unexpected(`${what} out of range`);
  return { secret, digits, period, algorithm };
}

function account(value: unknown): Account {
  const what = 'an account';
  const from = fields(value, what);
  return {
    app_id: integer(from, 'app_id', what),
    app_name: text(from, 'app_name', what),
    authy_id: integer(from, 'authy_id', what),
    totp: totp(from.totp),
  };
}

/** `{"accounts": [ACCOUNT…], "success": true}` */
export function readAccounts(body: unknown): Account[] {
  return list(fields(body, 'an accounts answer').accounts, 'accounts').map(account);
}

/** `{"device_id": UUID, "accounts": [ACCOUNT…], "success": true}` */
export function readEnrollment(body: unknown): Enrollment {
  const from = fields(body, 'an enrollment answer');
  return { device_id: text(from, 'device_id', 'an enrollment answer'), accounts: readAccounts(body) };
}

/** `{"app_name": NAME, "phone": MASKED, "expires_at": ISO, "success": true}` */
export function readInvitation(body: unknown): Invitation {
  const what = 'an invitation';
  const from = fields(body, what);
  return {
    app_name: text(from, 'app_name', what),
    phone: text(from, 'phone', what),
    expires_at: text(from, 'expires_at', what),
  };
}

/** `{"enrollment_id": ID, "expires_at": ISO, "success": true}` */
export function readPhoneEnrollment(body: unknown): PhoneEnrollment {
  const what = 'a phone enrollment answer';
  const from = fields(body, what);
  return { enrollment_id: text(from, 'enrollment_id', what), expires_at: text(from, 'expires_at', what) };
}

function pendingRequest(value: unknown): PendingRequest {
  const what = 'a request';
  const from = fields(value, what);
  return {
    uuid: text(from, 'uuid', what),
    app_id: integer(from, 'app_id', what),
    app_name: text(from, 'app_name', what),
    message: text(from, 'message', what),
    details: stringMap(from.details, 'request details'),
    created_at: text(from, 'created_at', what),
    expires_at: textOrNull(from, 'expires_at', what),
    number_match_required: flag(from, 'number_match_required', what),
    nonce: text(from, 'nonce', what),
    user_verification: userVerification(from.user_verification),
  };
}

/** A request's user verification setting; a service from before D14 sends none, which means `off`. */
function userVerification(value: unknown): UserVerificationSetting {
  if (value === undefined) return 'off';
  if (value !== 'required' && value !== 'preferred' && value !== 'off')
    unexpected('a request with an unknown "user_verification"');
  return value;
}

/** `{"options": CREATION_OPTIONS_JSON, "success": true}`: WebAuthn's JSON form, handed on to the browser as is. */
export function readPasskeyOptions(body: unknown): { [key: string]: JsonValue } {
  return fields(fields(body, 'passkey options').options, 'passkey options') as { [key: string]: JsonValue };
}

/** `{"credential_id": B64U, "success": true}` */
export function readPasskeyRegistration(body: unknown): string {
  return text(fields(body, 'a passkey registration'), 'credential_id', 'a passkey registration');
}

/** `{"requests": [REQUEST…], "success": true}` */
export function readRequests(body: unknown): PendingRequest[] {
  return list(fields(body, 'a requests answer').requests, 'requests').map(pendingRequest);
}

/** `{"status": "approved"|"denied", "success": true}` */
export function readAnswerResult(body: unknown): AnswerResult {
  const status = fields(body, 'an answer result').status;
  if (status !== 'approved' && status !== 'denied') unexpected('an answer result without a final status');
  return { status };
}

function deviceInfo(value: unknown): DeviceInfo {
  const what = 'a device';
  const from = fields(value, what);
  return {
    device_id: text(from, 'device_id', what),
    name: text(from, 'name', what),
    platform: text(from, 'platform', what),
    created_at: text(from, 'created_at', what),
    last_seen_at: textOrNull(from, 'last_seen_at', what),
    current: flag(from, 'current', what),
  };
}

/** `{"devices": [DEVICE…], "success": true}` */
export function readDevices(body: unknown): DeviceInfo[] {
  return list(fields(body, 'a devices answer').devices, 'devices').map(deviceInfo);
}

/** `{"success": true}`: an acknowledgement that carries nothing else. */
export function readSuccess(body: unknown): void {
  if (fields(body, 'an acknowledgement').success !== true) unexpected('an acknowledgement without success');
}

/** B64U of 65 bytes: an uncompressed P-256 point (`0x04 ‖ x ‖ y`). */
const UNCOMPRESSED_P256 = /^[A-Za-z0-9_-]{87}$/;

/** `{"public_key": B64U(uncompressed P-256 point), "success": true}`: the service's VAPID public key. */
export function readPushKey(body: unknown): string {
  const what = 'a push key answer';
  const key = text(fields(body, what), 'public_key', what);
  if (!UNCOMPRESSED_P256.test(key) || decodeBase64url(key)[0] !== 0x04) {
    unexpected('a push key that is not an uncompressed P-256 point');
  }
  return key;
}

/** One server-sent event; `undefined` for an event type the protocol does not name (skipped, not fatal). */
export function readEvent(type: string, data: string): DeviceEvent | undefined {
  if (type !== 'request' && type !== 'withdrawn') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    unexpected(`a "${type}" event whose data is not JSON`);
  }
  return { type, uuid: text(fields(parsed, 'an event'), 'uuid', 'an event') };
}

const FINAL_STATUSES = ['approved', 'denied', 'expired'] as const;

function historyEntry(value: unknown): HistoryEntry {
  const what = 'a history entry';
  const from = fields(value, what);
  const status = FINAL_STATUSES.find((s) => s === from.status);
  if (status === undefined) unexpected(`${what} with an unknown "status"`);
  let answeredBy: HistoryEntry['answered_by'] = null;
  if (from.answered_by !== null) {
    const by = fields(from.answered_by, 'an answering device');
    answeredBy = {
      device_id: text(by, 'device_id', 'an answering device'),
      name: textOrNull(by, 'name', 'an answering device'),
      current: flag(by, 'current', 'an answering device'),
    };
  }
  return {
    uuid: text(from, 'uuid', what),
    app_id: integer(from, 'app_id', what),
    app_name: text(from, 'app_name', what),
    message: text(from, 'message', what),
    details: stringMap(from.details, 'history details'),
    status,
    reason: textOrNull(from, 'reason', what),
    created_at: text(from, 'created_at', what),
    expires_at: textOrNull(from, 'expires_at', what),
    answered_at: textOrNull(from, 'answered_at', what),
    answered_by: answeredBy,
    receipt: textOrNull(from, 'receipt', what),
  };
}

/** `{"history": [ENTRY…], "next_cursor": CURSOR|null, "success": true}` */
export function readHistory(body: unknown): HistoryPage {
  const from = fields(body, 'a history answer');
  return {
    entries: list(from.history, 'history').map(historyEntry),
    next_cursor: textOrNull(from, 'next_cursor', 'a history answer'),
  };
}

/** A JSON Web Key Set: `{"keys": [JWK…]}`, only the members a receipt's check reads, as text. */
export function readKeySet(body: unknown): ReceiptKeySet {
  const keys = list(fields(body, 'a key set').keys, 'keys');
  if (keys.length > 20) unexpected('a key set of more than 20 keys');
  return {
    keys: keys.map((value) => {
      const key = fields(value, 'a key');
      const optional = (name: string) => (typeof key[name] === 'string' ? { [name]: key[name] } : {});
      return {
        kty: text(key, 'kty', 'a key'),
        ...optional('crv'),
        ...optional('x'),
        ...optional('y'),
        ...optional('kid'),
        ...optional('alg'),
      };
    }),
  };
}

const ADMISSION_STATUSES: readonly AdmissionStatus[] = [
  'pending',
  'claimed',
  'approved',
  'denied',
  'expired',
];

function admissionStatus(from: Fields, what: string): AdmissionStatus {
  const status = from.status;
  if (!ADMISSION_STATUSES.includes(status as AdmissionStatus)) unexpected(`${what} with an unknown status`);
  return status as AdmissionStatus;
}

/** `{"admission": {"id", "url", "expires_at"}, "success": true}` */
export function readAdmissionLink(body: unknown): AdmissionLink {
  const what = 'an admission';
  const from = fields(fields(body, what).admission, what);
  return {
    id: text(from, 'id', what),
    url: text(from, 'url', what),
    expires_at: text(from, 'expires_at', what),
  };
}

/** A P-256 public JWK, exactly its four members. */
function publicJwk(value: unknown, what: string): ClaimingDevice['public_key'] {
  const from = fields(value, what);
  if (from.kty !== 'EC' || from.crv !== 'P-256') unexpected(`${what} that is not a P-256 key`);
  const coordinate = /^[A-Za-z0-9_-]{43}$/;
  const x = text(from, 'x', what);
  const y = text(from, 'y', what);
  if (!coordinate.test(x) || !coordinate.test(y)) unexpected(`${what} with malformed coordinates`);
  return { kty: 'EC', crv: 'P-256', x, y };
}

/**
 * `{"admission": ADMISSION, "success": true}`. The comparison code is computed here from the claimed key,
 * never taken from the service: the user compares what each device computed.
 */
export function readAdmissionView(body: unknown): AdmissionView {
  const what = 'an admission';
  const from = fields(fields(body, what).admission, what);
  const id = text(from, 'id', what);
  let newDevice: ClaimingDevice | null = null;
  if (from.new_device !== null) {
    const device = fields(from.new_device, 'a claiming device');
    const platform = device.platform;
    if (platform !== 'web' && platform !== 'cli') unexpected('a claiming device with an unknown platform');
    const key = publicJwk(device.public_key, 'a claiming device’s key');
    newDevice = {
      device_id: text(device, 'device_id', 'a claiming device'),
      public_key: key,
      name: text(device, 'name', 'a claiming device'),
      platform,
      code: admissionCode(id, key),
    };
  }
  return {
    id,
    status: admissionStatus(from, what),
    expires_at: text(from, 'expires_at', what),
    authy_id: integer(from, 'authy_id', what),
    app_id: from.app_id === null ? null : integer(from, 'app_id', what),
    user_verification: userVerification(from.user_verification),
    new_device: newDevice,
  };
}

/** `{"admission_id", "device_id", "code", "expires_at", "success": true}` */
export function readAdmissionClaim(body: unknown): AdmissionClaim {
  const what = 'an admission claim';
  const from = fields(body, what);
  return {
    admission_id: text(from, 'admission_id', what),
    device_id: text(from, 'device_id', what),
    code: text(from, 'code', what),
    expires_at: text(from, 'expires_at', what),
  };
}

/** `{"status", "device_id"?, "accounts"?, "success": true}`: once approved, what an enrollment gives. */
export function readAdmissionOutcome(body: unknown): AdmissionOutcome {
  const what = 'an admission status';
  const from = fields(body, what);
  const status = admissionStatus(from, what);
  if (status !== 'approved') return { status };
  return { status, enrollment: readEnrollment(body) };
}

/** `{"status": "approved", "uv": bool, "success": true}` */
export function readAdmissionApproval(body: unknown): { uv: boolean } {
  const what = 'an admission approval';
  const from = fields(body, what);
  if (from.status !== 'approved') unexpected(`${what} that is not approved`);
  return { uv: flag(from, 'uv', what) };
}
