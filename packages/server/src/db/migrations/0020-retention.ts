import type { Kysely } from 'kysely';

/**
 * Retention (issue 21): the pruner deletes rows past their age in small batches, oldest first, by the time
 * they were written. Each batch is then a range scan of one of these indexes from its start, whatever the
 * table's length. The outbox has had its own (`outbox_created`) since 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('approval_requests_created')
    .on('approval_requests')
    .column('created_at')
    .execute();
  await db.schema.createIndex('webhook_events_created').on('webhook_events').column('created_at').execute();
  await db.schema.createIndex('security_events_created').on('security_events').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('security_events_created').execute();
  await db.schema.dropIndex('webhook_events_created').execute();
  await db.schema.dropIndex('approval_requests_created').execute();
}
