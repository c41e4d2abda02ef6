import type { Device } from '@countersign/device';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { type PushOutcome, type PushStatus, pushStatus, turnOnPush } from '../push-subscription.js';

/** What the panel shows: where things stand (or that it is busy, or what went wrong) and in what words. */
interface Shown {
  readonly kind: PushStatus | 'checking' | 'busy' | 'error';
  readonly text: string;
}

/** Each status in words; a function, so the catalogue is read once the language is chosen. */
function statusShown(status: PushStatus): Shown {
  switch (status) {
    case 'off':
      return { kind: status, text: t('settings:pushOff') };
    case 'on':
      return { kind: status, text: t('settings:pushOn') };
    case 'denied':
      return { kind: status, text: t('settings:pushDenied') };
    case 'unsupported':
      return { kind: status, text: t('settings:pushUnsupported') };
  }
}

/** What turning notifications on ended in, in words. */
function outcome(result: PushOutcome): Shown {
  switch (result) {
    case 'on':
    case 'denied':
      return statusShown(result);
    case 'dismissed':
      return { kind: 'off', text: t('settings:pushDismissed') };
    case 'no_worker':
      return { kind: 'error', text: t('settings:pushNoWorker') };
    case 'push_unavailable':
      return { kind: 'error', text: t('settings:pushUnavailable') };
  }
}

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
  const [shown, setShown] = useState<Shown>(() => ({ kind: 'checking', text: t('checking') }));
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    pushStatus(devices).then(
      (status) => {
        if (live) setShown(statusShown(status));
      },
      () => {
        if (live) setShown(statusShown('off'));
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
      next = outcome(await turnOnPush(devices));
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
        {t('settings:notificationsTitle')}
      </h2>
      <p class={shown.kind === 'error' ? 'error' : shown.kind === 'on' ? undefined : 'muted'}>{shown.text}</p>
      {offered && (
        <button
          type="button"
          class="button button-approve notifications-on"
          aria-disabled={shown.kind === 'busy' ? 'true' : undefined}
          onClick={() => void turnOn()}
        >
          {t('settings:turnOnPush')}
        </button>
      )}
    </section>
  );
}
