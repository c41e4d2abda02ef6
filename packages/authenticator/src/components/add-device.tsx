import { type AdmissionLink, type AdmissionView, type Device, DeviceError } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { passkeyStatus, passkeyVerifier } from '../passkey.js';
import { QrCode } from './qr-code.js';

type Step =
  | { readonly step: 'idle' }
  | { readonly step: 'waiting'; readonly link: AdmissionLink }
  | { readonly step: 'claimed'; readonly link: AdmissionLink; readonly view: AdmissionView }
  | { readonly step: 'busy'; readonly link: AdmissionLink; readonly view: AdmissionView };

/** How often the panel asks whether the new device opened the link. */
const POLL_MS = 1000;

/**
 * "Add another device": a one-time link and its QR code for the new device, then the device that opened it
 * with the comparison code both screens show, approved here — with the screen lock where this enrollment
 * has one (D14) — or denied (docs/device-protocol.md, "Adding a device from another").
 */
export function AddDevice({
  device,
  announce,
  onAdded,
}: {
  device: Device;
  announce: (text: string) => void;
  onAdded: () => void;
}) {
  const [state, setState] = useState<Step>({ step: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const [withPasskey, setWithPasskey] = useState(false);
  const approveRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    passkeyStatus(device)
      .then((status) => {
        if (live) setWithPasskey(status === 'on');
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [device]);

  const waitingLink = state.step === 'waiting' ? state.link : null;
  useEffect(() => {
    if (waitingLink === null) return;
    const abort = new AbortController();
    device
      .waitForClaim(waitingLink.id, { intervalMs: POLL_MS, signal: abort.signal })
      .then((view) => {
        if (abort.signal.aborted) return;
        if (view.status === 'claimed') setState({ step: 'claimed', link: waitingLink, view });
        else {
          setState({ step: 'idle' });
          setError(t('admission:expired'));
        }
      })
      .catch((caught: unknown) => {
        if (abort.signal.aborted) return;
        setState({ step: 'idle' });
        setError(t('admission:failed', { problem: describeError(caught, 'devices') }));
      });
    return () => abort.abort();
  }, [device, waitingLink]);

  useEffect(() => {
    if (state.step === 'claimed') approveRef.current?.focus();
  }, [state.step]);

  const start = async () => {
    setError(null);
    try {
      setState({ step: 'waiting', link: await device.startAdmission() });
    } catch (caught) {
      setError(t('admission:failed', { problem: describeError(caught, 'devices') }));
    }
  };

  const decide = async (approve: boolean) => {
    if (state.step !== 'claimed') return;
    const { link, view } = state;
    const name = revealInvisible(view.new_device?.name ?? '');
    setState({ step: 'busy', link, view });
    try {
      if (approve) {
        const verifyUser = await passkeyVerifier(device);
        await device.approveAdmission(link.id, {
          code: view.new_device?.code ?? '',
          ...(verifyUser !== undefined && { verifyUser }),
        });
        announce(t('admission:approved', { name }));
        onAdded();
      } else {
        await device.denyAdmission(link.id);
        announce(t('admission:denied'));
      }
      setState({ step: 'idle' });
    } catch (caught) {
      const gone = caught instanceof DeviceError && caught.code === 'gone';
      setState(gone ? { step: 'idle' } : { step: 'claimed', link, view });
      setError(
        gone ? t('admission:expired') : t('admission:failed', { problem: describeError(caught, 'devices') }),
      );
    }
  };

  return (
    <div class="add-device">
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {state.step === 'idle' && (
        <button type="button" class="button" onClick={() => void start()}>
          {t('admission:addDevice')}
        </button>
      )}
      {state.step === 'waiting' && (
        <>
          <p>{t('admission:addDeviceHint')}</p>
          <QrCode text={state.link.url} label={t('admission:qrLabel')} />
          <p class="admission-link">
            <a href={state.link.url} data-admission-link>
              {state.link.url}
            </a>
          </p>
          <p class="muted" role="status">
            {t('admission:waitingForClaim')}
          </p>
        </>
      )}
      {(state.step === 'claimed' || state.step === 'busy') && state.view.new_device !== null && (
        <>
          <p>{t('admission:claimed', { name: revealInvisible(state.view.new_device.name) })}</p>
          <p>{t('admission:compare')}</p>
          <p class="admission-code" data-admission-code>
            {state.view.new_device.code}
          </p>
          <div class="actions">
            <button
              type="button"
              class="button button-approve"
              ref={approveRef}
              disabled={state.step === 'busy'}
              onClick={() => void decide(true)}
            >
              {withPasskey ? t('admission:approveWithPasskey') : t('admission:approve')}
            </button>
            <button
              type="button"
              class="button button-deny"
              disabled={state.step === 'busy'}
              onClick={() => void decide(false)}
            >
              {t('admission:deny')}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
