import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { autoId } from '../auto-id.js';

/**
 * The Twilio Verify v2 surface (issue 19, first slice). Each app gets an Account SID (`AC` + 32 hex), the
 * Basic-auth user name of `/v2`; apps made before this migration get theirs here, so that every app has
 * one. Verify services (`VA…`) belong to one app; their verifications (`VE…`) keep the code as a peppered
 * HMAC only (R66), and every code sent is a row of `verify_sends`, which the per-number send limit counts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('account_sid', 'text').execute();
  const apps = await sql<{ id: number }>`select id from apps`.execute(db);
  for (const app of apps.rows) {
    const sid = `AC${randomBytes(16).toString('hex')}`;
    await sql`update apps set account_sid = ${sid} where id = ${app.id}`.execute(db);
  }
  await db.schema.createIndex('apps_account_sid').on('apps').column('account_sid').unique().execute();

  await db.schema
    .createTable('verify_services')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('code_length', 'integer', (c) => c.notNull())
    .addColumn('lookup_enabled', 'integer', (c) => c.notNull())
    .addColumn('skip_sms_to_landlines', 'integer', (c) => c.notNull())
    .addColumn('do_not_share_warning_enabled', 'integer', (c) => c.notNull())
    .addColumn('custom_code_enabled', 'integer', (c) => c.notNull())
    .addColumn('push_include_date', 'integer', (c) => c.notNull())
    .addColumn('push_apn_credential_sid', 'text')
    .addColumn('push_fcm_credential_sid', 'text')
    .addColumn('totp_issuer', 'text')
    .addColumn('totp_time_step', 'integer', (c) => c.notNull())
    .addColumn('totp_code_length', 'integer', (c) => c.notNull())
    .addColumn('totp_skew', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // A list is an app's services in the order they were made.
  await db.schema
    .createIndex('verify_services_app')
    .on('verify_services')
    .columns(['app_id', 'seq'])
    .execute();

  await db.schema
    .createTable('verify_verifications')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('service_sid', 'text', (c) =>
      c.notNull().references('verify_services.sid').onDelete('cascade'),
    )
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('code_digest', 'text', (c) => c.notNull())
    .addColumn('checks', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // The pending verification of a number in a service: found by `To` on every check.
  await db.schema
    .createIndex('verify_verifications_to')
    .on('verify_verifications')
    .columns(['service_sid', 'recipient', 'created_at'])
    .execute();

  await db.schema
    .createTable('verify_sends')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('verification_sid', 'text', (c) =>
      c.notNull().references('verify_verifications.sid').onDelete('cascade'),
    )
    .addColumn('service_sid', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verify_sends_to')
    .on('verify_sends')
    .columns(['service_sid', 'recipient', 'sent_at'])
    .execute();
  await db.schema
    .createIndex('verify_sends_verification')
    .on('verify_sends')
    .column('verification_sid')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verify_sends').execute();
  await db.schema.dropTable('verify_verifications').execute();
  await db.schema.dropTable('verify_services').execute();
  await db.schema.dropIndex('apps_account_sid').execute();
  await db.schema.alterTable('apps').dropColumn('account_sid').execute();
}
