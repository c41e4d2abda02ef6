import type { Device } from '@countersign/device';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { type PushOutcome, type PushStatus, pushStatus, turnOnPush } from '../push-subscription.js';

/** What the panel shows: where things stand (or that it is busy, or what went wrong) and in what words. */
interface Shown {
  readonly kind: PushStatus | 'checking' | 'busy' | 'error';
  readonly text: string;
}

const STATUS: Record<PushStatus, Shown> = {
  off: {
    kind: 'off',
    text: 'Get a notification when a request arrives, even while the authenticator is closed.',
  },
  on: {
    kind: 'on',
    text: 'Notifications are on: this device tells you when a request arrives, even while the authenticator is closed.',
  },
  denied: {
    kind: 'denied',
    text: 'Notifications are blocked for this site. Allow them in this browser’s site settings, then try again.',
  },
  unsupported: {
    kind: 'unsupported',
    text: 'This browser cannot show the authenticator’s notifications, so keep it open to see requests as they arrive. On an iPhone or iPad, add it to the Home Screen first.',
  },
};

const OUTCOME: Record<PushOutcome, Shown> = {
  on: STATUS.on,
  denied: STATUS.denied,
  dismissed: {
    kind: 'off',
    text: 'Notifications are still off: the browser’s question was closed without an answer.',
  },
  no_worker: {
    kind: 'error',
    text: 'The authenticator’s background worker is not running yet, so notifications cannot be turned on. Reload the page, then try again.',
  },
  push_unavailable: {
    kind: 'error',
    text: 'This browser’s push service did not set up notifications. Try again later; until then, requests appear while the authenticator is open.',
  },
};

/**
 * Web Push for this device: one button asks the browser's permission, subscribes, and tells the service.
 * Each outcome is said in the page's live region and stays written in the panel. Focus stays on the button
 * while there is one, and moves to the panel's heading when the button goes because notifications are on.
 */
export function NotificationSettings({
  devices,
  accountsVersion,
  announce,
}: {
  /** Every enrollment's device: each is told the browser's subscription. */
  devices: readonly Device[];
  /** Changes when enrollments are added or removed: a new one is told the subscription at once. */
  accountsVersion: number;
  /** Says something in the page's live region (and shows it). */
  announce: (text: string) => void;
}) {
  const [shown, setShown] = useState<Shown>({ kind: 'checking', text: 'Checking…' });
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    pushStatus(devices).then(
      (status) => {
        if (live) setShown(STATUS[status]);
      },
      () => {
        if (live) setShown(STATUS.off);
      },
    );
    return () => {
      live = false;
    };
    // devices is a new array each render; accountsVersion says when it holds other devices.
  }, [accountsVersion]);

  const turnOn = async () => {
    if (shown.kind === 'busy') return;
    setShown({ kind: 'busy', text: shown.text });
    let next: Shown;
    try {
      next = OUTCOME[await turnOnPush(devices)];
    } catch (caught) {
      next = { kind: 'error', text: describeError(caught, 'notifications') };
    }
    setShown(next);
    announce(next.text);
    if (next.kind === 'on') window.setTimeout(() => headingRef.current?.focus(), 0);
  };

  const offered =
    shown.kind === 'off' || shown.kind === 'denied' || shown.kind === 'error' || shown.kind === 'busy';
  return (
    <section class="panel" aria-labelledby="notifications-title">
      <h2 id="notifications-title" tabIndex={-1} ref={headingRef}>
        Notifications
      </h2>
      <p class={shown.kind === 'error' ? 'error' : shown.kind === 'on' ? undefined : 'muted'}>{shown.text}</p>
      {offered && (
        <button
          type="button"
          class="button button-approve notifications-on"
          aria-disabled={shown.kind === 'busy' ? 'true' : undefined}
          onClick={() => void turnOn()}
        >
          Turn on notifications
        </button>
      )}
    </section>
  );
}
