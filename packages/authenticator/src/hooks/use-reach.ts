import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * How long an answer from a service counts as "recently": three of the request list's 10 s polls, so one
 * slow or lost poll does not flip the header, and a service silent for longer is never called online.
 */
export const ANSWERED_WITHIN_MS = 30_000;

/** What one look at a service found: it answered (any answer, even a refusal), or could not be reached. */
export interface ReachReport {
  /** The service's origin, as an enrollment stores it. */
  readonly server: string;
  readonly answered: boolean;
}

/**
 * Whether the services this authenticator answers for can be reached: `none` when it holds no enrollment
 * (codes need no service) or before the first look, `online` when every one answered within
 * `ANSWERED_WITHIN_MS`, else `offline` with the hosts that did not (`all` when none did).
 */
export type Reach =
  | { readonly state: 'none' }
  | { readonly state: 'online' }
  | { readonly state: 'offline'; readonly hosts: readonly string[]; readonly all: boolean };

/** The last thing seen of each service: when it last answered, and whether the latest look failed. */
type Seen = ReadonlyMap<string, { readonly answeredAt: number | null; readonly failed: boolean }>;

/** The reach, from what was seen of each service by `now` and whether the browser has a network at all. */
export function reachOf(seen: Seen, now: number, browserOnline: boolean): Reach {
  if (seen.size === 0) return { state: 'none' };
  const silent: string[] = [];
  for (const [server, { answeredAt, failed }] of seen) {
    const recent = answeredAt !== null && now - answeredAt <= ANSWERED_WITHIN_MS;
    if (!browserOnline || failed || !recent) silent.push(new URL(server).host);
  }
  if (silent.length > 0) return { state: 'offline', hosts: silent, all: silent.length === seen.size };
  return { state: 'online' };
}

/**
 * The services' reach, and a stable function the request list reports to: after each fetch of every
 * enrollment's requests (`complete`: the servers named are all there are) and whenever an event stream
 * opens or delivers (one server). `now` moves the "recently" forward. A browser that says it has no
 * network is offline at once; otherwise only a real answer from a service counts.
 */
export function useReach(now: number): [Reach, (reports: readonly ReachReport[], complete: boolean) => void] {
  const [seen, setSeen] = useState<Seen>(new Map());
  const [browserOnline, setBrowserOnline] = useState(() => navigator.onLine);

  useEffect(() => {
    const update = () => setBrowserOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);

  const report = useCallback((reports: readonly ReachReport[], complete: boolean) => {
    const at = Date.now();
    setSeen((previous) => {
      const next = new Map(complete ? [] : previous);
      for (const { server, answered } of reports) {
        const answeredAt = answered ? at : (previous.get(server)?.answeredAt ?? null);
        next.set(server, { answeredAt, failed: !answered });
      }
      return next;
    });
  }, []);

  return [reachOf(seen, now, browserOnline), report];
}
