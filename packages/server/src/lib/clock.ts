/** The source of time for everything the service decides. Tests inject a fixed or skewed one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
