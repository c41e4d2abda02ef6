import type { WebhookAttempt, WebhookEvent } from './webhook-event.repository.js';

/** The states a callback event's delivery is in. */
export const CALLBACK_STATES = ['pending', 'delivered', 'failed', 'skipped', 'disabled'] as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** A callback event and its delivery state, as `webhooks list --json` and the console show it. */
export function callbackDocument(event: WebhookEvent) {
  return {
    id: event.id,
    app_id: event.appId,
    uuid: event.uuid,
    status: event.status,
    state: event.state,
    attempts: event.attempts,
    last_status: event.lastStatus,
    last_error: event.lastError,
    next_attempt_at: event.state === 'pending' ? iso(event.nextAttemptAt) : null,
    created_at: iso(event.createdAt),
  };
}

/** One delivery attempt of a callback event: when, how long, and what the receiver answered. */
export function attemptDocument(attempt: WebhookAttempt) {
  return {
    attempt: attempt.attempt,
    attempted_at: iso(attempt.attemptedAt),
    duration_ms: attempt.durationMs,
    status_code: attempt.statusCode,
    error: attempt.error,
  };
}
