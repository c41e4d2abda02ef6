import type { Kysely } from 'kysely';
import { autoId } from '../auto-id.js';

/** The first schema. Written once for SQLite and PostgreSQL alike: no dialect-only types. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('number_matching', 'text', (c) => c.notNull())
    .addColumn('token_length', 'integer', (c) => c.notNull())
    .addColumn('callback_url', 'text')
    .addColumn('webhook_secret_ct', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('key_ct', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_app').on('api_keys').column('app_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('users_phone', ['namespace', 'country_code', 'phone'])
    .execute();

  await db.schema
    .createTable('app_users')
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('totp_seed_ct', 'text', (c) => c.notNull())
    .addColumn('totp_last_step', 'bigint')
    .addColumn('totp_confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lock_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_users_pk', ['app_id', 'user_id'])
    .execute();
  await db.schema.createIndex('app_users_user').on('app_users').column('user_id').execute();

  await db.schema
    .createTable('otp_codes')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('code_digest', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint(
      'otp_codes_app_user',
      ['app_id', 'user_id'],
      'app_users',
      ['app_id', 'user_id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('otp_codes_lookup')
    .on('otp_codes')
    .columns(['app_id', 'user_id', 'action', 'state'])
    .execute();
  await db.schema
    .createIndex('otp_codes_recent')
    .on('otp_codes')
    .columns(['app_id', 'user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('approval_requests')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('hidden_details_ct', 'text', (c) => c.notNull())
    .addColumn('logos', 'text')
    .addColumn('seconds_to_expire', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('number_match', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('device_id', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('approval_requests_user')
    .on('approval_requests')
    .columns(['app_id', 'user_id', 'status'])
    .execute();
  await db.schema
    .createIndex('approval_requests_expiry')
    .on('approval_requests')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('phone_verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('code_digest', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('phone_verifications_lookup')
    .on('phone_verifications')
    .columns(['app_id', 'country_code', 'phone', 'state'])
    .execute();

  await db.schema
    .createTable('activities')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('user_ip', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint(
      'activities_app_user',
      ['app_id', 'user_id'],
      'app_users',
      ['app_id', 'user_id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'integer', (c) => c.references('apps.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('body_ct', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_created').on('outbox').column('created_at').execute();

  await db.schema
    .createTable('usage_monthly')
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('api_calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('auths', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('users', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_monthly_pk', ['app_id', 'year', 'month'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'usage_monthly',
    'outbox',
    'activities',
    'phone_verifications',
    'approval_requests',
    'otp_codes',
    'app_users',
    'users',
    'api_keys',
    'apps',
    'meta',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
