import type { Device } from '@countersign/device';
import { decodeBase64url } from '@countersign/protocol';

/** How long to wait for the service worker to be active: it never is where none was registered (dev). */
const WORKER_WAIT_MS = 10_000;

/** Where notifications stand in this browser, as the Notifications panel shows it. */
export type PushStatus = 'unsupported' | 'denied' | 'off' | 'on';

/**
 * How turning notifications on ended, short of a `DeviceError` from the service: `dismissed` when the
 * permission prompt was closed unanswered, `no_worker` when the service worker is not running,
 * `push_unavailable` when the browser's push service gave no subscription.
 */
export type PushOutcome = 'on' | 'denied' | 'dismissed' | 'no_worker' | 'push_unavailable';

/** Whether this browser has what Web Push needs: notifications, a service worker and a push manager. */
export function pushSupported(): boolean {
  return 'Notification' in window && 'serviceWorker' in navigator && 'PushManager' in window;
}

/**
 * Where notifications stand, without asking the user anything. A push subscription this browser already
 * holds is sent to the services again: after this browser was removed and enrolled anew, or enrolled for
 * one more app, the new device would otherwise never be pushed to. That is best effort (offline, it is
 * simply tried next time); a service whose key the subscription was not made under refuses its pushes.
 */
export async function pushStatus(devices: readonly Device[]): Promise<PushStatus> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission !== 'granted') return 'off';
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription === undefined || subscription === null) return 'off';
  const held = subscription.options.applicationServerKey;
  const key = held === null ? undefined : new Uint8Array(held);
  for (const device of await devicesUnder(devices, key)) {
    await device.subscribePush(subscription.toJSON()).catch(() => undefined);
  }
  return 'on';
}

/**
 * Asks for permission to notify, subscribes this browser's push manager under the first enrollment's
 * service key, and hands the subscription to every enrollment of a service with that key (a browser holds
 * one subscription, under one key). Call it straight from a click: some browsers only ask the user then.
 * A failure of the first service's calls is thrown as a `DeviceError`.
 */
export async function turnOnPush(devices: readonly Device[]): Promise<PushOutcome> {
  const [device] = devices;
  // First, before any other wait, while the click still counts as the user's gesture.
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'dismissed';
  const registration = await activeWorker();
  if (registration === undefined) return 'no_worker';
  if (device === undefined) return 'push_unavailable';
  const key = decodeBase64url(await device.pushKey());
  let subscription: PushSubscription;
  try {
    subscription = await subscribeUnder(registration.pushManager, key);
  } catch (caught) {
    if (!(caught instanceof DOMException)) throw caught;
    return caught.name === 'NotAllowedError' ? 'denied' : 'push_unavailable';
  }
  await device.subscribePush(subscription.toJSON());
  for (const other of await devicesUnder(devices.slice(1), key)) {
    await other.subscribePush(subscription.toJSON()).catch(() => undefined);
  }
  return 'on';
}

/** The devices whose service pushes under `key`; all of them when the key is unknown. */
async function devicesUnder(devices: readonly Device[], key: Uint8Array | undefined): Promise<Device[]> {
  if (key === undefined) return [...devices];
  const keys = await Promise.all(devices.map((device) => device.pushKey().catch(() => null)));
  return devices.filter((_device, index) => {
    const served = keys[index];
    return served !== null && served !== undefined && sameBytes(decodeBase64url(served), key);
  });
}

/** The active service worker's registration, or `undefined` if none is active within `WORKER_WAIT_MS`. */
async function activeWorker(): Promise<ServiceWorkerRegistration | undefined> {
  let timer = 0;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = window.setTimeout(() => resolve(undefined), WORKER_WAIT_MS);
  });
  try {
    return await Promise.race([navigator.serviceWorker.ready, gaveUp]);
  } finally {
    window.clearTimeout(timer);
  }
}

/**
 * The browser's subscription under `key`: the one it holds if made under that key, else a new one. One made
 * under another key is dropped first: the browser refuses a second, and its pushes would be refused.
 */
async function subscribeUnder(
  pushManager: PushManager,
  key: Uint8Array<ArrayBuffer>,
): Promise<PushSubscription> {
  const existing = await pushManager.getSubscription();
  if (existing !== null) {
    const held = existing.options.applicationServerKey;
    if (held !== null && sameBytes(new Uint8Array(held), key)) return existing;
    await existing.unsubscribe();
  }
  return pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
