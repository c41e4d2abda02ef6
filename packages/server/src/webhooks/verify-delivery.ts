import type { Store } from '../db/database.js';

/** One Verify event on its way to one webhook, as the callback outbox keeps it. */
export interface VerifyDelivery {
  /** A UUID: the body's `uuid` and the `webhook-id`, the same on every retry. */
  readonly id: string;
  readonly appId: number;
  readonly webhookSid: string;
  /** The event type (`challenge.approved`…): the delivery's `status` in the outbox. */
  readonly type: string;
  /** The challenge's SID for a `challenge.*` event, the factor's for a `factor.*` one. */
  readonly subjectSid: string;
  /** The form fields to send, but `sent_date`. */
  readonly fields: Readonly<Record<string, string>>;
  readonly at: number;
}

/**
 * The callback outbox, as the Verify feature's repositories write to it (its event repository provides it,
 * and its worker delivers what is written). Deliveries are written only in the transaction of the change
 * they report, so that both are committed or neither.
 */
export interface VerifyEventOutbox {
  /** Writes `deliveries` in the transaction `tx` (the query builder of the store's transaction). */
  writeDeliveries(tx: Store['db'], deliveries: readonly VerifyDelivery[]): Promise<void>;
}
