import { requestJson } from '../http/request-json.js';
import type { AuthyId, RequestOptions } from '../http/request-options.js';
import { pathSegment, type Transport } from '../http/transport.js';
import { type JsonObject, readObject, readOptionalString, readString } from '../http/wire.js';

/** A value of `details` or `hiddenDetails`; the service keeps it as text. */
export type DetailValue = string | number | boolean;

/** A logo for the device to show (Authy). */
export interface ApprovalLogo {
  readonly res: 'default' | 'low' | 'med' | 'high';
  /** An `https://` URL. */
  readonly url: string;
}

/** What to ask the user (spec 4.11). */
export interface NewApprovalRequest {
  /** Shown as the title, e.g. `'Transfer money to bob@example.com'`; up to 200 characters. */
  readonly message: string;
  /** Shown under it, in order, e.g. `{ From: 'Checking', 'US Dollar Amount': '500.00' }`; up to 20. */
  readonly details?: Readonly<Record<string, DetailValue>> | undefined;
  /** Kept with the request and returned to the app, never shown. */
  readonly hiddenDetails?: Readonly<Record<string, DetailValue>> | undefined;
  readonly logos?: readonly ApprovalLogo[] | undefined;
  /** 600 by default; `0` never expires (compat profile only). */
  readonly secondsToExpire?: number | undefined;
}

/** A request that was sent to the user's devices. */
export interface CreatedApprovalRequest {
  readonly uuid: string;
  /** Show this code next to the request: the user must pick it on the device (when number matching is on). */
  readonly numberMatch: string | undefined;
  readonly raw: JsonObject;
}

/**
 * `POST /onetouch/json/users/{id}/approval_requests`. Unknown user: `60026` (404); invalid parameters:
 * `60004` (400) naming the parameter.
 */
export async function createApprovalRequest(
  transport: Transport,
  authyId: AuthyId,
  request: NewApprovalRequest,
  options: RequestOptions = {},
): Promise<CreatedApprovalRequest> {
  const body = await requestJson(transport, {
    method: 'POST',
    path: `/onetouch/json/users/${pathSegment(authyId, 'authyId')}/approval_requests`,
    body: {
      message: request.message,
      details: request.details,
      hidden_details: request.hiddenDetails,
      logos: request.logos,
      seconds_to_expire: request.secondsToExpire,
    },
    signal: options.signal,
  });
  const created = readObject(body, 'approval_request');
  return {
    uuid: readString(created, 'uuid'),
    numberMatch: readOptionalString(created, 'number_match'),
    raw: body,
  };
}
