import type { Device, Wallet, WalletAccount } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { takeAdmissionLink } from './admission-link.js';
import { AcceptInvitation } from './components/accept-invitation.js';
import { AccountList } from './components/account-list.js';
import { AddAccount } from './components/add-account.js';
import { BackupPanel } from './components/backup-panel.js';
import { CodeLock } from './components/code-lock.js';
import { DeviceList } from './components/device-list.js';
import { HistoryList } from './components/history-list.js';
import { JoinDevice } from './components/join-device.js';
import { NotificationSettings } from './components/notification-settings.js';
import { RequestList } from './components/request-list.js';
import { RestorePanel } from './components/restore-backup.js';
import { ScreenLock } from './components/screen-lock.js';
import { Welcome } from './components/welcome.js';
import { describeError } from './describe-error.js';
import { takeEnrollmentLink } from './enrollment-link.js';
import { useNotice } from './hooks/use-notice.js';
import { useNow } from './hooks/use-now.js';
import { usePendingRequests } from './hooks/use-pending-requests.js';
import { type Reach, type ReachReport, useReach } from './hooks/use-reach.js';
import { t } from './i18n/i18n.js';
import { takeInvitationLink } from './invitation-link.js';

type Setup =
  | { readonly state: 'loading' }
  | { readonly state: 'welcome'; readonly busy: boolean; readonly error: string | null }
  | { readonly state: 'ready' }
  | { readonly state: 'broken' };

type Enrolled = { readonly account: WalletAccount; readonly device: Device };

/**
 * The screen with accounts: requests first (they are what cannot wait), then whether approvals ask for the
 * screen lock, then whether they are notified, then every account with its codes, adding one, and each
 * enrollment's devices.
 */
