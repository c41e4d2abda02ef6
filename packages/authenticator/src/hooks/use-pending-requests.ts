import type { AccountRequest, Device, Wallet } from '@countersign/device';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often the list is fetched even when the event stream is quiet: the stream is a hint, not the truth. */
const POLL_MS = 10_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export interface PendingState {
  /** Every enrollment's requests with the account each is for; `null` until the first answer. */
  readonly requests: readonly AccountRequest[] | null;
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

/**
 * The requests waiting for any enrollment of the wallet, in one list. Kept live by each enrollment's event
 * stream (reconnected with backoff), a push relayed by the service worker, coming back online or to the
 * foreground, and a slow poll. `accountsVersion` changes whenever enrollments are added or removed.
 */
export function usePendingRequests(wallet: Wallet, accountsVersion: number): PendingState {
  const [requests, setRequests] = useState<readonly AccountRequest[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Fetches overlap (an event during a poll): only the newest one started may write the list.
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const { requests: fetched, failures } = await wallet.pending();
      if (ticket !== latest.current) return;
      setRequests(fetched);
      setError(failures[0]?.error ?? null);
    } catch (caught) {
      if (ticket === latest.current) setError(caught);
    }
  }, [wallet]);

  const remove = useCallback((uuid: string) => {
    latest.current++; // a fetch already under way may still list it
    setRequests((current) => current?.filter(({ request }) => request.uuid !== uuid) ?? null);
  }, []);

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;

    /** One enrollment's event stream, kept open until the effect ends. */
    const follow = async (device: Device) => {
      let delay = RETRY_FIRST_MS;
      while (!signal.aborted) {
        try {
          // Fetch once the service holds the stream, so nothing created in between is missed: a fetch
          // sent beside the stream's request can be answered before the service subscribed it.
          let opened = () => {};
          const open = new Promise<void>((resolve) => {
            opened = resolve;
          });
          const events = device.events(signal, opened);
          const first = events.next();
          first.catch(() => undefined); // handled below, after the fetch; not an unhandled rejection meanwhile
          await Promise.race([open, first]);
          await refresh();
          for (let next = await first; next.done !== true; next = await events.next()) {
            delay = RETRY_FIRST_MS;
            if (next.value.type === 'withdrawn') remove(next.value.uuid);
            await refresh();
          }
        } catch {
          // The stream failed (offline, service restarting): the poll keeps the list, and we retry.
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    };
    void (async () => {
      const enrollments = await wallet.enrollments().catch(() => []);
      if (enrollments.length === 0) await refresh();
      for (const { device } of enrollments) void follow(device);
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
  }, [wallet, refresh, remove, accountsVersion]);

  return { requests, error, refresh, remove };
}
