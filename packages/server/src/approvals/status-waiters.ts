import type { App } from '../apps/app.js';
import type { EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { ApprovalService } from './approval.service.js';
import type { ApprovalRequest } from './approval-request.js';

/**
 * The waiting client's request (`IncomingMessage`): it emits `close` when the client hangs up. A plain
 * listener, not an `AbortSignal` (~1 KB a wait) nor `once` (a wrapper each): ten thousand waits add up.
 */
export interface ClientConnection {
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/**
 * Long polls and event streams of apps waiting for a request's answer. Each waits on the request's topic
 * of the event bus (so an answer recorded by any instance wakes it) and on the request's own expiry.
 */
export class StatusWaiters {
  /** What to call for each open wait when the service shuts down. */
  private readonly open = new Map<() => void, () => void>();

  constructor(
    private readonly approvals: ApprovalService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  /**
   * Calls `onChange` with the request each time its status may have changed, until `stop()`. Time passing
   * its expiry counts as a change: the status read then reports (and records) `expired`. A watch that ends
   * by `endsBy` (ms) anyway sets no timer for an expiry after it: its caller reads the status at the end.
   */
  watch(
    app: App,
    request: ApprovalRequest,
    onChange: (next: ApprovalRequest) => void,
    onShutdown: () => void,
    endsBy = Number.POSITIVE_INFINITY,
  ): () => void {
    let stopped = false;
    let cancelExpiry: (() => void) | undefined;
    const check = () => {
      if (stopped) return;
      void this.approvals.status(app, request.uuid).then(
        (next) => {
          if (!stopped && next.status !== 'pending') onChange(next);
        },
        () => undefined,
      );
    };
    const unsubscribe = this.bus.subscribe(topics.request(request.uuid), check);
    // Look once more now that we listen: an answer committed (on any instance) after the caller read the
    // request and before the subscription would otherwise go unnoticed until the wait ends.
    check();
    if (request.expiresAt !== null && request.expiresAt < endsBy) {
      // Timers hold at most ~24.8 days; a later expiry is caught by the sweeper's bus event instead.
      const delay = request.expiresAt - this.clock.now() + 5;
      if (delay < 2_147_000_000) cancelExpiry = this.clock.after(Math.max(0, delay), check);
    }
    const stop = () => {
      stopped = true;
      unsubscribe();
      cancelExpiry?.();
      this.open.delete(stop);
    };
    this.open.set(stop, onShutdown);
    return stop;
  }

  /**
   * Resolves with the request once it is final or `timeoutMs` has passed (then as it stands); at once, with
   * the request as given, when `client` hangs up: nobody is left to read the answer, and the wait's
   * subscription and timers go with the client instead of holding on for up to a minute.
   */
  until(
    app: App,
    request: ApprovalRequest,
    timeoutMs: number,
    client?: ClientConnection,
  ): Promise<ApprovalRequest> {
    return new Promise((resolve) => {
      // One `finish` serves the timer, the watch and shutdown alike: every closure a wait holds counts.
      const finish = (next?: ApprovalRequest) => {
        cancelTimer();
        stop();
        client?.off('close', hungUp);
        if (next !== undefined) resolve(next);
        else void this.approvals.status(app, request.uuid).then(resolve, () => resolve(request));
      };
      const hungUp = () => finish(request);
      const cancelTimer = this.clock.after(timeoutMs, finish);
      const stop = this.watch(app, request, finish, finish, this.clock.now() + timeoutMs);
      client?.on('close', hungUp);
    });
  }

  /** Ends every wait now (shutdown): long polls answer with the status as it stands. */
  closeAll(): void {
    for (const end of [...this.open.values()]) end();
  }
}