function Home({
  wallet,
  accountsVersion,
  onChanged,
  onEmptied,
  onEnroll,
  onReach,
  announce,
}: {
  wallet: Wallet;
  accountsVersion: number;
  onChanged: () => void;
  onEmptied: (text: string) => void;
  onEnroll: (link: string) => Promise<string | null>;
  /** Whether each service answered, for the header. */
  onReach: (reports: readonly ReachReport[], complete: boolean) => void;
  announce: (text: string) => void;
}) {
  const now = useNow();
  const pending = usePendingRequests(wallet, accountsVersion, onReach);
  const [enrolled, setEnrolled] = useState<readonly Enrolled[]>([]);

  useEffect(() => {
    let live = true;
    wallet
      .enrollments()
      .then((list) => {
        if (live) setEnrolled(list);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [wallet, accountsVersion]);

  /** This device was removed from one enrollment (under Devices): its key is gone, so is the account. */
  const removedSelf = async (account: WalletAccount) => {
    await wallet.forgetRevoked(account.id);
    if (await wallet.isEmpty()) onEmptied(t('setup:removedLast'));
    else {
      onChanged();
      announce(t('setup:removedSelf', { label: revealInvisible(account.label) }));
    }
  };

  return (
    <>
      <RequestList
        wallet={wallet}
        pending={pending}
        now={now}
        labelled={enrolled.length > 1}
        announce={announce}
      />
      {/* Each enrollment's device registers its own passkey (D14): a key is never shared between apps. */}
      {enrolled.map(({ account, device }) => (
        <ScreenLock key={account.id} device={device} announce={announce} />
      ))}
      {enrolled.length > 0 && (
        <NotificationSettings
          devices={enrolled.map(({ device }) => device)}
          accountsVersion={accountsVersion}
          announce={announce}
        />
      )}
      <CodeLock device={enrolled[0]?.device}>
        <AccountList
          wallet={wallet}
          now={now}
          accountsVersion={accountsVersion}
          onChanged={onChanged}
          onEmptied={() => onEmptied(t('setup:emptied'))}
          announce={announce}
        />
      </CodeLock>
      <AddAccount wallet={wallet} onEnroll={onEnroll} onAdded={onChanged} announce={announce} />
      {enrolled.length > 0 && (
        <HistoryList
          wallet={wallet}
          version={`${accountsVersion} ${pending.requests?.map(({ request }) => request.uuid).join() ?? ''}`}
          labelled={enrolled.length > 1}
        />
      )}
      {enrolled.map(({ account, device }) => (
        <DeviceList
          key={account.id}
          device={device}
          account={account}
          several={enrolled.length > 1}
          announce={announce}
          onRemovedSelf={() => void removedSelf(account)}
        />
      ))}
      <BackupPanel
        wallet={wallet}
        accountsVersion={accountsVersion}
        onRestored={onChanged}
        announce={announce}
      />
    </>
  );
}

/**
 * The host of the service a link names when it is not the one serving this page, else `null`. The page may
 * connect only to its own origin (its Content-Security-Policy), so another service's enrollments live in
 * that service's authenticator.
 */
function otherService(link: string): string | null {
  try {
    const url = new URL(link);
    return url.origin === window.location.origin ? null : url.host;
  } catch {
    return null; // not a URL: the enrollment says so
  }
}

/**
 * The header's word for the services' reach, and the banner under it when some do not answer: nothing while
 * there is no service to reach (only codes, which need none) or before the first look.
 */
function Connection({ reach }: { reach: Reach }) {
  if (reach.state === 'none') return null;
  if (reach.state === 'online') return <span class="connection">{t('online')}</span>;
  return <span class="connection connection-off">{reach.all ? t('offline') : t('partlyOffline')}</span>;
}

function ReachBanner({ reach }: { reach: Reach }) {
  if (reach.state !== 'offline') return null;
  return (
    <p class="banner" role="status">
      {reach.all
        ? t('offlineBanner')
        : t('silentBanner', { count: reach.hosts.length, hosts: reach.hosts.join(', ') })}
    </p>
  );
}

/** The authenticator: set up by opening an enrollment link or adding a code, then requests, codes and devices. */
export function App({ wallet }: { wallet: Wallet }) {
  const [setup, setSetup] = useState<Setup>({ state: 'loading' });
  const [accountsVersion, setAccountsVersion] = useState(0);
  const [notice, announce, dismiss] = useNotice();
  const [reach, reportReach] = useReach(useNow(5_000));
  /** An admission link opened here (`#admit=…`): this device is joining another's accounts. */
  const [joining, setJoining] = useState<string | null>(null);
  /** An app's invitation opened here (`#invite=…`, D15). */
  const [inviting, setInviting] = useState<string | null>(null);
  const mainRef = useRef<HTMLElement>(null);

  const changed = useCallback(() => setAccountsVersion((version) => version + 1), []);

  /**
   * Enrolls with a link as one more account; resolves to what went wrong, or `null`. The setup screen
   * shows a failure itself unless the link came from the Add panel (`fromPanel`), which shows its own.
   */
  const enroll = useCallback(
    async (link: string, fromPanel = false): Promise<string | null> => {
      let first = true;
      try {
        first = await wallet.isEmpty();
        const elsewhere = otherService(link);
        if (elsewhere !== null) {
          const problem = t('setup:otherService', { host: elsewhere, here: window.location.host });
          if (first) setSetup({ state: 'welcome', busy: false, error: fromPanel ? null : problem });
          else if (!fromPanel) announce(problem);
          return problem;
        }
        if (first) setSetup({ state: 'welcome', busy: true, error: null });
        else announce(t('add:adding'));
        const { account } = await wallet.enrollWithLink(link);
        setSetup({ state: 'ready' });
        changed();
        const names =
          account.kind === 'countersign' ? account.apps.map((app) => revealInvisible(app.app_name)) : [];
        const apps = [...new Set(names)].join(', ');
        announce(
          first
            ? apps === ''
              ? t('setup:setUpDone')
              : t('setup:setUpDoneFor', { apps })
            : apps === ''
              ? t('add:addedAccount')
              : t('add:added', { name: apps }),
        );
        return null;
      } catch (caught) {
        const problem = describeError(caught, 'enroll');
        if (first) setSetup({ state: 'welcome', busy: false, error: fromPanel ? null : problem });
        else if (!fromPanel) announce(problem);
        return problem;
      }
    },
    [wallet, announce, changed],
  );

  useEffect(() => {
    const admit = () => {
      const opened = takeAdmissionLink();
      if (opened !== null) setJoining(opened);
    };
    admit();
    window.addEventListener('hashchange', admit);
    return () => window.removeEventListener('hashchange', admit);
  }, []);

  useEffect(() => {
    const invite = () => {
      const opened = takeInvitationLink();
      if (opened !== null) setInviting(opened);
    };
    invite();
    window.addEventListener('hashchange', invite);
    return () => window.removeEventListener('hashchange', invite);
  }, []);

  const invited = useCallback(() => {
    setInviting(null);
    setSetup({ state: 'ready' });
    changed();
  }, [changed]);

  const joined = useCallback(() => {
    setJoining(null);
    setSetup({ state: 'ready' });
    changed();
  }, [changed]);

  useEffect(() => {
    const link = takeEnrollmentLink();
    if (link !== null) void enroll(link);
    else {
      wallet
        .isEmpty()
        .then((empty) =>
          setSetup(empty ? { state: 'welcome', busy: false, error: null } : { state: 'ready' }),
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
  }, [wallet, enroll]);

  // Only the home screen looks at the services: elsewhere there is nothing to say about them.
  useEffect(() => {
    if (setup.state !== 'ready') reportReach([], true);
  }, [setup.state, reportReach]);

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
        <Connection reach={reach} />
      </header>
      <ReachBanner reach={reach} />
      {/*
        The notice sits in the page's flow, under the header, never over it: it cannot cover a request's
        answers or its amount. The live region is always in the page, so screen readers hear whatever is
        put in it; the dismiss button is beside it, not in it, so it is not read with every notice.
      */}
      <div class={notice === null ? 'notice' : 'notice notice-shown'}>
        <div class="toast" role="status" aria-live="polite" aria-atomic="true">
          {notice !== null && <p key={notice.id}>{notice.text}</p>}
        </div>
        {notice !== null && (
          <button type="button" class="notice-dismiss" aria-label={t('dismissNotice')} onClick={dismiss}>
            <span aria-hidden="true">×</span>
          </button>
        )}
      </div>
      <main id="main" ref={mainRef}>
        {inviting !== null && (
          <AcceptInvitation wallet={wallet} link={inviting} onEnrolled={invited} announce={announce} />
        )}
        {joining !== null && (
          <JoinDevice wallet={wallet} link={joining} onJoined={joined} announce={announce} />
        )}
        {setup.state === 'loading' && <p class="muted">{t('opening')}</p>}
        {setup.state === 'broken' && (
          <section class="panel" aria-labelledby="broken-title">
            <h2 id="broken-title" tabIndex={-1}>
              {t('brokenTitle')}
            </h2>
            <p>{t('brokenText')}</p>
          </section>
        )}
        {setup.state === 'welcome' && (
          <>
            <Welcome busy={setup.busy} error={setup.error} onEnroll={(link) => void enroll(link)} />
            <AddAccount
              wallet={wallet}
              onEnroll={(link) => enroll(link, true)}
              onAdded={() => {
                setSetup({ state: 'ready' });
                changed();
              }}
              announce={announce}
            />
            <RestorePanel
              wallet={wallet}
              onRestored={changed}
              onContinue={() => setSetup({ state: 'ready' })}
              announce={announce}
            />
          </>
        )}
        {setup.state === 'ready' && (
          <Home
            wallet={wallet}
            accountsVersion={accountsVersion}
            onChanged={changed}
            onEmptied={(text) => {
              setSetup({ state: 'welcome', busy: false, error: null });
              changed();
              announce(text);
            }}
            onEnroll={(link) => enroll(link, true)}
            onReach={reportReach}
            announce={announce}
          />
        )}
      </main>
    </>
  );
}
