import type { Kysely } from 'kysely';

/**
 * Sealed values name the key that sealed them (`v2.<key id>.…`, D16), which a build before this schema cannot
 * open: no table changes, but the schema's version moves so that such a build refuses this store at start
 * (`SchemaTooNewError`) instead of failing on the values it cannot read. The rotation's state is kept in `meta`.
 */
export async function up(_db: Kysely<unknown>): Promise<void> {}

/** Nothing to undo in the tables; values already sealed as `v2` stay so, and a build before 0018 opens none of them. */
export async function down(_db: Kysely<unknown>): Promise<void> {}
