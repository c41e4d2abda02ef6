import type { OperatorRequest } from './approval-request.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A request as an operator reads it, in the command line (`countersign requests … --json`) and the console
 * (`/console/api/requests`) alike: what was shown (never the hidden details), how it ended, and the
 * service's receipt of the answer.
 */
export function operatorRequestDocument(r: OperatorRequest) {
  return {
    uuid: r.uuid,
    app_id: r.appId,
    app_name: r.appName,
    authy_id: r.userId,
    message: r.message,
    details: r.details,
    status: r.status,
    reason: r.reason,
    device_id: r.deviceId,
    device_name: r.deviceName,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    answered_at: iso(r.answeredAt),
    // The receipt is final: a pending request has none yet.
    receipt: r.status === 'pending' ? null : r.receipt,
  };
}

/** The JSON document of a request for an operator (`operatorRequestDocument`). */
export type OperatorRequestDocument = ReturnType<typeof operatorRequestDocument>;
