import type { UserVerification } from '../apps/app.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const LOGO_RESOLUTIONS = ['default', 'low', 'med', 'high'] as const;

export interface Logo {
  readonly res: (typeof LOGO_RESOLUTIONS)[number];
  readonly url: string;
}

/** An approval request as its app sees it. */
export interface ApprovalRequest {
  readonly uuid: string;
  readonly appId: number;
  readonly userId: number;
  readonly userEmail: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly hiddenDetails: Readonly<Record<string, string>>;
  readonly logos: readonly Logo[] | null;
  readonly secondsToExpire: number;
  /** `null`: never expires (`seconds_to_expire` 0, compat profile only). */
  readonly expiresAt: number | null;
  readonly status: ApprovalStatus;
  readonly numberMatch: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly processedAt: number | null;
  readonly reason: string | null;
  /** The device that answered, once final. */
  readonly deviceId: string | null;
  /** The service's signed receipt of the answer (docs/device-protocol.md, "Receipts"). */
  readonly receipt: string | null;
  /** When the device signed its answer (ms), once answered. */
  readonly signedAt: number | null;
  readonly deviceSignature: string | null;
}

/**
 * A request as the answering flow needs it: what its device shows and signs over (never the hidden
 * details), and what the answer is checked against (the number to match, never shown).
 */
export interface AnswerableRequest {
  readonly uuid: string;
  readonly appId: number;
  readonly userId: number;
  /** The app's name when the request was made (what the device shows and signs). */
  readonly appName: string;
  readonly appProfile: string;
  /** The app's user verification setting (D14), as it stands when the device answers. */
  readonly userVerification: UserVerification;
  /** Whether the app takes callbacks of answers, as it stands when the device answers (a URL, not turned off). */
  readonly answerCallbacks: boolean;
  readonly message: string;
  readonly details: Record<string, string>;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly numberMatchRequired: boolean;
  readonly numberMatch: string | null;
  readonly nonce: string;
  readonly status: ApprovalStatus;
}

/** A device's verified answer, as the request records it. */
export interface RecordedAnswer {
  readonly status: 'approved' | 'denied';
  readonly reason: string | null;
  readonly deviceId: string;
  /** The answer document the device signed, as canonical JSON. */
  readonly document: string;
  readonly signature: string;
  /** The service's signed receipt of the answer. */
  readonly receipt: string;
  readonly now: number;
}

/** Which of a user's requests a device sees (D8): one app's, or those of every app with these profiles. */
export type HistoryScope = { readonly appId: number } | { readonly profiles: readonly string[] };

/**
 * A final request as its user's devices look back on it: what was shown (never the hidden details), how it
 * ended, the device that answered and the service's receipt of the answer.
 */
export interface HistoryRow {
  readonly uuid: string;
  readonly appId: number;
  readonly appName: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly status: Exclude<ApprovalStatus, 'pending'>;
  /** `null` for an approval or an expiry; `denied`, `not_me` or `number_mismatch` for a denial. */
  readonly reason: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  /** When the device's answer was recorded; `null` for an expiry. */
  readonly answeredAt: number | null;
  readonly deviceId: string | null;
  /** The answering device's name; `null` when nothing answered (or the device record is gone). */
  readonly deviceName: string | null;
  readonly receipt: string | null;
}

/**
 * A request of any app as an operator looks at it (`countersign requests …`): what was shown (never the
 * hidden details), its status as read now (a pending request past its expiry reads as expired), the answer.
 */
export interface OperatorRequest extends Omit<HistoryRow, 'status'> {
  readonly userId: number;
  readonly status: ApprovalStatus;
}

/** Which requests an operator lists, newest first: each filter given narrows the list. */
export interface OperatorQuery {
  readonly appId?: number;
  readonly userId?: number;
  /** As read now: a pending request past its expiry is `expired`. */
  readonly status?: ApprovalStatus;
  /** Created at or after (ms). */
  readonly since?: number;
  /** Created before (ms). */
  readonly until?: number;
  readonly limit: number;
}
