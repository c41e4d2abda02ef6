/**
 * A signal that aborts when the caller's signal does or when a time limit passes, whichever comes first, and
 * that says which. `dispose()` clears the timer and the listener on the caller's signal: nothing is left
 * behind.
 */
export interface AbortScope {
  readonly signal: AbortSignal;
  /** The time limit passed (and the caller had not aborted before). */
  readonly expired: boolean;
  /** The caller's signal aborted. */
  readonly callerAborted: boolean;
  /** Milliseconds left before the time limit. */
  remaining(): number;
  /** Stops the time limit (e.g. once a stream's headers arrived); the caller's signal still applies. */
  clearLimit(): void;
  dispose(): void;
}

/** The reason the scope's signal carries when its time limit passes. */
class TimeLimitPassed extends Error {
  override readonly name = 'TimeLimitPassed';
}

/** The longest time limit a timer can hold, in milliseconds (about 24.8 days). */
export const MAX_TIME_LIMIT_MS = 2_147_483_647;

/**
 * Opens a scope over `parent` with a limit of `limitMs`.
 *
 * @throws TypeError when `limitMs` is not a number from 0 to `MAX_TIME_LIMIT_MS`.
 */
export function abortScope(parent: AbortSignal | undefined, limitMs: number): AbortScope {
  if (typeof limitMs !== 'number' || !(limitMs >= 0 && limitMs <= MAX_TIME_LIMIT_MS)) {
    throw new TypeError(`a time limit must be from 0 to ${MAX_TIME_LIMIT_MS} ms, not ${String(limitMs)}`);
  }
  const controller = new AbortController();
  const deadline = Date.now() + limitMs;
  let expired = false;
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted === true) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (!controller.signal.aborted) {
    timer = setTimeout(() => {
      expired = true;
      controller.abort(new TimeLimitPassed(`the time limit of ${limitMs} ms passed`));
    }, limitMs);
  }
  const clearLimit = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    signal: controller.signal,
    get expired() {
      return expired && parent?.aborted !== true;
    },
    get callerAborted() {
      return parent?.aborted === true;
    },
    remaining: () => Math.max(0, deadline - Date.now()),
    clearLimit,
    dispose: () => {
      clearLimit();
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
