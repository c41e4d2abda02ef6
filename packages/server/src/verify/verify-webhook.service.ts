import { isIP } from 'node:net';
import type { App } from '../apps/app.js';
import type { Random } from '../crypto/random.js';
import { invalidTwilioParameter } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import {
  addressAllowed,
  checkCallbackUrl,
  type EgressAllowList,
  EgressRefused,
} from '../webhooks/ssrf-guard.js';
import type { VerifyService } from './verify-service.js';
import { notFound } from './verify-service.service.js';
import { newSid } from './verify-sid.js';
import type { VerifyWebhook, VerifyWebhookChanges } from './verify-webhook.js';
import type { VerifyWebhookRepository, WebhookRowChanges } from './verify-webhook.repository.js';

/**
 * The most webhooks a service holds: each event is written once per webhook that takes it, so the number
 * bounds what one change writes.
 */
export const MAX_WEBHOOKS_PER_SERVICE = 10;
/** The longest `WebhookUrl` taken. */
const MAX_URL_LENGTH = 2048;

export interface VerifyWebhookServiceOptions {
  readonly repository: VerifyWebhookRepository;
  readonly random: Random;
  readonly clock: Clock;
  /** The operator's egress allow-list (`COUNTERSIGN_WEBHOOK_ALLOW`): what a URL's literal address may be. */
  readonly allow: EgressAllowList;
}

/**
 * Verify v2 webhooks of a service (issue 19): made, read, changed and removed by the app over `/v2`, and read
 * by the webhook worker for each delivery. A URL is checked as the Authy side's callback URLs are (R52):
 * http(s), no credentials, and an address written in it must be one the worker may call; the worker checks
 * the resolved address again at every send.
 */
export class VerifyWebhooks {
  constructor(private readonly options: VerifyWebhookServiceOptions) {}

  private get repository() {
    return this.options.repository;
  }

  async create(
    app: App,
    service: VerifyService,
    input: Required<Omit<VerifyWebhookChanges, 'status'>> & Pick<VerifyWebhookChanges, 'status'>,
  ): Promise<VerifyWebhook> {
    const url = this.checkUrl(input.webhookUrl);
    if ((await this.repository.count(app.id, service.sid)) >= MAX_WEBHOOKS_PER_SERVICE) {
      throw invalidTwilioParameter(
        'WebhookUrl',
        `a service has at most ${MAX_WEBHOOKS_PER_SERVICE} webhooks: remove one first`,
      );
    }
    const now = this.options.clock.now();
    return this.repository.insert({
      sid: newSid('YW', this.options.random),
      service_sid: service.sid,
      app_id: app.id,
      friendly_name: input.friendlyName,
      event_types: eventTypesColumn(input.eventTypes),
      webhook_url: url,
      status: input.status ?? 'enabled',
      created_at: now,
      updated_at: now,
    });
  }

  /** The service's webhook, or Twilio's 404. */
  async fetch(app: App, service: VerifyService, sid: string): Promise<VerifyWebhook> {
    const webhook = await this.repository.find(app.id, service.sid, sid);
    if (webhook === undefined) throw notFound(`/Services/${service.sid}/Webhooks/${sid}`);
    return webhook;
  }

  page(app: App, service: VerifyService, after: number, size: number) {
    return this.repository.page(app.id, service.sid, after, size);
  }

  async update(
    app: App,
    service: VerifyService,
    sid: string,
    changes: VerifyWebhookChanges,
  ): Promise<VerifyWebhook> {
    const set: WebhookRowChanges = { updated_at: this.options.clock.now() };
    if (changes.friendlyName !== undefined) set.friendly_name = changes.friendlyName;
    if (changes.eventTypes !== undefined) set.event_types = eventTypesColumn(changes.eventTypes);
    if (changes.webhookUrl !== undefined) set.webhook_url = this.checkUrl(changes.webhookUrl);
    if (changes.status !== undefined) set.status = changes.status;
    const updated = await this.repository.update(app.id, service.sid, sid, set);
    if (updated === undefined) throw notFound(`/Services/${service.sid}/Webhooks/${sid}`);
    return updated;
  }

  async remove(app: App, service: VerifyService, sid: string): Promise<void> {
    if (!(await this.repository.remove(app.id, service.sid, sid))) {
      throw notFound(`/Services/${service.sid}/Webhooks/${sid}`);
    }
  }

  /** Where a delivery to the app's webhook `sid` goes, if the webhook still exists (for the worker). */
  async target(appId: number, sid: string): Promise<{ url: string; enabled: boolean } | undefined> {
    const webhook = await this.repository.findForDelivery(appId, sid);
    return webhook === undefined
      ? undefined
      : { url: webhook.webhookUrl, enabled: webhook.status === 'enabled' };
  }

  /** Its receiver answered 410 Gone: the webhook is disabled until the app enables it again. */
  disable(appId: number, sid: string, now: number): Promise<void> {
    return this.repository.disable(appId, sid, now);
  }

  /** The URL as stored, or 400 / 60200 naming what is wrong with it. */
  private checkUrl(text: string): string {
    const refuse = (problem: string) => invalidTwilioParameter('WebhookUrl', problem);
    if (text.length > MAX_URL_LENGTH) throw refuse(`at most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refuse('not a URL');
    }
    try {
      checkCallbackUrl(url);
    } catch (error) {
      if (error instanceof EgressRefused) throw refuse(error.message);
      throw error;
    }
    // A name is resolved and checked at every send (a name's addresses change); an address can be judged now.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !addressAllowed(literal, literal, this.options.allow)) {
      throw refuse(`callbacks are not sent to ${literal}`);
    }
    return url.toString();
  }
}

/** The event types as stored: each once, in the order given. */
function eventTypesColumn(types: readonly string[]): string {
  return [...new Set(types)].join(',');
}
