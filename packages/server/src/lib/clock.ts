/**
 * The source of time for everything the service decides, and of waiting for it. Tests inject a fixed or
 * skewed one, or one whose timers fire when the test moves it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `run` once `ms` have passed on this clock; the function returned cancels it. */
  after(ms: number, run: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
