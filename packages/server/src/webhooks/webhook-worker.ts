// The service signs with the very code receivers verify with (the SDK's `verifyCallback`), so the two
// cannot drift (spec `authy-api.md` 6.3, R45, R49).
import { signAuthyCallback, signStandardWebhook } from '@countersign/protocol';
import type { ApprovalService } from '../approvals/approval.service.js';
import type { App } from '../apps/app.js';
import type { AppService } from '../apps/app.service.js';
import type { EventBus } from '../events/event-bus.js';
import { type ClaimedCallback, topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import { authyCallbackBody } from './authy-callback-body.js';
import type { CallbackSender } from './callback-sender.js';
import { backoff, retryAfterMs } from './retry-schedule.js';
import type { WebhookEvent, WebhookEventRepository } from './webhook-event.repository.js';

export interface WebhookWorkerOptions {
  events: WebhookEventRepository;
  apps: AppService;
  approvals: ApprovalService;
  send: CallbackSender;
  bus: EventBus;
  clock: Clock;
  log: Log;
  /** How long an event is retried before it is marked failed (R51: three days). */
  retryForMs: number;
  /** How often the worker looks for due events when nothing woke it. */
  intervalMs?: number;
  /** How long one delivery may take; a claimed event is left alone this long plus a margin. */
  timeoutMs: number;
}

/** A claim outlives the slowest delivery, so no two workers send the same event while both live. */
const LEASE_MARGIN_MS = 5_000;

/** How long a claimed event is left to the worker that claimed it: one delivery's time and a margin. */
export const callbackLeaseMs = (timeoutMs: number) => timeoutMs + LEASE_MARGIN_MS;

const BATCH = 16;

/**
 * Delivers the callback outbox: claims due events, POSTs each with both signatures, and records every
 * attempt. Only 2xx counts; 410 turns the app's callback off; anything else retries with back-off.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopBus: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Deliveries of events this instance wrote, under way. */
  private readonly direct = new Set<Promise<void>>();

  constructor(private readonly options: WebhookWorkerOptions) {}

  start(): void {
    this.stopBus = this.options.bus.subscribe(topics.webhooks, (event) => {
      if (event.type === 'claimed') this.deliverClaimed(event);
      else this.wake();
    });
    this.timer = setInterval(() => this.wake(), this.options.intervalMs ?? 500);
    this.timer.unref();
    this.wake();
  }

  /** Stops taking work and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopBus?.();
    await Promise.all([this.running, ...this.direct]);
  }

  /** Delivers an event this instance wrote leased to itself (see `ClaimedCallback`). */
  private deliverClaimed(claimed: ClaimedCallback): void {
    if (this.stopped) return;
    const delivery = this.deliver({
      id: claimed.id,
      appId: claimed.appId,
      uuid: claimed.uuid,
      status: claimed.status,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: claimed.at,
      lastStatus: null,
      lastError: null,
      createdAt: claimed.at,
      updatedAt: claimed.at,
    })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'webhook delivery failed'))
      .finally(() => this.direct.delete(delivery));
    this.direct.add(delivery);
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'webhook worker pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Delivers everything due, batch by batch. Exposed for tests and for `countersign webhooks`. */
  async drain(): Promise<void> {
    while (!this.stopped) {
      const due = await this.options.events.claimDue(
        this.options.clock.now(),
        callbackLeaseMs(this.options.timeoutMs),
        BATCH,
      );
      if (due.length === 0) return;
      await Promise.all(due.map((event) => this.deliver(event)));
    }
  }

  private async deliver(event: WebhookEvent): Promise<void> {
    const { events, apps, clock, log } = this.options;
    const now = clock.now();
    const settle = (
      state: string,
      extra: {
        lastStatus?: number | null;
        lastError?: string | null;
        attempts?: number;
        nextAttemptAt?: number;
      } = {},
    ) =>
      events.settle(event.id, {
        state,
        attempts: extra.attempts ?? event.attempts,
        nextAttemptAt: extra.nextAttemptAt ?? event.nextAttemptAt,
        lastStatus: extra.lastStatus ?? event.lastStatus,
        lastError: extra.lastError ?? event.lastError,
        now,
      });
    // Four independent reads at once: on PostgreSQL each takes a connection of its own, and the callback
    // leaves after the slowest of them rather than after their sum.
    const [app, request, apiKey, secret] = await Promise.all([
      apps.find(event.appId),
      this.options.approvals.forCallback(event.appId, event.uuid),
      apps.revealKey(event.appId),
      apps.revealWebhookSecret(event.appId),
    ]);
    if (app === undefined || !this.wants(app, event)) return settle('skipped');
    if (request === undefined)
      return settle('skipped', { lastError: 'the approval request no longer exists' });
    const url = app.callbackUrl as string;
    const body = JSON.stringify(
      authyCallbackBody({ ...request, status: event.status as 'approved' | 'denied' | 'expired' }),
    );
    if (apiKey === undefined || secret === undefined)
      return settle('skipped', { lastError: 'the app has no live key' });
    const seconds = Math.floor(now / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Countersign-Webhooks/1',
      'x-authy-signature-nonce': String(seconds),
      'x-authy-signature': signAuthyCallback({
        apiKey,
        nonce: String(seconds),
        method: 'POST',
        url,
        params: JSON.parse(body),
      }),
      'webhook-id': event.id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': signStandardWebhook({ id: event.id, timestamp: seconds, body, secrets: secret }),
    };
    const attempt = event.attempts + 1;
    const started = clock.now();
    let status: number | null = null;
    let error: string | null = null;
    let retryAfter: string | undefined;
    try {
      const response = await this.options.send({ url, headers, body });
      status = response.status;
      retryAfter = response.retryAfter;
    } catch (caught) {
      error = (caught as Error).message.slice(0, 200);
    }
    await events.recordAttempt({
      eventId: event.id,
      attempt,
      at: started,
      durationMs: clock.now() - started,
      statusCode: status,
      error,
    });
    if (status !== null && status >= 200 && status < 300)
      return settle('delivered', { attempts: attempt, lastStatus: status, lastError: null });
    if (status === 410) {
      await apps.disableCallback(app.id, now);
      log.warn(
        { appId: app.id, eventId: event.id },
        'callback endpoint answered 410: callbacks turned off for the app',
      );
      return settle('disabled', { attempts: attempt, lastStatus: status });
    }
    const wait = retryAfterMs(retryAfter, now) ?? backoff(attempt);
    const last =
      status === null ? { lastError: error, lastStatus: null } : { lastStatus: status, lastError: null };
    log.warn({ appId: app.id, eventId: event.id, attempt, status, error }, 'callback not delivered');
    if (now + wait > event.createdAt + this.options.retryForMs)
      return settle('failed', { attempts: attempt, ...last });
    return settle('pending', { attempts: attempt, nextAttemptAt: now + wait, ...last });
  }

  /** Authy-compatible apps get approved and denied; expired only when the app opted in. */
  private wants(app: App, event: WebhookEvent): boolean {
    if (app.callbackUrl === null || app.callbackDisabledAt !== null) return false;
    return event.status !== 'expired' || app.callbackExpired;
  }
}
