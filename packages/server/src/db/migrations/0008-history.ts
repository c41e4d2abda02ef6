import type { Kysely } from 'kysely';

/**
 * A device's history (issue 16): a user's requests newest first, and their pending ones. The index of
 * 0001 starts with the app, so a query by user alone read every request of the table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('approval_requests_user_created')
    .on('approval_requests')
    .columns(['user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('approval_requests_user_created').execute();
}
