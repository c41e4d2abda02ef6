import type { Device, PendingRequest } from '@countersign/device';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often the list is fetched even when the event stream is quiet: the stream is a hint, not the truth. */
const POLL_MS = 10_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export interface PendingState {
  /** `null` until the first answer from the service. */
  readonly requests: readonly PendingRequest[] | null;
  /** The last failure to fetch the list, cleared by the next success. */
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
 * The requests waiting for this device. Kept live by the device's event stream (reconnected with backoff),
 * a push relayed by the service worker, coming back online or to the foreground, and a slow poll.
 */
export function usePendingRequests(device: Device): PendingState {
  const [requests, setRequests] = useState<readonly PendingRequest[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Fetches overlap (an event during a poll): only the newest one started may write the list.
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const fetched = await device.pending();
      if (ticket !== latest.current) return;
      setRequests(fetched);
      setError(null);
    } catch (caught) {
      if (ticket === latest.current) setError(caught);
    }
  }, [device]);

  const remove = useCallback((uuid: string) => {
    latest.current++; // a fetch already under way may still list it
    setRequests((current) => current?.filter((request) => request.uuid !== uuid) ?? null);
  }, []);

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;

    void (async () => {
      let delay = RETRY_FIRST_MS;
      while (!signal.aborted) {
        try {
          const events = device.events(signal);
          // Start the stream before fetching, so nothing created in between is missed.
          const first = events.next();
          first.catch(() => undefined); // handled below, after the fetch; not an unhandled rejection meanwhile
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
  }, [device, refresh, remove]);

  return { requests, error, refresh, remove };
}
