import type { Device } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { CodeList } from './components/code-list.js';
import { CodeLock } from './components/code-lock.js';
import { DeviceList } from './components/device-list.js';
import { NotificationSettings } from './components/notification-settings.js';
import { RequestList } from './components/request-list.js';
import { ScreenLock } from './components/screen-lock.js';
import { Welcome } from './components/welcome.js';
import { ALREADY_ENROLLED, describeError } from './describe-error.js';
import { takeEnrollmentLink } from './enrollment-link.js';
import { useNotice } from './hooks/use-notice.js';
import { useNow } from './hooks/use-now.js';
import { useOnline } from './hooks/use-online.js';
import { usePendingRequests } from './hooks/use-pending-requests.js';

type Setup =
  | { readonly state: 'loading' }
  | { readonly state: 'welcome'; readonly busy: boolean; readonly error: string | null }
  | { readonly state: 'ready' }
  | { readonly state: 'broken' };

/**
 * The enrolled screen: requests first (they are what cannot wait), then whether approvals ask for the
 * screen lock, then whether they are notified, then codes, then devices.
 */
function Home({
  device,
  announce,
  onRemovedSelf,
}: {
  device: Device;
  announce: (text: string) => void;
  onRemovedSelf: () => void;
}) {
  const now = useNow();
  const pending = usePendingRequests(device);
  return (
    <>
      <RequestList device={device} pending={pending} now={now} announce={announce} />
      <ScreenLock device={device} announce={announce} />
      <NotificationSettings device={device} announce={announce} />
      <CodeLock device={device}>
        <CodeList device={device} now={now} announce={announce} />
      </CodeLock>
      <DeviceList device={device} announce={announce} onRemovedSelf={onRemovedSelf} />
    </>
  );
}

/** The authenticator: set up by opening an enrollment link, then requests, codes and devices. */
export function App({ device }: { device: Device }) {
  const [setup, setSetup] = useState<Setup>({ state: 'loading' });
  const [notice, announce] = useNotice();
  const online = useOnline();
  const mainRef = useRef<HTMLElement>(null);

  const enroll = useCallback(
    async (link: string) => {
      try {
        // One browser holds one device, enrolled once: a second link is not used, and the user is told why.
        if ((await device.enrollment()) !== undefined) {
          setSetup({ state: 'ready' });
          announce(ALREADY_ENROLLED);
          return;
        }
        setSetup({ state: 'welcome', busy: true, error: null });
        const { accounts } = await device.enrollWithLink(link);
        setSetup({ state: 'ready' });
        const names = [...new Set(accounts.map((account) => revealInvisible(account.app_name)))].join(', ');
        announce(`This device is set up${names === '' ? '' : ` for ${names}`}.`);
      } catch (caught) {
        setSetup({ state: 'welcome', busy: false, error: describeError(caught, 'enroll') });
      }
    },
    [device, announce],
  );

  useEffect(() => {
    const link = takeEnrollmentLink();
    if (link !== null) void enroll(link);
    else {
      device
        .enrollment()
        .then((existing) =>
          setSetup(
            existing === undefined ? { state: 'welcome', busy: false, error: null } : { state: 'ready' },
          ),
        )
        .catch(() => setSetup({ state: 'broken' }));
    }
    // A link opened while the app is already showing changes only the fragment: no reload happens.
    const onHashChange = () => {
      const opened = takeEnrollmentLink();
      if (opened !== null) void enroll(opened);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [device, enroll]);

  // A new screen: move focus to its first heading, so keyboard and screen-reader users start there.
  useEffect(() => {
    if (setup.state === 'loading' || (setup.state === 'welcome' && setup.busy)) return;
    mainRef.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [setup.state]);

  return (
    <>
      <header class="topbar">
        <img src={`${import.meta.env.BASE_URL}icon.svg`} alt="" width={28} height={28} />
        <h1>Countersign</h1>
        <span class={online ? 'connection' : 'connection connection-off'}>
          {online ? 'Online' : 'Offline'}
        </span>
      </header>
      {!online && (
        <p class="banner" role="status">
          You’re offline. Codes still work; requests will appear when you’re back online.
        </p>
      )}
      <main id="main" ref={mainRef}>
        {setup.state === 'loading' && <p class="muted">Opening…</p>}
        {setup.state === 'broken' && (
          <section class="panel" aria-labelledby="broken-title">
            <h2 id="broken-title" tabIndex={-1}>
              This browser cannot keep the authenticator’s key
            </h2>
            <p>
              The authenticator keeps its key in this browser’s storage, which is turned off here (private
              browsing often does this). Open this page in a normal window.
            </p>
          </section>
        )}
        {setup.state === 'welcome' && <Welcome busy={setup.busy} error={setup.error} onEnroll={enroll} />}
        {setup.state === 'ready' && (
          <Home
            device={device}
            announce={announce}
            onRemovedSelf={() => {
              setSetup({ state: 'welcome', busy: false, error: null });
              announce(
                'This device was removed. Its key is gone; open a new enrollment link to set it up again.',
              );
            }}
          />
        )}
      </main>
      {/* Always in the page, so screen readers hear whatever is put in it. */}
      <div class="toast" role="status" aria-live="polite" aria-atomic="true">
        {notice !== null && <p key={notice.id}>{notice.text}</p>}
      </div>
    </>
  );
}
