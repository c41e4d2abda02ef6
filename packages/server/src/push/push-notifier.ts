import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { EventBus } from '../events/event-bus.js';
import { type RequestCreated, topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import type { PushSender, PushSubscription } from './push-sender.js';

/** Longest TTL a push service is asked to keep a message (requests that never expire). */
const MAX_TTL_SECONDS = 24 * 60 * 60;

export const subscriptionContext = sealedContext.pushSubscription;

/** Where a new request's push goes, as the devices and users features know it. */
export interface PushTargets {
  /** The user's devices that answer the app and hold a push subscription, sealed (`subscriptionContext`). */
  targets(
    userId: number,
    appId: number,
    phoneDevicesAccepted: boolean,
  ): Promise<ReadonlyArray<{ readonly id: string; readonly subscriptionCt: string }>>;
  /** Until when pushes to the app's user are paused ("this wasn't me", R42), if they ever were. */
  pausedUntil(appId: number, userId: number): Promise<number | null>;
  /** The push service says the device's subscription is gone: push to it no more. */
  gone(deviceId: string): Promise<void>;
}

/**
 * Pushes an opaque notice of each new request to the user's devices that answer its app (R36): the
 * payload is only `{type, uuid}`, the TTL never outlives the request, and a failed push never fails the
 * request. Pushes pause while the user's "this wasn't me" cool-down runs (R42).
 */
export function startPushNotifier(options: {
  bus: EventBus;
  targets: PushTargets;
  sender: PushSender;
  box: SecretBox;
  clock: Clock;
  log: Log;
}): () => void {
  const { bus, targets: where, sender, box, clock, log } = options;
  const notify = async (event: RequestCreated) => {
    // Most users have no device to push to: they cost this one lookup.
    const targets = await where.targets(event.userId, event.appId, event.phoneDevicesAccepted);
    if (targets.length === 0) return;
    const now = clock.now();
    const pausedUntil = await where.pausedUntil(event.appId, event.userId);
    if (pausedUntil !== null && pausedUntil > now) {
      log.info({ appId: event.appId, uuid: event.uuid }, 'push paused for this user');
      return;
    }
    const ttl =
      event.expiresAt === null
        ? MAX_TTL_SECONDS
        : Math.min(MAX_TTL_SECONDS, Math.floor((event.expiresAt - now) / 1000));
    if (ttl <= 0) return;
    await Promise.all(
      targets.map(async (target) => {
        const subscription = JSON.parse(
          box.open(target.subscriptionCt, subscriptionContext(target.id)),
        ) as PushSubscription;
        const outcome = await sender.send(
          subscription,
          JSON.stringify({ type: 'request', uuid: event.uuid }),
          ttl,
        );
        if (outcome === 'gone') await where.gone(target.id);
        if (outcome !== 'sent') log.warn({ deviceId: target.id, outcome }, 'push not delivered');
      }),
    );
  };
  return bus.subscribe(topics.approvals, (event) => {
    if (event.type !== 'created') return;
    void notify(event).catch((error: unknown) => {
      log.warn({ err: error }, 'push failed');
    });
  });
}
