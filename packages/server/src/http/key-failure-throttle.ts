const WINDOW_MS = 60_000;

/** Counts failed API keys per client address in fixed one-minute windows (R5). */
export interface KeyFailureThrottle {
  /** Seconds until `address` may present a key again: above 0 once it failed `limit` times this minute. */
  blocked(address: string, now: number): number;
  /** Records one failed key from `address`. */
  failed(address: string, now: number): void;
}

/** Addresses one window counts at most: a flood from ever new addresses (IPv6) cannot grow it without end. */
const MAX_ADDRESSES = 100_000;

/**
 * In memory, per instance: a count in the shared database would make every bad key cost a write, which is
 * what a flood of them should not be able to buy. N instances let N × `limitPerMinute` failures through.
 * Past {@link MAX_ADDRESSES} failing addresses in one minute, new ones are not counted until the next.
 */
export function createKeyFailureThrottle(limitPerMinute: number): KeyFailureThrottle {
  let start = 0;
  let failures = new Map<string, number>();
  // A new minute forgets the last one whole, so the map holds only this minute's failing addresses.
  const windowOf = (now: number) => {
    const current = now - (now % WINDOW_MS);
    if (current !== start) {
      start = current;
      failures = new Map();
    }
    return current;
  };
  return {
    blocked(address, now) {
      const current = windowOf(now);
      if ((failures.get(address) ?? 0) < limitPerMinute) return 0;
      return Math.ceil((current + WINDOW_MS - now) / 1000);
    },
    failed(address, now) {
      windowOf(now);
      const count = failures.get(address);
      if (count === undefined && failures.size >= MAX_ADDRESSES) return;
      failures.set(address, (count ?? 0) + 1);
    },
  };
}
