import type { Random } from '../crypto/random.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityEventRecord, SecurityLog } from './security-log.js';

/** One event per key in each window. */
const WINDOW_MS = 60_000;
/** Keys remembered at most; past windows are forgotten first. */
const MAX_KEYS = 10_000;

/** Security events that may repeat many times a second: the first of each key in a minute is recorded. */
export interface WindowedSecurityEvents {
  /**
   * Records `event` unless one of the same `key` was recorded in this minute on this instance. Every
   * occurrence is still a log line (its refusal's); the events' table and the audit chain say when it began,
   * and a flood of refusals cannot flood them (each event is an append to the one serialised audit chain).
   */
  record(key: string, event: Omit<SecurityEventRecord, 'id' | 'now'>): Promise<void>;
}

export function windowedSecurityEvents(options: {
  readonly securityLog: SecurityLog;
  readonly random: Random;
  readonly clock: Clock;
}): WindowedSecurityEvents {
  const recorded = new Map<string, number>();
  return {
    async record(key, event) {
      const now = options.clock.now();
      const window = now - (now % WINDOW_MS);
      if (recorded.get(key) === window) return;
      if (recorded.size >= MAX_KEYS) for (const [k, at] of recorded) if (at !== window) recorded.delete(k);
      recorded.set(key, window);
      await options.securityLog.record({ ...event, id: options.random.uuid(), now });
    },
  };
}
