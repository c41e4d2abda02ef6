import type { Random } from '../crypto/random.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import type { SecurityLog } from './security-log.js';

/** The rate limiter's window: one event per app in each. */
const WINDOW_MS = 60_000;

/**
 * Records an app refused for its rate (`app.rate_limited`) as a security event, once per app and minute
 * on each instance: every refusal is a log line, and the events' table and audit chain hold when it began.
 * The record is not awaited (a refusal answers at once); one that fails is logged.
 */
export function rateLimitEvents(options: {
  readonly securityLog: SecurityLog;
  readonly random: Random;
  readonly clock: Clock;
  readonly log: Log;
}): (appId: number) => void {
  const recorded = new Map<number, number>();
  return (appId) => {
    const now = options.clock.now();
    const window = now - (now % WINDOW_MS);
    if (recorded.get(appId) === window) return;
    recorded.set(appId, window);
    // Windows past are forgotten as new ones begin, so the map holds only this minute's apps.
    if (recorded.size > 10_000) for (const [id, at] of recorded) if (at !== window) recorded.delete(id);
    options.securityLog
      .record({
        id: options.random.uuid(),
        type: 'app.rate_limited',
        appId,
        userId: null,
        deviceId: null,
        detail: { window_start: new Date(window).toISOString() },
        now,
      })
      .catch((error: unknown) =>
        options.log.error({ err: error, appId }, 'could not record a rate limit event'),
      );
  };
}
