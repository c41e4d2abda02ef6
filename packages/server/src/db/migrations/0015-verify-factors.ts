import type { Kysely } from 'kysely';
import { autoId } from '../auto-id.js';

/**
 * Twilio Verify v2 entities, TOTP factors and TOTP challenges (issue 19, fourth part). An entity (`YE…`) is
 * its own record under a service, named by the app's identity for its user; a factor (`YF…`) keeps its TOTP
 * seed sealed under the master key with the factor's SID as context, the last step it accepted (each step
 * once), and its failures and lock (the Authy side's rule); a challenge (`YC…`) records one code checked.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verify_entities')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('service_sid', 'text', (c) =>
      c.notNull().references('verify_services.sid').onDelete('cascade'),
    )
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verify_entities_identity')
    .on('verify_entities')
    .columns(['service_sid', 'identity'])
    .unique()
    .execute();

  await db.schema
    .createTable('verify_factors')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('entity_sid', 'text', (c) => c.notNull().references('verify_entities.sid').onDelete('cascade'))
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('factor_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('seed_ct', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('code_length', 'integer', (c) => c.notNull())
    .addColumn('time_step', 'integer', (c) => c.notNull())
    .addColumn('skew', 'integer', (c) => c.notNull())
    .addColumn('last_step', 'bigint')
    .addColumn('failed_count', 'integer', (c) => c.notNull())
    .addColumn('lock_count', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verify_factors_entity')
    .on('verify_factors')
    .columns(['entity_sid', 'seq'])
    .execute();

  await db.schema
    .createTable('verify_challenges')
    .addColumn('seq', 'integer', autoId(db))
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('entity_sid', 'text', (c) => c.notNull().references('verify_entities.sid').onDelete('cascade'))
    .addColumn('factor_sid', 'text', (c) => c.notNull().references('verify_factors.sid').onDelete('cascade'))
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verify_challenges_entity')
    .on('verify_challenges')
    .columns(['entity_sid', 'seq'])
    .execute();
  await db.schema
    .createIndex('verify_challenges_factor')
    .on('verify_challenges')
    .column('factor_sid')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verify_challenges').execute();
  await db.schema.dropTable('verify_factors').execute();
  await db.schema.dropTable('verify_entities').execute();
}
