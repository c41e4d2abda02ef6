import type { ApprovalStatus, Logo } from '../approvals/approval-request.js';
import { authyCompatibleKeys } from './authy-compatible-keys.js';

/** The answer a callback reports; authy-client accepts only `approved` and `denied`. */
export type CallbackStatus = Exclude<ApprovalStatus, 'pending'>;

/** What a callback needs to know of a final approval request. Times are milliseconds since the epoch. */
export interface CallbackApproval {
  readonly uuid: string;
  /** The Authy id of the user. */
  readonly userId: number;
  readonly appId: number;
  readonly status: CallbackStatus;
  readonly reason: string | null;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly hiddenDetails: Readonly<Record<string, string>>;
  readonly logos: readonly Logo[] | null;
  readonly createdAt: number;
  /** `null`: the request never expires. */
  readonly expiresAt: number | null;
  /** When the device signed its answer; `null` when no device answered (`expired`). */
  readonly signedAt: number | null;
  /** The device that answered; `null` when none did. */
  readonly deviceId: string | null;
  /** The device's signature over its answer; `null` when no device answered. */
  readonly deviceSignature: string | null;
}

/** The POST body of an approval callback (spec `authy-api.md` 6.2). */
export type AuthyCallbackBody = {
  readonly authy_id: number;
  readonly device_uuid: string;
  readonly callback_action: 'approval_request_status';
  readonly uuid: string;
  readonly status: CallbackStatus;
  readonly approval_request: {
    readonly transaction: {
      readonly details: Readonly<Record<string, string>> | null;
      readonly device_details: Readonly<Record<string, never>>;
      readonly device_geolocation: '';
      readonly device_signing_time: number;
      readonly encrypted: false;
      readonly flagged: false;
      readonly hidden_details: Readonly<Record<string, string>> | null;
      readonly message: string;
      readonly reason: string;
      readonly requester_details: null;
      readonly status: CallbackStatus;
      readonly uuid: string;
      readonly created_at_time: number;
      readonly customer_uuid: number;
    };
    readonly expiration_timestamp: number | null;
    readonly logos: readonly Logo[] | null;
    readonly app_id: string;
  };
  readonly signature: string;
};

function seconds(milliseconds: number): number {
  return Math.floor(milliseconds / 1000);
}

/** Authy sends `null`, not `{}`, for details that were never given. */
function stringMap(record: Readonly<Record<string, string>>): Readonly<Record<string, string>> | null {
  return Object.keys(record).length === 0 ? null : authyCompatibleKeys(record);
}

/**
 * The JSON body Countersign POSTs when an approval request becomes final, shaped as Authy's (spec 6.2) and
 * keyed in Authy's order. Sign it with `signAuthyCallback` over this very object and send
 * `JSON.stringify` of it.
 *
 * Differences from a literal copy of the request, each for a verifier that exists:
 * - `device_uuid` is a string: authy-client's `verifyCallback` refuses a number (spec 6.2).
 * - `details` and `hidden_details` go through {@link authyCompatibleKeys}: keys whose byte order and
 *   `localeCompare` order differ (mixed-case initials such as `Zip` beside `amount`) are lower-cased — or, if
 *   that is not enough, folded to letters, digits and spaces — with colliding names suffixed ` 2`, ` 3`, …, so
 *   that authy-client computes the same signature as authy-python and the spec (6.4). Values never change.
 *   Empty maps are sent as `null`, as Authy did.
 * - Times are whole Unix seconds; `reason` is `""` when none; `customer_uuid` is the app id and `app_id` its
 *   text.
 * - No device answered (`expired`): `device_uuid` and `signature` are `""` and `device_signing_time` is 0.
 *   authy-client refuses any status but `approved` and `denied`, so such a callback is for apps that opted in.
 * - `logos` carries only `res` and `url`, and `null` when there are none. (authy-client also sorts array
 *   indices with `localeCompare`, so ten or more logos would break its check; there are four resolutions.)
 */
export function authyCallbackBody(approval: CallbackApproval): AuthyCallbackBody {
  return {
    authy_id: approval.userId,
    device_uuid: approval.deviceId ?? '',
    callback_action: 'approval_request_status',
    uuid: approval.uuid,
    status: approval.status,
    approval_request: {
      transaction: {
        details: stringMap(approval.details),
        device_details: {},
        device_geolocation: '',
        device_signing_time: approval.signedAt === null ? 0 : seconds(approval.signedAt),
        encrypted: false,
        flagged: false,
        hidden_details: stringMap(approval.hiddenDetails),
        message: approval.message,
        reason: approval.reason ?? '',
        requester_details: null,
        status: approval.status,
        uuid: approval.uuid,
        created_at_time: seconds(approval.createdAt),
        customer_uuid: approval.appId,
      },
      expiration_timestamp: approval.expiresAt === null ? null : seconds(approval.expiresAt),
      logos:
        approval.logos === null || approval.logos.length === 0
          ? null
          : approval.logos.map(({ res, url }) => ({ res, url })),
      app_id: String(approval.appId),
    },
    signature: approval.deviceSignature ?? '',
  };
}
