import { randomInt } from 'node:crypto';

/** Delays after the 1st, 2nd, … failed attempt (Standard Webhooks' example schedule, R51). */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

/** The longest wait a receiver's `Retry-After` can ask for. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** The delay after `failures` failed attempts, with ±10 % jitter so receivers are not hit in lockstep. */
export function backoff(failures: number): number {
  const base = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0] ?? 5_000;
  const spread = Math.floor(base / 10);
  return base - spread + randomInt(2 * spread + 1);
}

/** A receiver's `Retry-After` (seconds or an HTTP date) in milliseconds from `now`, if it is usable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const ms = /^\d{1,9}$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 1000), MAX_RETRY_AFTER_MS);
}
