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
import { twilioTime } from '../lib/twilio-time.js';
import { authyCallbackBody } from './authy-callback-body.js';
import type { CallbackRequest, CallbackSender } from './callback-sender.js';
import { backoff, retryAfterMs } from './retry-schedule.js';
import { twilioSignature } from './twilio-signature.js';
import type { WebhookEvent, WebhookEventRepository } from './webhook-event.repository.js';

export interface WebhookWorkerOptions {
  events: WebhookEventRepository;
  apps: AppService;
  approvals: ApprovalService;
  /** The Verify webhooks its Verify events go to. */
  verifyWebhooks: VerifyWebhookTargets;
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

/**
 * Where a Verify delivery goes: the webhook's URL while it exists and is enabled, and how it is turned off when
 * its receiver answers 410 Gone. The Verify feature provides it.
 */
export interface VerifyWebhookTargets {
  target(appId: number, webhookSid: string): Promise<{ url: string; enabled: boolean } | undefined>;
  disable(appId: number, webhookSid: string, now: number): Promise<void>;
}

/** What one attempt sends and what a 410 turns off; or why the event is not sent (`null`: nothing to say). */
type Outgoing =
  | { readonly skipped: string | null }
  | { readonly request: CallbackRequest; readonly gone: (now: number) => Promise<void> };

/** The Standard Webhooks headers of a delivery (R45): the event's id, the send time, the body's signature. */
function standardWebhookHeaders(id: string, seconds: number, body: string, secret: string) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signStandardWebhook({ id, timestamp: seconds, body, secrets: secret }),
  };
}

/** A claim outlives the slowest delivery, so no two workers send the same event while both live. */
const LEASE_MARGIN_MS = 5_000;

/** How long a claimed event is left to the worker that claimed it: one delivery's time and a margin. */
export const callbackLeaseMs = (timeoutMs: number) => timeoutMs + LEASE_MARGIN_MS;

const BATCH = 16;

/**
 * Delivers the callback outbox: claims due events, POSTs each (an Authy callback, or a Verify event to one
 * webhook) with its signatures, and records every attempt. Only 2xx counts; 410 turns the endpoint off (the
 * app's callback, or the Verify webhook); anything else retries with back-off.
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
      webhookSid: null,
      payload: null,
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
    const { events, clock, log } = this.options;
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
    const outgoing =
      event.webhookSid === null || event.payload === null
        ? await this.authyCallback(event, now)
        : await this.verifyWebhook(event, event.webhookSid, event.payload, now);
    if ('skipped' in outgoing) {
      return outgoing.skipped === null
        ? settle('skipped')
        : settle('skipped', { lastError: outgoing.skipped });
    }
    const attempt = event.attempts + 1;
    const started = clock.now();
    let status: number | null = null;
    let error: string | null = null;
    let retryAfter: string | undefined;
    try {
      const response = await this.options.send(outgoing.request);
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
      await outgoing.gone(now);
      return settle('disabled', { attempts: attempt, lastStatus: status });
    }
    const wait = retryAfterMs(retryAfter, now) ?? backoff(attempt);
    const last =
      status === null ? { lastError: error, lastStatus: null } : { lastStatus: status, lastError: null };
    log.warn({ appId: event.appId, eventId: event.id, attempt, status, error }, 'callback not delivered');
    if (now + wait > event.createdAt + this.options.retryForMs)
      return settle('failed', { attempts: attempt, ...last });
    return settle('pending', { attempts: attempt, nextAttemptAt: now + wait, ...last });
  }

  /** The Authy callback of an approval request: its body, both signatures, and the app's callback URL. */
  private async authyCallback(event: WebhookEvent, now: number): Promise<Outgoing> {
    const { apps, log } = this.options;
    // Four independent reads at once: on PostgreSQL each takes a connection of its own, and the callback
    // leaves after the slowest of them rather than after their sum.
    const [app, request, apiKey, secret] = await Promise.all([
      apps.find(event.appId),
      this.options.approvals.forCallback(event.appId, event.uuid),
      apps.revealKey(event.appId),
      apps.revealWebhookSecret(event.appId),
    ]);
    if (app === undefined || !this.wants(app, event)) return { skipped: null };
    if (request === undefined) return { skipped: 'the approval request no longer exists' };
    const url = app.callbackUrl as string;
    const body = JSON.stringify(
      authyCallbackBody({ ...request, status: event.status as 'approved' | 'denied' | 'expired' }),
    );
    if (apiKey === undefined || secret === undefined) return { skipped: 'the app has no live key' };
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
      ...standardWebhookHeaders(event.id, seconds, body, secret),
    };
    return {
      request: { url, headers, body },
      gone: async (at) => {
        await apps.disableCallback(app.id, at);
        log.warn(
          { appId: app.id, eventId: event.id },
          'callback endpoint answered 410: callbacks turned off for the app',
        );
      },
    };
  }

  /**
   * A Verify event to one of the service's webhooks, as Twilio posts it: a form of the event's fields and the
   * time it is sent, signed with `X-Twilio-Signature` by the app's API key (Twilio's auth token, the password
   * of `/v2`), with the Standard Webhooks headers beside it (D6).
   */
  private async verifyWebhook(
    event: WebhookEvent,
    webhookSid: string,
    payload: string,
    now: number,
  ): Promise<Outgoing> {
    const { apps, verifyWebhooks, log } = this.options;
    const [target, apiKey, secret] = await Promise.all([
      verifyWebhooks.target(event.appId, webhookSid),
      apps.revealKey(event.appId),
      apps.revealWebhookSecret(event.appId),
    ]);
    if (target === undefined) return { skipped: 'the webhook no longer exists' };
    if (!target.enabled) return { skipped: 'the webhook is disabled' };
    if (apiKey === undefined || secret === undefined) return { skipped: 'the app has no live key' };
    const fields: Record<string, string> = {
      ...(JSON.parse(payload) as Record<string, string>),
      sent_date: twilioTime(now),
    };
    const body = new URLSearchParams(fields).toString();
    const seconds = Math.floor(now / 1000);
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Countersign-Webhooks/1',
      'x-twilio-signature': twilioSignature(apiKey, target.url, fields),
      'i-twilio-idempotency-token': event.id,
      ...standardWebhookHeaders(event.id, seconds, body, secret),
    };
    return {
      request: { url: target.url, headers, body },
      gone: async (at) => {
        await verifyWebhooks.disable(event.appId, webhookSid, at);
        log.warn(
          { appId: event.appId, eventId: event.id, webhookSid },
          'Verify webhook answered 410: the webhook is disabled',
        );
      },
    };
  }

  /** Authy-compatible apps get approved and denied; expired only when the app opted in. */
  private wants(app: App, event: WebhookEvent): boolean {
    if (app.callbackUrl === null || app.callbackDisabledAt !== null) return false;
    return event.status !== 'expired' || app.callbackExpired;
  }
}
