import type { RateLimitRepository } from './rate-limit.repository.js';

/** Counts calls per key in fixed one-minute windows. */
export interface RateLimiter {
  /**
   * Records one call; resolves to the seconds to wait when the key is over its limit, else 0. Rejects when
   * the count cannot be kept: the caller then refuses the call (R74: an outage never lifts the limits).
   */
  hit(key: string, now: number): Promise<number>;
}

const WINDOW_MS = 60_000;

const windowStart = (now: number) => now - (now % WINDOW_MS);
const secondsLeft = (start: number, now: number) => Math.ceil((start + WINDOW_MS - now) / 1000);

/** In-process limiter: each instance counts on its own (one instance on SQLite). */
export function createMemoryRateLimiter(limitPerMinute: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  return {
    async hit(key, now) {
      const start = windowStart(now);
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
      return window.count > limitPerMinute ? secondsLeft(start, now) : 0;
    },
  };
}

/**
 * The limiter of instances sharing one database: every call is counted in the database, in one statement,
 * so N instances together allow the limit once, not N times (R76, R78).
 */
export function createDatabaseRateLimiter(
  repository: RateLimitRepository,
  limitPerMinute: number,
): RateLimiter {
  let lastSweep = 0;
  return {
    async hit(key, now) {
      const start = windowStart(now);
      if (start !== lastSweep) {
        lastSweep = start;
        // Old windows are only clutter; if this clean-up fails, the next minute's does it.
        void repository.forgetBefore(start - WINDOW_MS).catch(() => undefined);
      }
      const count = await repository.count(key, start);
      return count > limitPerMinute ? secondsLeft(start, now) : 0;
    },
  };
}
