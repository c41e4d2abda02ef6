import {
  type AccountHistoryEntry,
  type HistoryCursors,
  type HistoryEntry,
  mergeHistory,
  type ReceiptKeySet,
  type ReceiptProblem,
  type Wallet,
} from '@countersign/device';
import { useEffect, useState } from 'preact/hooks';
import { isOffline } from '../describe-error.js';
import { currentLanguage, t } from '../i18n/i18n.js';
import { ShownDetails, ShownText } from './shown-text.js';

interface HistoryListProps {
  wallet: Wallet;
  /** Changes whenever the history may have changed: accounts added or removed, a request answered. */
  version: string;
  /** Whether each entry says which account it is for: when the authenticator holds several enrollments. */
  labelled: boolean;
}

/** Requests per enrollment in a page: the first listing, and each "Show older". */
const PAGE = 20;

/** Where the check of one receipt stands. */
type ReceiptState =
  | { state: 'checking' }
  | { state: 'verified'; userVerified: boolean }
  | { state: 'invalid'; problem: ReceiptProblem }
  | { state: 'unchecked' };

const PROBLEMS: Record<ReceiptProblem, () => string> = {
  malformed: () => t('history:problem_malformed'),
  unknown_key: () => t('history:problem_unknown_key'),
  service_signature: () => t('history:problem_service_signature'),
  device_signature: () => t('history:problem_device_signature'),
  another_request: () => t('history:problem_another_request'),
  display_mismatch: () => t('history:problem_display_mismatch'),
  another_key: () => t('history:problem_another_key'),
};

