import type { Kysely } from 'kysely';

/** Devices, their enrollments, signed answers and receipts (issue: devices). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('enrolled_app_id', 'integer', (c) => c.references('apps.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('push_subscription_ct', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();

  await db.schema
    .createTable('enrollments')
    .addColumn('token_digest', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('phone_enrollments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('code_digest', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('device_nonces')
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_nonces_pk', ['device_id', 'nonce'])
    .execute();
  await db.schema.createIndex('device_nonces_expiry').on('device_nonces').column('expires_at').execute();

  await db.schema
    .createTable('security_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('app_id', 'integer')
    .addColumn('user_id', 'integer')
    .addColumn('device_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('security_events_user')
    .on('security_events')
    .columns(['user_id', 'created_at'])
    .execute();

  await db.schema.alterTable('approval_requests').addColumn('app_name', 'text').execute();
  await db.schema.alterTable('approval_requests').addColumn('answer', 'text').execute();
  await db.schema.alterTable('approval_requests').addColumn('device_signature', 'text').execute();
  await db.schema.alterTable('approval_requests').addColumn('receipt', 'text').execute();
  await db.schema.alterTable('app_users').addColumn('push_paused_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('app_users').dropColumn('push_paused_until').execute();
  for (const column of ['receipt', 'device_signature', 'answer', 'app_name']) {
    await db.schema.alterTable('approval_requests').dropColumn(column).execute();
  }
  for (const table of ['security_events', 'device_nonces', 'phone_enrollments', 'enrollments', 'devices']) {
    await db.schema.dropTable(table).execute();
  }
}
