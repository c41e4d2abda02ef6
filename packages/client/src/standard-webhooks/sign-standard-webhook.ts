import { createHmac } from 'node:crypto';
import { secretList, webhookSecretKey } from './webhook-secret.js';

/** One delivery to sign with the Standard Webhooks scheme. */
export interface StandardWebhookToSign {
  /** `webhook-id`: the same on every retry of one event, so receivers can deduplicate. */
  readonly id: string;
  /** `webhook-timestamp`: integer Unix seconds of this attempt. */
  readonly timestamp: number;
  /** The exact bytes sent as the body (a string is sent as UTF-8). */
  readonly body: string | Uint8Array;
  /** `whsec_…` secret(s); during a rotation both old and new, each giving one signature (R49). */
  readonly secrets: string | readonly string[];
}

/** `base64(HMAC-SHA256(key, id.timestamp.body))`, the signature without its `v1,` prefix. */
export function standardWebhookSignature(
  key: Buffer,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');
}

/**
 * The `webhook-signature` header of a delivery (Standard Webhooks, R45): `v1,<signature>` per secret,
 * separated by spaces, in the order of `secrets`.
 *
 * @throws TypeError when the id is empty, the timestamp not integer seconds, or a secret not `whsec_` base64.
 */
export function signStandardWebhook(delivery: StandardWebhookToSign): string {
  const { id, timestamp, body } = delivery;
  if (id === '') throw new TypeError('signStandardWebhook: id is empty');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError('signStandardWebhook: timestamp must be integer Unix seconds');
  }
  return secretList(delivery.secrets)
    .map((secret) => `v1,${standardWebhookSignature(webhookSecretKey(secret), id, timestamp, body)}`)
    .join(' ');
}
