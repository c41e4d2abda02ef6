import type { ApprovalStatus } from '../countersign/countersign.js';

/** What an approval decides: a login, a transfer, or a new device (a confirmation instead of the password). */
export type ApprovalPurpose = 'login' | 'transfer' | 'device';

/** How the receipt of a final approval fared: checked and good, checked and bad, or none was given. */
export type ReceiptState =
  | { readonly kind: 'verified' }
  | { readonly kind: 'failed'; readonly problem: string }
  | { readonly kind: 'none' };

/** An approval request the bank sent, as the bank last learned it. */
export interface Approval {
  readonly uuid: string;
  readonly accountId: number;
  readonly purpose: ApprovalPurpose;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  /** The code the bank shows, when the app's policy has number matching on. */
  readonly numberMatch: string | null;
  readonly status: ApprovalStatus;
  /** Why it was denied: `denied`, `not_me`, `number_mismatch`. */
  readonly reason: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedAt: number | null;
  readonly receipt: ReceiptState;
}
