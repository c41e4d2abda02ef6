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

/** The most calls an instance takes from the shared count at once (see `blockSize`). */
const MAX_BLOCK = 100;

/**
 * How many calls an instance reserves per trip to the database: a thousandth of the limit, between 1 and
 * `MAX_BLOCK`. Calls reserved and not made still count, so N instances can refuse up to N × (block − 1)
 * calls early in a window (0.08 % of the default limit each), never let one more through; a small limit
 * (below 2 000 a minute) is kept exactly, one trip per call.
 */
export const blockSize = (limitPerMinute: number) =>
  Math.min(MAX_BLOCK, Math.max(1, Math.floor(limitPerMinute / 1000)));

/** One key's calls reserved from the shared count in the current window, and not made yet. */
interface Allowance {
  readonly start: number;
  left: number;
  /** The shared count reached the limit: every later call of the window is refused without asking. */
  spent: boolean;
  /** The reservation on its way: concurrent calls wait for it instead of making their own. */
  reserving?: Promise<void>;
}

/**
 * The limiter of instances sharing one database: calls are counted in the database, so N instances together
 * allow the limit once, not N times (R76, R78). Each instance reserves calls in blocks (one statement adds
 * the block to the window's count and reads the total) and hands them out from memory, so a busy app costs
 * the database one statement per block, not per call. A reservation that fails refuses the call (R74).
 */
export function createDatabaseRateLimiter(
  repository: RateLimitRepository,
  limitPerMinute: number,
): RateLimiter {
  const block = blockSize(limitPerMinute);
  const allowances = new Map<string, Allowance>();
  let lastSweep = 0;

  const reserve = async (key: string, allowance: Allowance) => {
    const total = await repository.count(key, allowance.start, block);
    const granted = Math.max(0, Math.min(block, limitPerMinute - (total - block)));
    allowance.left += granted;
    if (granted < block) allowance.spent = true;
  };

  return {
    async hit(key, now) {
      const start = windowStart(now);
      if (start !== lastSweep) {
        lastSweep = start;
        for (const [k, a] of allowances) if (a.start < start) allowances.delete(k);
        // Old windows are only clutter; if this clean-up fails, the next minute's does it.
        void repository.forgetBefore(start - WINDOW_MS).catch(() => undefined);
      }
      for (;;) {
        let allowance = allowances.get(key);
        // (A call that waited across the minute's end counts in the new window, whose allowance it finds.)
        if (allowance === undefined || allowance.start < start) {
          allowance = { start, left: 0, spent: false };
          allowances.set(key, allowance);
        }
        if (allowance.left > 0) {
          allowance.left -= 1;
          return 0;
        }
        if (allowance.spent) return secondsLeft(start, now);
        const current = allowance;
        current.reserving ??= reserve(key, current).finally(() => {
          current.reserving = undefined;
        });
        await current.reserving;
      }
    },
  };
}
