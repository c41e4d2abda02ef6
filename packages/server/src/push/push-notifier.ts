import type { SecretBox } from '../crypto/secret-box.js';
import type { DeviceRepository } from '../devices/device.repository.js';
import type { EventBus } from '../events/event-bus.js';
import { type RequestCreated, topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import type { PushSender, PushSubscription } from './push-sender.js';

/** Longest TTL a push service is asked to keep a message (requests that never expire). */
const MAX_TTL_SECONDS = 24 * 60 * 60;

export const subscriptionContext = (deviceId: string) => `devices.push_subscription_ct:${deviceId}`;

/**
 * Pushes an opaque notice of each new request to the user's devices that answer its app (R36): the
 * payload is only `{type, uuid}`, the TTL never outlives the request, and a failed push never fails the
 * request. Pushes pause while the user's "this wasn't me" cool-down runs (R42).
 */
export function startPushNotifier(options: {
  bus: EventBus;
  devices: DeviceRepository;
  sender: PushSender;
  box: SecretBox;
  clock: Clock;
  log: Log;
}): () => void {
  const { bus, devices, sender, box, clock, log } = options;
  const notify = async (event: RequestCreated) => {
    // Most users have no device to push to: they cost this one lookup.
    const targets = await devices.pushTargets(event.userId, event.appId, event.phoneDevicesAccepted);
    if (targets.length === 0) return;
    const now = clock.now();
    const pausedUntil = await devices.pushPausedUntil(event.appId, event.userId);
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
        if (outcome === 'gone') await devices.setPushSubscription(target.id, null);
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
