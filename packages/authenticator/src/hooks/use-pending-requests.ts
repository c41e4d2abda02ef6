import {
  type AccountRequest,
  type Device,
  DeviceError,
  type PendingRequest,
  type Wallet,
} from '@countersign/device';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ReachReport } from './use-reach.js';

/** How often the list is fetched even when the event stream is quiet: the stream is a hint, not the truth. */
const POLL_MS = 10_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** How long a request that ran out of time stays on screen, saying so, after the service dropped it. */
export const EXPIRED_SHOWN_MS = 5_000;
/** A request the service drops this close to its end (by this device's clock) is taken to have expired. */
const EXPIRY_SLACK_MS = 3_000;

export interface PendingState {
  /** Every enrollment's requests with the account each is for; `null` until the first answer. */
  readonly requests: readonly AccountRequest[] | null;
  /**
   * Requests that ran out of time a moment ago: kept for `EXPIRED_SHOWN_MS` after the service dropped them,
   * so their card says it expired before it goes instead of vanishing.
   */
  readonly expired: readonly AccountRequest[];
  /** The last failure to fetch an enrollment's list, cleared by the next fetch without one. */
  readonly error: unknown;
  /** Fetches the list now. */
  refresh(): Promise<void>;
  /** Drops a request from the list at once (answered here, or known to be over). */
  remove(uuid: string): void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      window.clearTimeout(timer);
      resolve();
    });
  });
}

/** Whether a failure means the service did not answer at all (unreachable, or a proxy's 5xx). */
const unanswered = (error: unknown) =>
  error instanceof DeviceError && (error.code === 'network_error' || error.code === 'server_error');

/** Whether a request's time ran out by `now`. */
export const ranOut = (request: PendingRequest, now: number): boolean =>
  request.expires_at !== null && Date.parse(request.expires_at) <= now;

/**
 * The requests waiting for any enrollment of the wallet, in one list. Kept live by each enrollment's event
 * stream (reconnected with backoff), a push relayed by the service worker, coming back online or to the
 * foreground, and a slow poll. `accountsVersion` changes whenever enrollments are added or removed. Every
 * fetch and every event stream tells `onReach` whether each service answered.
 */
export function usePendingRequests(
  wallet: Wallet,
  accountsVersion: number,
  onReach: (reports: readonly ReachReport[], complete: boolean) => void,
): PendingState {
  const [requests, setRequests] = useState<readonly AccountRequest[] | null>(null);
  const [expired, setExpired] = useState<readonly AccountRequest[]>([]);
  const [error, setError] = useState<unknown>(null);
  // Fetches overlap (an event during a poll): only the newest one started may write the list.
  const latest = useRef(0);

  /** Requests that left the list: the ones whose time ran out stay a moment, marked as expired. */
  const left = useCallback((gone: readonly AccountRequest[]) => {
    // A request the service drops just before its end by this device's clock went for the same reason.
    const now = Date.now() + EXPIRY_SLACK_MS;
    const over = gone.filter(({ request }) => ranOut(request, now));
    if (over.length === 0) return;
    setExpired((current) => [
      ...current,
      ...over.filter(({ request }) => !current.some((kept) => kept.request.uuid === request.uuid)),
    ]);
    const uuids = new Set(over.map(({ request }) => request.uuid));
    window.setTimeout(
      () => setExpired((current) => current.filter(({ request }) => !uuids.has(request.uuid))),
      EXPIRED_SHOWN_MS,
    );
  }, []);

  // The list as last set, so a change can tell what left it without a side effect inside a state update.
  const shown = useRef<readonly AccountRequest[] | null>(null);
  /** Sets the list; what left it because it expired stays a moment longer. */
  const replace = useCallback(
    (updated: readonly AccountRequest[]) => {
      const kept = new Set(updated.map(({ request }) => request.uuid));
      const gone = (shown.current ?? []).filter(({ request }) => !kept.has(request.uuid));
      shown.current = updated;
      setRequests(updated);
      left(gone);
    },
    [left],
  );

  const refresh = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const { requests: fetched, failures, answered } = await wallet.pending();
      if (ticket !== latest.current) return;
      onReach(
        [
          ...answered.map((account) => ({ server: serverOf(account), answered: true })),
          ...failures.map(({ account, error: failure }) => ({
            server: serverOf(account),
            answered: !unanswered(failure),
          })),
        ].filter(({ server }) => server !== ''),
        true,
      );
      replace(fetched);
      setError(failures[0]?.error ?? null);
    } catch (caught) {
      if (ticket === latest.current) setError(caught);
    }
  }, [wallet, onReach, replace]);

  /** Drops a request answered here: it is over, not expired. */
  const remove = useCallback((uuid: string) => {
    latest.current++; // a fetch already under way may still list it
    const current = shown.current;
    if (current === null) return;
    shown.current = current.filter(({ request }) => request.uuid !== uuid);
    setRequests(shown.current);
  }, []);

  /** A request the service withdrew (answered elsewhere, expired or removed). */
  const withdraw = useCallback(
    (uuid: string) => {
      latest.current++;
      if (shown.current !== null) replace(shown.current.filter(({ request }) => request.uuid !== uuid));
    },
    [replace],
  );

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;

    /** One enrollment's event stream, kept open until the effect ends. */
    const follow = async (device: Device, server: string) => {
      const answered = () => onReach([{ server, answered: true }], false);
      let delay = RETRY_FIRST_MS;
      while (!signal.aborted) {
        try {
          // Fetch once the service holds the stream, so nothing created in between is missed: a fetch
          // sent beside the stream's request can be answered before the service subscribed it.
          let opened = () => {};
          const open = new Promise<void>((resolve) => {
            opened = () => {
              answered();
              resolve();
            };
          });
          const events = device.events(signal, opened);
          const first = events.next();
          first.catch(() => undefined); // handled below, after the fetch; not an unhandled rejection meanwhile
          await Promise.race([open, first]);
          await refresh();
          for (let next = await first; next.done !== true; next = await events.next()) {
            delay = RETRY_FIRST_MS;
            answered();
            if (next.value.type === 'withdrawn') withdraw(next.value.uuid);
            await refresh();
          }
        } catch {
          // The stream failed (offline, service restarting): the poll keeps the list, and we retry. A
          // fetch now says at once whether the service still answers.
          if (!signal.aborted) await refresh();
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    };
    void (async () => {
      const enrollments = await wallet.enrollments().catch(() => []);
      if (enrollments.length === 0) await refresh();
      for (const { account, device } of enrollments) void follow(device, serverOf(account));
    })();

    const poll = window.setInterval(() => void refresh(), POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    const onOnline = () => void refresh();
    // The worker posts only when a push arrived; whatever it says, the list is worth fetching again.
    const onWorkerMessage = () => void refresh();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    navigator.serviceWorker?.addEventListener('message', onWorkerMessage);
    return () => {
      stop.abort();
      window.clearInterval(poll);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
      navigator.serviceWorker?.removeEventListener('message', onWorkerMessage);
    };
    // accountsVersion: enrollments added or removed need streams of their own.
  }, [wallet, refresh, withdraw, onReach, accountsVersion]);

  const live = new Set(requests?.map(({ request }) => request.uuid));
  return {
    requests,
    expired: expired.filter(({ request }) => !live.has(request.uuid)),
    error,
    refresh,
    remove,
  };
}

/** The service an enrollment answers to; a third-party account has none (never in these lists). */
function serverOf(account: AccountRequest['account']): string {
  return account.kind === 'countersign' ? account.server : '';
}
