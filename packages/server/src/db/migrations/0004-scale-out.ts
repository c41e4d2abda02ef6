import { type Kysely, sql } from 'kysely';
import { autoId } from '../auto-id.js';

/** Rebuilds the outbox, with or without `seq`, keeping its rows in the order they were written. */
async function rebuildOutbox(db: Kysely<unknown>, withSeq: boolean): Promise<void> {
  let table = db.schema.createTable('outbox_rebuilt');
  table = withSeq
    ? table.addColumn('seq', 'integer', autoId(db)).addColumn('id', 'text', (c) => c.notNull().unique())
    : table.addColumn('id', 'text', (c) => c.primaryKey());
  await table
    .addColumn('app_id', 'integer', (c) => c.references('apps.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('body_ct', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO outbox_rebuilt (id, app_id, channel, recipient, body_ct, created_at)
    SELECT id, app_id, channel, recipient, body_ct, created_at FROM outbox ORDER BY created_at`.execute(db);
  await db.schema.dropTable('outbox').execute();
  await db.schema.alterTable('outbox_rebuilt').renameTo('outbox').execute();
  await db.schema.createIndex('outbox_created').on('outbox').column('created_at').execute();
}

/**
 * Several instances on one database (issue: scale-out): request counts per key and minute, shared by every
 * instance; and an outbox numbered by the database, so "newest last" holds for messages written in the
 * same millisecond or by different instances.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();
  await rebuildOutbox(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rebuildOutbox(db, false);
  await db.schema.dropTable('rate_limits').execute();
}
