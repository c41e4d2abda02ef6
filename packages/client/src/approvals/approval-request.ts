import { CountersignError } from '../countersign-error.js';
import {
  type JsonObject,
  readDate,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readRequiredDate,
  readString,
  readStringMap,
} from '../http/wire.js';

/** Where an approval request stands. Every status but `pending` is final. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

function isApprovalStatus(value: string): value is ApprovalStatus {
  return (STATUSES as readonly string[]).includes(value);
}

/**
 * An approval request as the app sees it (spec 4.12). Fields Countersign adds to Authy's are `undefined` on
 * a plain Authy service; everything the service sent is in `raw`.
 */
export interface ApprovalRequest {
  readonly uuid: string;
  readonly status: ApprovalStatus;
  /** The app's name as the device shows it (`_app_name`). */
  readonly appName: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When it was answered or expired; `null` while pending. */
  readonly processedAt: Date | null;
  /** When it expires, `null` for never (Countersign). */
  readonly expiresAt: Date | null | undefined;
  readonly secondsToExpire: number | undefined;
  /** The message shown on the device (Countersign). */
  readonly message: string | undefined;
  /** The details shown on the device, as text (Countersign). */
  readonly details: Readonly<Record<string, string>>;
  readonly hiddenDetails: Readonly<Record<string, string>>;
  /** The code the user must pick on the device, when the app's policy asks for number matching. */
  readonly numberMatch: string | undefined;
  /** Why it was denied: `'denied'`, `'not_me'`, `'number_mismatch'` (Countersign, final requests). */
  readonly reason: string | undefined;
  /** The device that answered (Countersign, final requests). */
  readonly deviceUuid: string | undefined;
  /** The service's signed receipt of the answer; check it with `verifyReceipt` (Countersign). */
  readonly receipt: string | undefined;
  /** The `approval_request` object exactly as the service sent it. */
  readonly raw: JsonObject;
}

/** The `approval_request` of a status answer (`GET …/approval_requests/{uuid}` or a stream event). */
export function readApprovalRequest(body: JsonObject): ApprovalRequest {
  const request = readObject(body, 'approval_request');
  const status = readString(request, 'status');
  if (!isApprovalStatus(status)) {
    throw new CountersignError('unexpected_response', `unknown approval request status ${status}`);
  }
  return {
    uuid: readString(request, 'uuid'),
    status,
    appName: readOptionalString(request, '_app_name'),
    createdAt: readRequiredDate(request, 'created_at'),
    updatedAt: readRequiredDate(request, 'updated_at'),
    processedAt: request.processed_at === undefined ? null : readDate(request, 'processed_at'),
    expiresAt: request.expires_at === undefined ? undefined : readDate(request, 'expires_at'),
    secondsToExpire: readOptionalNumber(request, 'seconds_to_expire'),
    message: readOptionalString(request, 'message'),
    details: readStringMap(request, 'details'),
    hiddenDetails: readStringMap(request, 'hidden_details'),
    numberMatch: readOptionalString(request, 'number_match'),
    reason: readOptionalString(request, 'reason'),
    deviceUuid: readOptionalString(request, 'device_uuid'),
    receipt: readOptionalString(request, 'receipt'),
    raw: request,
  };
}
