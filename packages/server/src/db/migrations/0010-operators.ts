import type { Kysely } from 'kysely';

/**
 * The console's operators (issue 17, item 1): who they are, their one-time setup links, their passkeys,
 * their recovery codes, their sessions, and the WebAuthn challenges handed out and not yet used. Secrets
 * (setup tokens, session ids, recovery codes) are kept only as HMAC digests under the service's pepper.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('signed_in_at', 'bigint')
    .execute();
  await db.schema
    .createTable('operator_setup_links')
    .addColumn('token_digest', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('operator_setup_links_operator')
    .on('operator_setup_links')
    .column('operator_id')
    .execute();
  await db.schema
    .createTable('operator_passkeys')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('operator_passkeys_operator')
    .on('operator_passkeys')
    .column('operator_id')
    .execute();
  await db.schema
    .createTable('operator_recovery_codes')
    .addColumn('code_digest', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('operator_recovery_codes_operator')
    .on('operator_recovery_codes')
    .column('operator_id')
    .execute();
  await db.schema
    .createTable('operator_sessions')
    .addColumn('id_digest', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('fresh_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('operator_sessions_operator')
    .on('operator_sessions')
    .column('operator_id')
    .execute();
  await db.schema
    .createTable('operator_challenges')
    .addColumn('challenge', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'operator_challenges',
    'operator_sessions',
    'operator_recovery_codes',
    'operator_passkeys',
    'operator_setup_links',
    'operators',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
