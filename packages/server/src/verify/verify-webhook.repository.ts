import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Random } from '../crypto/random.js';
import type { Store } from '../db/database.js';
import type { Database, VerifyWebhookTable } from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import { twilioTime } from '../lib/twilio-time.js';
import type { VerifyDelivery, VerifyEventOutbox } from '../webhooks/verify-delivery.js';
import type { VerifyEvent } from './verify-event.js';
import type { SeqPage } from './verify-factor.js';
import { subscribes, type VerifyWebhook } from './verify-webhook.js';

type WebhookRow = Selectable<VerifyWebhookTable>;
export type NewWebhookRow = Omit<WebhookRow, 'seq'>;
export type WebhookRowChanges = Omit<
  Updateable<VerifyWebhookTable>,
  'seq' | 'sid' | 'service_sid' | 'app_id' | 'created_at'
>;

const toWebhook = (row: WebhookRow): VerifyWebhook => ({
  sid: row.sid,
  serviceSid: row.service_sid,
  friendlyName: row.friendly_name,
  eventTypes: row.event_types.split(',') as VerifyWebhook['eventTypes'],
  webhookUrl: row.webhook_url,
  status: row.status === 'enabled' ? 'enabled' : 'disabled',
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The body Twilio posts for an event (its Verify webhooks' fields), but `sent_date`, set at each send. */
function fieldsOf(event: VerifyEvent, uuid: string): Record<string, string> {
  const fields: Record<string, string> = {
    uuid,
    type: event.type,
    account_sid: event.accountSid,
    service_sid: event.serviceSid,
    entity_identity: event.identity,
    factor_sid: event.factor.sid,
    factor_type: event.factor.type,
    factor_friendly_name: event.factor.friendlyName,
    created_date: twilioTime(event.at),
  };
  if (event.challenge !== undefined) {
    fields.challenge_sid = event.challenge.sid;
    if (event.challenge.details !== null) fields.challenge_details = JSON.stringify(event.challenge.details);
  }
  return fields;
}

/** The publication that wakes the webhook workers once deliveries are committed; none when none was written. */
const webhooksDue = (count: number): Publication[] =>
  count === 0 ? [] : [{ topic: topics.webhooks, event: { type: 'due' } }];

/**
 * The only code that reads and writes Verify webhooks, and the one way a Verify event reaches them
 * (`recordEvent`). Every statement names the app: another account's SID finds nothing, exactly as an unknown
 * one (D8).
 */
export class VerifyWebhookRepository {
  private readonly db: Kysely<Database>;

  constructor(
    store: Store,
    private readonly outbox: VerifyEventOutbox,
    private readonly random: Random,
  ) {
    this.db = store.db;
  }

  /**
   * Records `event` for every enabled webhook of its service that takes its type, in the transaction `tx` of
   * the change it reports (R50): one delivery each, written to the callback outbox and sent by its worker.
   * Returns what announces them (the workers' wake-up), for the caller's `Store.change` to publish once its
   * transaction commits. Every Verify factor and challenge change that has an event type calls it.
   */
  async recordEvent(tx: Kysely<Database>, event: VerifyEvent): Promise<Publication[]> {
    const rows = await tx
      .selectFrom('verify_webhooks')
      .select(['sid', 'event_types'])
      .where('app_id', '=', event.appId)
      .where('service_sid', '=', event.serviceSid)
      .where('status', '=', 'enabled')
      .orderBy('seq')
      .execute();
    const deliveries: VerifyDelivery[] = rows
      .filter((row) => subscribes(row.event_types.split(','), event.type))
      .map((row) => {
        const id = this.random.uuid();
        return {
          id,
          appId: event.appId,
          webhookSid: row.sid,
          type: event.type,
          subjectSid: event.challenge?.sid ?? event.factor.sid,
          fields: fieldsOf(event, id),
          at: event.at,
        };
      });
    await this.outbox.writeDeliveries(tx, deliveries);
    return webhooksDue(deliveries.length);
  }

  async insert(row: NewWebhookRow): Promise<VerifyWebhook> {
    const inserted = await this.db
      .insertInto('verify_webhooks')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(inserted);
  }

  /** How many webhooks the service has. */
  async count(appId: number, serviceSid: string): Promise<number> {
    const row = await this.db
      .selectFrom('verify_webhooks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(appId: number, serviceSid: string, sid: string): Promise<VerifyWebhook | undefined> {
    const row = await this.db
      .selectFrom('verify_webhooks')
      .selectAll()
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  /** The app's webhook of that SID, whichever its service: what a delivery of the outbox names. */
  async findForDelivery(appId: number, sid: string): Promise<VerifyWebhook | undefined> {
    const row = await this.db
      .selectFrom('verify_webhooks')
      .selectAll()
      .where('app_id', '=', appId)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  async page(
    appId: number,
    serviceSid: string,
    after: number,
    size: number,
  ): Promise<SeqPage<VerifyWebhook>> {
    const rows = await this.db
      .selectFrom('verify_webhooks')
      .selectAll()
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(size + 1)
      .execute();
    const shown = rows.slice(0, size);
    return {
      items: shown.map(toWebhook),
      nextAfter: rows.length > size ? Number(shown.at(-1)?.seq) : undefined,
    };
  }

  async update(
    appId: number,
    serviceSid: string,
    sid: string,
    changes: WebhookRowChanges,
  ): Promise<VerifyWebhook | undefined> {
    const row = await this.db
      .updateTable('verify_webhooks')
      .set(changes)
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('sid', '=', sid)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  /** Turns a webhook off (its receiver answered 410 Gone); an update back to `enabled` turns it on. */
  async disable(appId: number, sid: string, now: number): Promise<void> {
    await this.db
      .updateTable('verify_webhooks')
      .set({ status: 'disabled', updated_at: now })
      .where('app_id', '=', appId)
      .where('sid', '=', sid)
      .execute();
  }

  /** `false`: the service has no such webhook. */
  async remove(appId: number, serviceSid: string, sid: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('verify_webhooks')
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
