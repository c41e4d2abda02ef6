import type { VerifyEventType } from './verify-event.js';

/** A Verify v2 webhook (`YW…`) of a service: the URL its events are posted to, and which events. */
export interface VerifyWebhook {
  readonly sid: string;
  readonly serviceSid: string;
  readonly friendlyName: string;
  /** What it takes: `*` (every event) or some of the event types, each once, in the order given. */
  readonly eventTypes: readonly ('*' | VerifyEventType)[];
  readonly webhookUrl: string;
  readonly status: 'enabled' | 'disabled';
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What a create or an update may set; absent: unchanged (or the default, on create). */
export interface VerifyWebhookChanges {
  readonly friendlyName?: string | undefined;
  readonly eventTypes?: readonly ('*' | VerifyEventType)[] | undefined;
  readonly webhookUrl?: string | undefined;
  readonly status?: 'enabled' | 'disabled' | undefined;
}

/** Whether a webhook that takes `eventTypes` is told of an event of type `type`. */
export function subscribes(eventTypes: readonly string[], type: VerifyEventType): boolean {
  return eventTypes.includes('*') || eventTypes.includes(type);
}
