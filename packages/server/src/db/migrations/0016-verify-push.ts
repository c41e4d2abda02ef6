import type { Kysely } from 'kysely';
import { autoId } from '../auto-id.js';

/**
 * Twilio Verify v2 push (issue 19, the push half). An entity gets, the first time it needs a device, a user of
 * the app of its own (`user_id`), so that a device enrolled for it answers with the same key, requests and
 * receipts as on the Authy side; an access token (`YK…`) records the single-use enrollment link it carries
 * (by the link's digest only) and the push factor the link's enrollment made; a push factor references its
 * device; a push challenge references the approval request that carries it. A push factor has no seed: its
 * TOTP columns hold `''` and zeros rather than rebuilding `verify_factors` (SQLite cannot drop a NOT NULL).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('verify_entities')
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .alterTable('verify_factors')
    .addColumn('device_id', 'text', (c) => c.references('devices.id').onDelete('cascade'))
    .execute();
  await db.schema
    .alterTable('verify_challenges')
    .addColumn('approval_uuid', 'text', (c) => c.references('approval_requests.uuid').onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('verify_access_tokens')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('entity_sid', 'text', (c) => c.notNull().references('verify_entities.sid').onDelete('cascade'))
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('enrollment_digest', 'text', (c) => c.notNull().unique())
    .addColumn('factor_friendly_name', 'text')
    .addColumn('ttl', 'integer', (c) => c.notNull())
    .addColumn('factor_sid', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verify_access_tokens_entity')
    .on('verify_access_tokens')
    .column('entity_sid')
    .execute();
  await db.schema.createIndex('verify_factors_device').on('verify_factors').column('device_id').execute();
  await db.schema
    .createIndex('verify_challenges_approval')
    .on('verify_challenges')
    .column('approval_uuid')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verify_challenges_approval').execute();
  await db.schema.dropIndex('verify_factors_device').execute();
  await db.schema.dropTable('verify_access_tokens').execute();
  // Push factors and their challenges have no place in 0015's tables.
  await db
    .deleteFrom('verify_factors' as never)
    .where('device_id' as never, 'is not', null)
    .execute();
  await db.schema.alterTable('verify_challenges').dropColumn('approval_uuid').execute();
  await db.schema.alterTable('verify_factors').dropColumn('device_id').execute();
  await db.schema.alterTable('verify_entities').dropColumn('user_id').execute();
}
