/** The source of time for timestamps, `signed_at` and TOTP codes. Tests inject a fixed one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
