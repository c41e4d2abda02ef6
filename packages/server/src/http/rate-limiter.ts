/** Counts calls per key in fixed one-minute windows. */
export interface RateLimiter {
  /** Records one call; returns the seconds to wait when the key is over its limit, else 0. */
  hit(key: string, now: number): number;
}

/** In-process limiter. Each instance counts on its own; the shared database limiter comes with scale-out. */
export function createMemoryRateLimiter(limitPerMinute: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  return {
    hit(key, now) {
      const start = now - (now % 60_000);
      if (start !== lastSweep) {
        for (const [k, w] of windows) if (w.start < start) windows.delete(k);
        lastSweep = start;
      }
      const window = windows.get(key);
      if (window === undefined || window.start !== start) {
        windows.set(key, { start, count: 1 });
        return 0;
      }
      window.count += 1;
      return window.count > limitPerMinute ? Math.ceil((start + 60_000 - now) / 1000) : 0;
    },
  };
}
