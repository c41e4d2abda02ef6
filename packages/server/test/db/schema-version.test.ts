import { randomBytes } from 'node:crypto';
import { DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import {
  LATEST_SCHEMA,
  migrateTo,
  migrateToLatest,
  SchemaTooNewError,
  schemaState,
} from '../../src/db/migrate.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let store: Store;
let env: Record<string, string>;

beforeEach(async () => {
  database = await createTestDatabase();
  store = openDatabase(database.url);
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: '0',
  };
});
afterEach(async () => {
  await store.destroy();
  await database.drop();
});

/** The tables, and the versions Kysely recorded: what a command that changes nothing leaves alone. */
async function snapshot() {
  const tables = (await store.db.introspection.getTables()).map((t) => t.name).sort();
  const applied = (
    await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name`.execute(
      store.db,
    )
  ).rows.map((r) => r.name);
  return { tables, applied };
}

describe('schema versions (issue 21, safe upgrades)', () => {
  it('migrate --dry-run on an older schema lists what would be applied, in order, with the rows a heavy migration goes over, and changes nothing', async () => {
    await migrateTo(store, '0007-device-admissions');
    // Three requests for the index 0008 builds over every row, written in the schema of 0007 (the
    // service's types describe the newest one).
    await sql`insert into apps (id, name, profile, number_matching, token_length, webhook_secret_ct, created_at,
      updated_at) values (1, 'Old Bank', 'default', 'off', 7, 'v1.x', 0, 0)`.execute(store.db);
    await sql`insert into users (id, namespace, country_code, phone, created_at)
      values (1, 'live', '1', '5095550100', 0)`.execute(store.db);
    await sql`insert into app_users (app_id, user_id, email, totp_seed_ct, created_at)
      values (1, 1, 'old@example.com', 'v1.x', 0)`.execute(store.db);
    for (const uuid of ['a', 'b', 'c'])
      await sql`insert into approval_requests (uuid, app_id, user_id, message, details, hidden_details_ct,
        seconds_to_expire, status, nonce, created_at, updated_at)
        values (${uuid}, 1, 1, 'Log in', '{}', '', 60, 'expired', 'n', 0, 0)`.execute(store.db);
    const before = await snapshot();
    expect(before.applied.at(-1)).toBe('0007-device-admissions');

    const json = await runCli(['migrate', '--dry-run', '--json'], env);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as {
      current: string;
      latest: string;
      pending: { name: string; summary: string; heavy: { table: string; rows: number; work: string }[] }[];
    };
    expect(plan.current).toBe('0007-device-admissions');
    expect(plan.latest).toBe(LATEST_SCHEMA);
    expect(plan.pending.map((m) => m.name)).toEqual((await schemaState(store)).pending);
    expect(plan.pending[0]).toEqual({
      name: '0008-history',
      summary: "a device's history: requests by user, newest first",
      heavy: [{ table: 'approval_requests', rows: 3, work: 'builds an index over every row' }],
    });
    expect(plan.pending.at(-1)?.name).toBe(LATEST_SCHEMA);

    const text = await runCli(['migrate', '--dry-run'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `Schema: 0007-device-admissions; this countersign knows up to ${LATEST_SCHEMA}.\n` +
        `Would apply ${plan.pending.length} migrations, in this order:\n` +
        "  0008-history: a device's history: requests by user, newest first\n" +
        '    builds an index over every row of approval_requests (3 rows now): the more rows, the longer it ' +
        'takes, and on PostgreSQL writes to the table wait for it\n',
    );
    expect(text.stdout).toMatch(/Nothing was changed \(dry run\)\.\n$/);
    expect(await snapshot()).toEqual(before);

    const applied = await runCli(['migrate', '--json'], env);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toEqual({ applied: plan.pending.map((m) => m.name) });
    const after = await runCli(['migrate', '--dry-run', '--json'], env);
    expect(JSON.parse(after.stdout)).toEqual({ current: LATEST_SCHEMA, latest: LATEST_SCHEMA, pending: [] });
  });

  it('an instance refuses a schema a newer build migrated, naming both versions, and changes nothing', async () => {
    await migrateToLatest(store);
    const future = '9999-from-a-newer-build';
    await sql`insert into ${sql.table(DEFAULT_MIGRATION_TABLE)} (name, timestamp) values (${future}, ${new Date().toISOString()})`.execute(
      store.db,
    );
    const before = await snapshot();
    const refusal =
      `countersign: the database's schema is at version ${future}, newer than this countersign knows ` +
      `(${LATEST_SCHEMA}): a newer countersign migrated it.`;
    for (const args of [['serve'], ['migrate'], ['migrate', '--dry-run'], ['apps', 'list']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(refusal);
      expect(result.stdout).toBe('');
    }
    await expect(migrateToLatest(store)).rejects.toBeInstanceOf(SchemaTooNewError);
    expect(await snapshot()).toEqual(before);
  });
});
