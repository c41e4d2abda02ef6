import type { Kysely } from 'kysely';

/**
 * User verification with passkeys (D14, issue 16): each app's setting, and the passkey a device registered
 * with its signature counter. Apps that exist already get `preferred`, whatever their profile: their
 * devices have no passkey yet, and `required` would leave them unable to approve; an operator turns it on
 * with `countersign apps update ID --user-verification required`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('user_verification', 'text', (c) => c.notNull().defaultTo('preferred'))
    .execute();

  await db.schema
    .createTable('device_passkeys')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_passkeys').execute();
  await db.schema.alterTable('apps').dropColumn('user_verification').execute();
}
