import type { Device } from '@countersign/device';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useCodesLocked } from '../code-lock.js';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { type PasskeyStatus, passkeyStatus, verifyUserHere } from '../passkey.js';

/** How long codes stay shown once the screen lock opened them. */
const OPEN_MS = 2 * 60_000;

/**
 * Shows `children` (the codes) unless the user chose to lock them behind the screen lock and `device` (an
 * enrollment of this browser) has a passkey: then a button asks for the screen lock first, and the codes
 * show for two minutes, or until the page is hidden. Without an enrollment there is no passkey to ask.
 */
export function CodeLock({ device, children }: { device: Device | undefined; children: ComponentChildren }) {
  const locked = useCodesLocked();
  const [status, setStatus] = useState<PasskeyStatus | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    if (device === undefined) {
      setStatus('unavailable');
      return;
    }
    passkeyStatus(device).then(
      (found) => {
        if (live) setStatus(found);
      },
      () => {
        if (live) setStatus('unavailable');
      },
    );
    return () => {
      live = false;
    };
  }, [device, locked]);

  useEffect(() => {
    if (!open) return;
    const close = () => setOpen(false);
    const timer = window.setTimeout(close, OPEN_MS);
    const onHidden = () => {
      if (document.visibilityState === 'hidden') close();
    };
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onHidden);
    };
  }, [open]);

  if (!locked || status !== 'on' || open) return <>{children}</>;

  const unlock = async () => {
    setError(null);
    try {
      if (device !== undefined) await verifyUserHere(device);
      setOpen(true);
    } catch (caught) {
      setError(describeError(caught, 'codes'));
      headingRef.current?.focus();
    }
  };
  return (
    <section class="panel" aria-labelledby="codes-locked-title">
      <h2 id="codes-locked-title" tabIndex={-1} ref={headingRef}>
        {t('accounts:codesTitle')}
      </h2>
      <p class="muted">{t('accounts:codesLocked')}</p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="button button-approve" onClick={() => void unlock()}>
        {t('accounts:showCodes')}
      </button>
    </section>
  );
}
