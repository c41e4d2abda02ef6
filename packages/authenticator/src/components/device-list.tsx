import type { Device, DeviceInfo, WalletAccount } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { AddDevice } from './add-device.js';
import { ShownText } from './shown-text.js';

/** A date as the browser's locale writes it. */
const dateOf = (iso: string) => new Date(iso).toLocaleDateString();

interface DeviceListProps {
  device: Device;
  /** The enrollment whose devices these are. */
  account: WalletAccount;
  /** Whether the authenticator holds several enrollments, so the panel names its account. */
  several: boolean;
  announce: (text: string) => void;
  /** This device was removed: its key and state are gone. */
  onRemovedSelf: () => void;
}

function DeviceRow({
  info,
  onRemove,
}: {
  info: DeviceInfo;
  onRemove: (info: DeviceInfo) => Promise<string | null>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const removeRef = useRef<HTMLButtonElement>(null);
  const id = `device-${info.device_id}`;

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const remove = async () => {
    setError(await onRemove(info));
  };
  const cancel = () => {
    setConfirming(false);
    // The confirm button is about to disappear: put focus back where the user started.
    window.setTimeout(() => removeRef.current?.focus(), 0);
  };

  return (
    <li class="device">
      <div>
        <p id={`${id}-name`} class="device-name">
          <ShownText text={info.name} />
          {info.current && <span class="badge">{t('devices:thisDevice')}</span>}
        </p>
        <p class="muted">
          {info.last_seen_at === null
            ? t('devices:added', { date: dateOf(info.created_at) })
            : t('devices:addedUsed', { date: dateOf(info.created_at), used: dateOf(info.last_seen_at) })}
        </p>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </div>
      {confirming ? (
        <div class="device-confirm">
          <button type="button" class="button button-deny" ref={confirmRef} onClick={remove}>
            {info.current ? t('devices:removeSelf') : t('devices:removeOther')}
            <span class="visually-hidden">
              {' '}
              <ShownText text={info.name} /> {t('devices:now')}
            </span>
          </button>
          <button type="button" class="button-quiet" onClick={cancel}>
            {t('cancel')}
          </button>
        </div>
      ) : (
        <button
          type="button"
          class="button-quiet"
          ref={removeRef}
          aria-describedby={`${id}-name`}
          onClick={() => setConfirming(true)}
        >
          {t('devices:remove')}
        </button>
      )}
    </li>
  );
}

/** The user's enrolled devices; any of them (this one included) can be removed, at once. */
export function DeviceList({ device, account, several, announce, onRemovedSelf }: DeviceListProps) {
  const id = `devices-${account.id}`;
  const [open, setOpen] = useState(false);
  const [devices, setDevices] = useState<readonly DeviceInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  /** Bumped when a device was added here, so the list is read again. */
  const [added, setAdded] = useState(0);

  useEffect(() => {
    if (!open) return;
    let live = true;
    device
      .devices()
      .then((list) => {
        if (!live) return;
        setDevices(list);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (live) setError(caught);
      });
    return () => {
      live = false;
    };
  }, [device, open, added]);

  const remove = async (info: DeviceInfo): Promise<string | null> => {
    try {
      await device.revoke(info.device_id);
    } catch (caught) {
      return describeError(caught, 'devices');
    }
    if (info.current) {
      onRemovedSelf();
      return null;
    }
    setDevices((list) => list?.filter((other) => other.device_id !== info.device_id) ?? null);
    announce(t('devices:removed', { name: revealInvisible(info.name) }));
    return null;
  };

  return (
    <section class="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        <button
          type="button"
          class="disclosure"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls={`${id}-body`}
          onClick={() => setOpen(!open)}
        >
          {/* One flex item: the disclosure spaces its items apart. */}
          <span>
            {several ? (
              <>
                {t('devices:titleFor')} <ShownText text={account.label} />
              </>
            ) : (
              t('devices:title')
            )}
          </span>
        </button>
      </h2>
      <div id={`${id}-body`} class="devices-body" hidden={!open}>
        {error !== null ? (
          <p class="error" role="alert">
            {describeError(error, 'devices')}
          </p>
        ) : devices === null ? (
          <p class="muted">{t('loading')}</p>
        ) : (
          <ul class="devices">
            {devices.map((info) => (
              <DeviceRow key={info.device_id} info={info} onRemove={remove} />
            ))}
          </ul>
        )}
        <AddDevice device={device} announce={announce} onAdded={() => setAdded((n) => n + 1)} />
      </div>
    </section>
  );
}
