import type { Kysely } from 'kysely';

/**
 * Enrollment invitations (issue 20, part 3; D15): one live link per app and user, so that inviting again
 * replaces the link (a new digest, the old token stops working). Only the token's digest is stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('enrollment_invitations')
    .addColumn('app_id', 'integer', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_digest', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('send_state', 'text', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint')
    .addPrimaryKeyConstraint('enrollment_invitations_pk', ['app_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('enrollment_invitations').execute();
}
