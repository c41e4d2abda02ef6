import type { Kysely } from 'kysely';

/**
 * SMS pumping and phone enrollment (issue 13): per-app send budgets and country allow-lists, counted
 * send windows shared by every instance, and the queue of messages a background worker sends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // `null`: the server's default (`COUNTERSIGN_SMS_PER_HOUR`, `…_PER_DAY`), every country.
  await db.schema.alterTable('apps').addColumn('sms_per_hour', 'integer').execute();
  await db.schema.alterTable('apps').addColumn('sms_per_day', 'integer').execute();
  await db.schema.alterTable('apps').addColumn('sms_countries', 'text').execute();

  await db.schema
    .createTable('send_budgets')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('refused_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('send_budgets_pk', ['key', 'window_start'])
    .execute();
  await db.schema.createIndex('send_budgets_expiry').on('send_budgets').column('expires_at').execute();

  await db.schema
    .createTable('message_queue')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'integer', (c) => c.references('apps.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message_ct', 'text', (c) => c.notNull())
    .addColumn('sandbox', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('message_queue_due').on('message_queue').column('next_attempt_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('message_queue').execute();
  await db.schema.dropTable('send_budgets').execute();
  for (const column of ['sms_countries', 'sms_per_day', 'sms_per_hour']) {
    await db.schema.alterTable('apps').dropColumn(column).execute();
  }
}
