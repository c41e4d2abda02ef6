import type { Countersign } from '../countersign/countersign.js';
import { isUnreachable } from '../countersign/sdk-countersign.js';
import { sleep } from '../lib/sleep.js';

/** Called once, when a device can answer the account's approval requests. */
export type EnrollmentListener = () => void;

export interface EnrollmentWatcherOptions {
  /** How often the service is asked while a page waits. */
  readonly intervalMs?: number;
  /** Called when asking fails for a reason other than the service being away (logged by the app). */
  readonly onError?: (error: unknown) => void;
}

interface Watch {
  readonly listeners: Set<EnrollmentListener>;
  readonly controller: AbortController;
}

export const ENROLLMENT_POLL_MS = 2_000;
const RETRY_MAX_MS = 30_000;

/**
 * Learns when a customer's phone is enrolled, for the "Set up your authenticator" pages waiting for it.
 * The service does not tell an app that a phone enrolled (no event stream, no webhook), so while at least
 * one such page of an account is open the bank asks `users/{id}/status` every `intervalMs`: one loop per
 * account however many pages wait, the first question at once, and none after the phone is enrolled or
 * the last page went away (its call in flight is aborted). The browser never polls: it hears the answer on
 * the bank's own event stream.
 */
export class EnrollmentWatcher {
  private readonly watches = new Map<number, Watch>();
  private closed = false;

  constructor(
    private readonly countersign: Countersign,
    private readonly options: EnrollmentWatcherOptions = {},
  ) {}

  /** Calls `listener` once the account's phone is enrolled, unless the returned function is called first. */
  watch(authyId: number, listener: EnrollmentListener): () => void {
    if (this.closed) return () => {};
    let watch = this.watches.get(authyId);
    if (watch === undefined) {
      watch = { listeners: new Set(), controller: new AbortController() };
      this.watches.set(authyId, watch);
      const started = watch;
      void this.poll(authyId, started).catch((error: unknown) => {
        this.stop(authyId, started);
        this.options.onError?.(error);
      });
    }
    const joined = watch;
    joined.listeners.add(listener);
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size === 0) this.stop(authyId, joined);
    };
  }

  /** Stops every loop; nothing is watched afterwards. */
  close(): void {
    this.closed = true;
    for (const [authyId, watch] of [...this.watches]) this.stop(authyId, watch);
  }

  private stop(authyId: number, watch: Watch): void {
    watch.controller.abort();
    if (this.watches.get(authyId) === watch) this.watches.delete(authyId);
  }

  private async poll(authyId: number, watch: Watch): Promise<void> {
    const { signal } = watch.controller;
    const intervalMs = this.options.intervalMs ?? ENROLLMENT_POLL_MS;
    let waitMs = intervalMs;
    while (!signal.aborted) {
      try {
        const { registered } = await this.countersign.userStatus(authyId, { signal });
        if (signal.aborted) return;
        if (registered) {
          this.stop(authyId, watch);
          for (const listener of [...watch.listeners]) listener();
          return;
        }
        waitMs = intervalMs;
      } catch (error) {
        if (signal.aborted) return;
        // Away: the page keeps what it shows, and the bank asks again, less often, until it answers.
        if (!isUnreachable(error)) this.options.onError?.(error);
        waitMs = Math.min(waitMs * 2, RETRY_MAX_MS);
      }
      await sleep(waitMs, signal);
    }
  }
}