const when = (iso: string) =>
  new Intl.DateTimeFormat(currentLanguage, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** The outcome as the user reads it: a "this wasn't me" report and a wrong number say so. */
function outcome(entry: HistoryEntry): string {
  if (entry.reason === 'not_me') return t('history:notMe');
  if (entry.reason === 'number_mismatch') return t('history:numberMismatch');
  if (entry.status === 'approved') return t('history:approved');
  if (entry.status === 'denied') return t('history:denied');
  return t('history:expired');
}

/**
 * Checks each entry's receipt here, with the keys of its enrollment's service (kept for offline): the
 * service's signature, the answering device's inside, and that the text shown is the text it signed.
 */
function useReceiptChecks(
  wallet: Wallet,
  entries: readonly AccountHistoryEntry[] | null,
): ReadonlyMap<string, ReceiptState> {
  const [checks, setChecks] = useState<ReadonlyMap<string, ReceiptState>>(new Map());
  useEffect(() => {
    if (entries === null) return;
    let live = true;
    const keys = new Map<string, Promise<ReceiptKeySet>>();
    const set = (uuid: string, state: ReceiptState) => {
      if (live) setChecks((current) => new Map(current).set(uuid, state));
    };
    void (async () => {
      for (const { account, entry } of entries) {
        if (entry.receipt === null) continue;
        set(entry.uuid, { state: 'checking' });
        try {
          const device = await wallet.device(account.id);
          let keySet = keys.get(account.id);
          if (keySet === undefined) {
            keySet = device.receiptKeys();
            keys.set(account.id, keySet);
          }
          const checked = await device.verifyReceipt(entry, await keySet);
          if (checked === undefined) continue;
          set(
            entry.uuid,
            checked.valid
              ? { state: 'verified', userVerified: checked.claims.uv }
              : { state: 'invalid', problem: checked.problem },
          );
        } catch {
          set(entry.uuid, { state: 'unchecked' });
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [wallet, entries]);
  return checks;
}

function Receipt({ entry, check }: { entry: HistoryEntry; check: ReceiptState | undefined }) {
  if (entry.status === 'expired') return null;
  if (entry.receipt === null) return <p class="muted">{t('history:receiptPending')}</p>;
  if (check === undefined || check.state === 'checking')
    return <p class="muted">{t('history:receiptChecking')}</p>;
  if (check.state === 'unchecked') return <p class="warning">{t('history:receiptUnchecked')}</p>;
  if (check.state === 'verified') {
    return (
      <p class="receipt receipt-verified">
        <strong>
          <span aria-hidden="true">✓ </span>
          {t('history:receiptVerified')}
        </strong>{' '}
        <span class="muted">{t('history:receiptVerifiedDetail')}</span>
        {check.userVerified && <> {t('history:userVerified')}</>}
      </p>
    );
  }
  return (
    <p class="receipt receipt-invalid">
      <strong>
        <span aria-hidden="true">✗ </span>
        {t('history:receiptInvalid')}
      </strong>{' '}
      {PROBLEMS[check.problem]()}
    </p>
  );
}

function HistoryItem({
  entry,
  account,
  ownDevices,
  check,
}: {
  entry: HistoryEntry;
  account: string | undefined;
  ownDevices: ReadonlySet<string>;
  check: ReceiptState | undefined;
}) {
  const id = `history-${entry.uuid}`;
  const by = entry.answered_by;
  return (
    <li class={`history-entry history-${entry.status}`} data-uuid={entry.uuid}>
      <p class={`history-outcome${entry.reason === 'not_me' ? ' history-reported' : ''}`}>{outcome(entry)}</p>
      <p class="request-app">
        <ShownText text={entry.app_name} />
      </p>
      {account !== undefined && (
        <p class="request-account">
          {t('history:account')} <ShownText text={account} />
        </p>
      )}
      <h3 id={`${id}-title`} class="history-message">
        <ShownText text={entry.message} />
      </h3>
      <ShownDetails details={entry.details} />
      <p class="request-time">
        {t('history:askedAt', { time: when(entry.created_at) })}
        {entry.answered_at !== null && <>, {t('history:answeredAt', { time: when(entry.answered_at) })}</>}
      </p>
      <p class="history-device">
        {by === null ? (
          t('history:noAnswer')
        ) : ownDevices.has(by.device_id) ? (
          t('history:answeredOnThisDevice')
        ) : (
          <>
            {t('history:answeredOn')}{' '}
            {by.name === null ? t('history:anotherDevice') : <ShownText text={by.name} />}
          </>
        )}
      </p>
      <Receipt entry={entry} check={check} />
    </li>
  );
}

/**
 * The answered requests of every enrollment, newest first: each with its outcome, time, app and answering
 * device, and its receipt verified here. What this device answered shows offline too (the device library
 * keeps it); a "this wasn't me" report says so.
 */
export function HistoryList({ wallet, version, labelled }: HistoryListProps) {
  const [entries, setEntries] = useState<readonly AccountHistoryEntry[] | null>(null);
  /** Why some (or all) of the history could not be fetched: shown beside what this device kept. */
  const [failures, setFailures] = useState<readonly unknown[]>([]);
  const [ownDevices, setOwnDevices] = useState<ReadonlySet<string>>(new Set());
  /** Where each enrollment's history goes on; none left, nothing older to show. */
  const [cursors, setCursors] = useState<HistoryCursors>(new Map());
  const [older, setOlder] = useState<{ busy: boolean; failure: unknown }>({ busy: false, failure: null });
  const checks = useReceiptChecks(wallet, entries);

  // `version`: when to fetch again.
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const [listed, enrollments] = await Promise.all([
          wallet.history({ limit: PAGE }),
          wallet.enrollments(),
        ]);
        if (!live) return;
        setOwnDevices(
          new Set(
            enrollments.flatMap(({ account }) => (account.kind === 'countersign' ? [account.device_id] : [])),
          ),
        );
        // A new listing starts again from the newest page; older pages fetched before are kept on the
        // device (up to what it keeps), so they stay listed, and asking for them again repeats none.
        setEntries(listed.entries);
        setCursors(listed.cursors);
        setOlder({ busy: false, failure: null });
        setFailures(listed.failures.map(({ error }) => error));
      } catch (caught) {
        if (live) setFailures([caught]);
      }
    })();
    return () => {
      live = false;
    };
  }, [wallet, version]);

  const showOlder = async () => {
    setOlder({ busy: true, failure: null });
    try {
      const listed = await wallet.olderHistory(cursors, { limit: PAGE });
      setEntries((shown) => mergeHistory(shown ?? [], listed.entries));
      setCursors(listed.cursors);
      setOlder({ busy: false, failure: listed.failures[0]?.error ?? null });
    } catch (caught) {
      setOlder({ busy: false, failure: caught });
    }
  };

  const offline = failures.length > 0 && failures.every(isOffline);
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">{t('history:title')}</h2>
      <p class="muted">{t('history:intro')}</p>
      {failures.length > 0 && (
        <p class="warning" role="status">
          {offline ? t('history:offline') : t('history:failed')}
        </p>
      )}
      {entries === null ? (
        failures.length === 0 && <p class="muted">{t('history:loading')}</p>
      ) : entries.length === 0 ? (
        <p class="muted">{t('history:empty')}</p>
      ) : (
        <ol class="history">
          {entries.map(({ account, entry }) => (
            <HistoryItem
              key={`${account.id} ${entry.uuid}`}
              entry={entry}
              account={labelled ? account.label : undefined}
              ownDevices={ownDevices}
              check={checks.get(entry.uuid)}
            />
          ))}
        </ol>
      )}
      {older.failure !== null && (
        <p class="warning" role="status">
          {isOffline(older.failure) ? t('history:olderOffline') : t('history:olderFailed')}
        </p>
      )}
      {entries !== null && cursors.size > 0 && (
        <button type="button" class="button-quiet" disabled={older.busy} onClick={() => void showOlder()}>
          {older.busy ? t('history:olderLoading') : t('history:showOlder')}
        </button>
      )}
    </section>
  );
}
