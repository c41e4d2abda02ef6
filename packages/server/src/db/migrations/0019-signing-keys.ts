import type { Kysely } from 'kysely';

/**
 * The receipt signing keys (issue 21, item 3): every key the service ever signed receipts and audit heads
 * with, so that one can be rotated while the keys before it stay published for an overlap and are kept
 * afterwards for `audit verify`. The key of the highest `generation` signs; `retire_at` is when an older one
 * leaves `/.well-known/jwks.json` (`null`: the signing key). `key_ct` is the key's JWK sealed under the master
 * key: the private key while it signs, its public half once it no longer does.
 *
 * The key kept in `meta` before this table existed becomes generation 1 when an instance first starts on it
 * (the master key is needed to open it, which a migration does not have).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('generation', 'integer', (c) => c.notNull().unique())
    .addColumn('key_ct', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retire_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signing_keys').execute();
}
