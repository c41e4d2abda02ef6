import type { Kysely } from 'kysely';
import { autoId } from '../auto-id.js';

/**
 * Twilio Verify v2 webhooks (issue 19, fifth part). A webhook (`YW…`) of a service names a URL and the event
 * types it takes; its events travel through the callback outbox (`webhook_events`) as the Authy side's do,
 * one row per webhook an event goes to: `webhook_sid` names the webhook and `payload` holds the form fields
 * sent (JSON, without the send time). The Authy side's rows leave both `null`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verify_webhooks')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('service_sid', 'text', (c) =>
      c.notNull().references('verify_services.sid').onDelete('cascade'),
    )
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // A list is a service's webhooks in the order they were made; an event reads its service's webhooks.
  await db.schema
    .createIndex('verify_webhooks_service')
    .on('verify_webhooks')
    .columns(['service_sid', 'seq'])
    .execute();

  await db.schema.alterTable('webhook_events').addColumn('webhook_sid', 'text').execute();
  await db.schema.alterTable('webhook_events').addColumn('payload', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_events').dropColumn('payload').execute();
  await db.schema.alterTable('webhook_events').dropColumn('webhook_sid').execute();
  await db.schema.dropTable('verify_webhooks').execute();
}
