import webPush from 'web-push';
import { metaContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { KeptValues } from '../db/meta.js';

/** A browser's push subscription as the Push API gives it. */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export type PushOutcome = 'sent' | 'gone' | 'failed';

/** Sends Web Push messages (RFC 8030/8291/8292): encrypted payload, VAPID-signed. */
export interface PushSender {
  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  readonly publicKey: string;
  send(subscription: PushSubscription, payload: string, ttlSeconds: number): Promise<PushOutcome>;
}

const META_KEY = 'vapid_keys';
const CONTEXT = metaContext(META_KEY);

/** Loads the service's VAPID keys, making them (sealed under the master key) on first start. */
export async function loadVapidKeys(
  kept: KeptValues,
  box: SecretBox,
): Promise<{ publicKey: string; privateKey: string }> {
  const sealed = await kept.valueOrKeep(META_KEY, () =>
    box.seal(JSON.stringify(webPush.generateVAPIDKeys()), CONTEXT),
  );
  return JSON.parse(box.open(sealed, CONTEXT)) as { publicKey: string; privateKey: string };
}

/**
 * Web Push through `web-push`'s request builder and our own fetch: bounded in time, redirects refused.
 * 404 and 410 mean the subscription is gone (RFC 8030 §7.3).
 */
export function createWebPushSender(
  keys: { publicKey: string; privateKey: string },
  subject: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): PushSender {
  const send = options.fetch ?? fetch;
  return {
    publicKey: keys.publicKey,
    async send(subscription, payload, ttlSeconds) {
      const request = webPush.generateRequestDetails(subscription, payload, {
        vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: Math.max(0, Math.floor(ttlSeconds)),
        contentEncoding: 'aes128gcm',
        urgency: 'high',
      });
      try {
        const response = await send(request.endpoint, {
          method: request.method,
          headers: request.headers as Record<string, string>,
          body: request.body as Buffer,
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.body?.cancel();
        if (response.status === 404 || response.status === 410) return 'gone';
        return response.status >= 200 && response.status < 300 ? 'sent' : 'failed';
      } catch {
        return 'failed';
      }
    },
  };
}
