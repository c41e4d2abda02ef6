import type { Kysely } from 'kysely';

/**
 * Verifications counted per minute (issue 17, the console's Overview): how many TOTP and SMS checks each
 * app had accepted, refused, or refused with a lockout. Nothing else records a verification's outcome; a
 * counter per (app, minute, kind, outcome) is one upsert on the verify path, and small to keep.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verification_counts')
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('verification_counts_pk', ['app_id', 'minute', 'kind', 'outcome'])
    .execute();
  // The Overview reads every app's minutes of a range, and pruning drops the old ones.
  await db.schema
    .createIndex('verification_counts_minute')
    .on('verification_counts')
    .column('minute')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verification_counts').execute();
}
