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
 * holds is sent to the service again: after this browser was removed and enrolled anew, the new device
 * would otherwise never be pushed to. That is best effort (offline, it is simply tried next time).
 */
export async function pushStatus(device: Device): Promise<PushStatus> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission !== 'granted') return 'off';
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription === undefined || subscription === null) return 'off';
  await device.subscribePush(subscription.toJSON()).catch(() => undefined);
  return 'on';
}

/**
 * Asks for permission to notify, subscribes this browser's push manager under the service's key, and hands
 * the subscription to the service. Call it straight from a click: some browsers only ask the user then.
 * A failure of the service's calls is thrown as a `DeviceError`.
 */
export async function turnOnPush(device: Device): Promise<PushOutcome> {
  // First, before any other wait, while the click still counts as the user's gesture.
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'dismissed';
  const registration = await activeWorker();
  if (registration === undefined) return 'no_worker';
  const key = decodeBase64url(await device.pushKey());
  let subscription: PushSubscription;
  try {
    subscription = await subscribeUnder(registration.pushManager, key);
  } catch (caught) {
    if (!(caught instanceof DOMException)) throw caught;
    return caught.name === 'NotAllowedError' ? 'denied' : 'push_unavailable';
  }
  await device.subscribePush(subscription.toJSON());
  return 'on';
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
