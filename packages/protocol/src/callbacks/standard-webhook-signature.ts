import { base64 } from '../lib/base64.js';
import { hmacSha256 } from '../lib/sha256.js';
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
  key: Uint8Array,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return base64(hmacSha256(key, `${id}.${timestamp}.`, body));
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

/**
 * The signatures of a received `webhook-signature` header that this scheme version can check: each
 * space-separated `v1,<signature>` entry without its prefix. Entries of other versions are ignored.
 */
export function standardWebhookSignatures(header: string): string[] {
  return header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice('v1,'.length));
}
