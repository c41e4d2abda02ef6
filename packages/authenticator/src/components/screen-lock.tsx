import type { Device } from '@countersign/device';
import { useEffect, useRef, useState } from 'preact/hooks';
import { setCodesLocked, useCodesLocked } from '../code-lock.js';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { type PasskeyStatus, passkeyStatus, setUpPasskey, verifyUserHere } from '../passkey.js';

/** What the panel shows: where things stand (or that it is busy, or what went wrong) and in what words. */
interface Shown {
  readonly kind: PasskeyStatus | 'checking' | 'busy' | 'error';
  readonly text: string;
}

/** Each status in words; a function, so the catalogue is read once the language is chosen. */
const statusShown = (status: PasskeyStatus): Shown => ({
  kind: status,
  text:
    status === 'on'
      ? t('settings:lockOn')
      : status === 'off'
        ? t('settings:lockOff')
        : t('settings:lockUnavailable'),
});

/**
 * User verification for approvals (D14): one button registers a passkey of this device's platform
 * authenticator. Each outcome is said in the page's live region and stays written in the panel; focus
 * moves to the panel's heading when the button goes because the screen lock is on.
 */
export function ScreenLock({
  device,
  announce,
}: {
  device: Device;
  /** Says something in the page's live region (and shows it). */
  announce: (text: string) => void;
}) {
  const [shown, setShown] = useState<Shown>(() => ({ kind: 'checking', text: t('checking') }));
  const headingRef = useRef<HTMLHeadingElement>(null);
  const codesLocked = useCodesLocked();
  const [lockError, setLockError] = useState<string | null>(null);

  // Locking the codes needs nothing; unlocking them for good asks for the screen lock, or whoever holds
  // the phone could just untick the box.
  const toggleCodes = async (lock: boolean) => {
    setLockError(null);
    try {
      if (!lock) await verifyUserHere(device);
      setCodesLocked(lock);
      announce(lock ? t('settings:codesLocked') : t('settings:codesUnlocked'));
    } catch (caught) {
      setLockError(describeError(caught, 'screen_lock'));
    }
  };

  useEffect(() => {
    let live = true;
    passkeyStatus(device).then(
      (status) => {
        if (live) setShown(statusShown(status));
      },
      () => {
        if (live) setShown(statusShown('unavailable'));
      },
    );
    return () => {
      live = false;
    };
  }, [device]);

  const turnOn = async () => {
    if (shown.kind === 'busy') return;
    setShown({ kind: 'busy', text: shown.text });
    let next: Shown;
    try {
      await setUpPasskey(device);
      next = statusShown('on');
    } catch (caught) {
      next = { kind: 'error', text: describeError(caught, 'screen_lock') };
    }
    setShown(next);
    announce(next.text);
    if (next.kind === 'on') window.setTimeout(() => headingRef.current?.focus(), 0);
  };

  const offered = shown.kind === 'off' || shown.kind === 'error' || shown.kind === 'busy';
  return (
    <section class="panel" aria-labelledby="screen-lock-title">
      <h2 id="screen-lock-title" tabIndex={-1} ref={headingRef}>
        {t('settings:lockTitle')}
      </h2>
      <p class={shown.kind === 'error' ? 'error' : shown.kind === 'on' ? undefined : 'muted'}>{shown.text}</p>
      {shown.kind === 'on' && (
        <div class="field">
          <label class="check">
            <input
              type="checkbox"
              checked={codesLocked}
              aria-describedby={lockError === null ? undefined : 'codes-lock-error'}
              onChange={(event) => {
                const lock = event.currentTarget.checked;
                event.currentTarget.checked = codesLocked; // changed only once the choice holds
                void toggleCodes(lock);
              }}
            />{' '}
            {t('settings:lockCodes')}
          </label>
          {lockError !== null && (
            <p id="codes-lock-error" class="error" role="alert">
              {lockError}
            </p>
          )}
        </div>
      )}
      {offered && (
        <button
          type="button"
          class="button button-approve"
          aria-disabled={shown.kind === 'busy' ? 'true' : undefined}
          onClick={() => void turnOn()}
        >
          {t('settings:useLock')}
        </button>
      )}
    </section>
  );
}
