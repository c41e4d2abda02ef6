/** D3: the first lock lasts 15 minutes, each further one twice as long (capped at 2^10 times). */
export const FIRST_LOCK_MS = 15 * 60_000;

/**
 * When a lock taken at `now` ends, after `lockCount` earlier ones (D3). The Authy side's TOTP and the Verify
 * v2 TOTP factors lock by this one rule: more than the app's `maxFailures` wrong codes in a row.
 */
export function lockEnd(now: number, lockCount: number): number {
  return now + FIRST_LOCK_MS * 2 ** Math.min(lockCount, 10);
}
