import type { Kysely } from 'kysely';

/**
 * An SMS invitation names the queued message that carries its link, so that the message worker's outcome (sent,
 * or given up after its retries) reaches the invitation's counts (issue 20: `enrollments status` counts failed
 * sends, including those that fail after the run that queued them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('enrollment_invitations').addColumn('message_id', 'text').execute();
  await db.schema
    .createIndex('enrollment_invitations_message')
    .on('enrollment_invitations')
    .column('message_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('enrollment_invitations_message').execute();
  await db.schema.alterTable('enrollment_invitations').dropColumn('message_id').execute();
}
