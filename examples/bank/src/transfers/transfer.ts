import type { Approval } from '../approvals/approval.js';

/** A money transfer the customer asked for; it happens only if its approval ends approved. */
export interface Transfer {
  readonly id: number;
  readonly accountId: number;
  readonly payeeEmail: string;
  readonly accountNumber: string;
  readonly amountCents: number;
  readonly approval: Approval;
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
