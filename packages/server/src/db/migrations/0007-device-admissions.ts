import type { Kysely } from 'kysely';

/**
 * Adding a device from one the user holds (issue 16, item 3a): the holding device opens an admission with
 * a one-time link (only its token's digest is kept), a new device claims it with its own new key, and the
 * holding device's signed approval creates the new device, for the holding device's user and app.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_admissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_digest', 'text', (c) => c.notNull().unique())
    .addColumn('holder_device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('enrolled_app_id', 'integer', (c) => c.references('apps.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('new_device_id', 'text')
    .addColumn('new_public_key', 'text')
    .addColumn('new_name', 'text')
    .addColumn('new_platform', 'text')
    .addColumn('claimed_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('approval', 'text')
    .addColumn('approval_signature', 'text')
    .execute();
  await db.schema
    .createIndex('device_admissions_holder')
    .on('device_admissions')
    .column('holder_device_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_admissions').execute();
}
