import type { Kysely } from 'kysely';

/**
 * An app an operator disabled (issue 17, the console): from `disabled_at` on, its API keys are refused as
 * an unknown key is. `null`: the app is in service.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('disabled_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('disabled_at').execute();
}
