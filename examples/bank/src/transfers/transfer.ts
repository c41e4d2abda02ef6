import type { Approval } from '../approvals/approval.js';

/** A money transfer the customer asked for; it happens only if its approval ends approved. */
export interface Transfer {
  readonly id: number;
  readonly accountId: number;
  readonly payeeEmail: string;
  readonly accountNumber: string;
  readonly amountCents: number;
  /** 1, then one more each time it was sent again after a mistyped number. */
  readonly attempt: number;
  /** Its latest approval request: the one that decides it. */
  readonly approval: Approval;
}

/** Whether the transfer may be sent again as a new request: its number was mistyped on the phone. */
export function canSendAgain(transfer: Transfer): boolean {
  return transfer.approval.status === 'denied' && transfer.approval.reason === 'number_mismatch';
}

/** What the transfer form asks, once valid. */
export interface NewTransfer {
  readonly payeeEmail: string;
  readonly accountNumber: string;
  readonly amountCents: number;
}

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** `$1,250.00`. */
export function formatUsd(cents: number): string {
  return USD.format(cents / 100);
}
