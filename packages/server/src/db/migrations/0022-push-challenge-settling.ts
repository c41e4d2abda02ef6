import { type Kysely, sql } from 'kysely';

/**
 * The push challenges still to settle (issue 19): the sweeper of every instance looks for them several times a
 * second, so they are indexed apart from the TOTP challenges, which are never settled this way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('verify_challenges_unsettled_push')
    .on('verify_challenges')
    .column('seq')
    .where(sql.ref('status'), '=', 'pending')
    .where(sql.ref('approval_uuid'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verify_challenges_unsettled_push').execute();
}
