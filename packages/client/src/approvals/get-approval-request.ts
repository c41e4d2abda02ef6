import { requestJson } from '../http/request-json.js';
import type { RequestOptions } from '../http/request-options.js';
import { pathSegment, type Transport } from '../http/transport.js';
import { type ApprovalRequest, readApprovalRequest } from './approval-request.js';

/** The longest long poll the service holds, in seconds. */
export const MAX_WAIT_SECONDS = 60;

/** Options of `getApprovalRequest`. */
export interface GetApprovalRequestOptions extends RequestOptions {
  /**
   * Long poll (Countersign): the service holds the answer up to this many seconds (0…60) until the request
   * is final. A plain Authy service ignores it and answers at once.
   */
  readonly wait?: number | undefined;
}

/** The path of a request's status. */
export function approvalRequestPath(uuid: string): string {
  return `/onetouch/json/approval_requests/${pathSegment(uuid, 'uuid')}`;
}

/**
 * `GET /onetouch/json/approval_requests/{uuid}[?wait=SECONDS]`. Unknown uuid: `60049` (404).
 *
 * @throws TypeError when `wait` is not a whole number of seconds from 0 to 60.
 */
export async function getApprovalRequest(
  transport: Transport,
  uuid: string,
  options: GetApprovalRequestOptions = {},
): Promise<ApprovalRequest> {
  const wait = options.wait;
  if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0 && wait <= MAX_WAIT_SECONDS)) {
    throw new TypeError(`wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}, not ${wait}`);
  }
  const body = await requestJson(transport, {
    method: 'GET',
    path: approvalRequestPath(uuid),
    query: { wait: wait === 0 ? undefined : wait },
    signal: options.signal,
    holdMs: (wait ?? 0) * 1000,
  });
  return readApprovalRequest(body);
}
