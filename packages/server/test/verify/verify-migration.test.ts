// Migrations 0013 and 0015 (issue 19) on both databases: apps made before 0013 get an Account SID each, and
// each migration goes down and up again (R81).
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import { MIGRATIONS } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase | undefined;
let store: Store | undefined;

afterEach(async () => {
  await store?.destroy();
  await database?.drop();
  store = undefined;
  database = undefined;
});

function migrator(opened: Store): Migrator {
  return new Migrator({ db: opened.db, provider: { getMigrations: async () => MIGRATIONS } });
}

async function insertApp(opened: Store, name: string): Promise<void> {
  await sql`insert into apps (name, profile, number_matching, token_length, webhook_secret_ct, created_at,
    updated_at, user_verification) values (${name}, 'compat', 'off', 7, '', 1, 1, 'preferred')`.execute(
    opened.db,
  );
}

describe('migration 0013-verify', () => {
  it('gives every app made before it its own Account SID, and goes down and up again', async () => {
    database = await createTestDatabase();
    store = openDatabase(database.url);
    const steps = migrator(store);
    expect((await steps.migrateTo('0012-verification-counts')).error).toBeUndefined();
    for (const name of ['Before One', 'Before Two', 'Before Three']) await insertApp(store, name);

    expect((await steps.migrateToLatest()).error).toBeUndefined();
    const sids = (await store.db.selectFrom('apps').select('account_sid').orderBy('id').execute()).map(
      (r) => r.account_sid,
    );
    expect(sids).toHaveLength(3);
    for (const sid of sids) expect(sid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(new Set(sids).size).toBe(3);

    // The SID is unique: a second app cannot take another's.
    await expect(
      sql`update apps set account_sid = ${sids[0]} where account_sid = ${sids[1]}`.execute(store.db),
    ).rejects.toThrow();

    // Down to just before it: the later migrations go first, then 0013 itself.
    const down = await steps.migrateTo('0012-verification-counts');
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1)).toMatchObject({ migrationName: '0013-verify', status: 'Success' });
    expect((await steps.migrateToLatest()).error).toBeUndefined();
    const again = await store.db.selectFrom('verify_services').selectAll().execute();
    expect(again).toEqual([]);
  });
});

describe('migration 0015-verify-factors', () => {
  it('makes the entity, factor and challenge tables, and goes down and up again (R81)', async () => {
    database = await createTestDatabase();
    store = openDatabase(database.url);
    const steps = migrator(store);
    expect((await steps.migrateToLatest()).error).toBeUndefined();
    // Down to just before it (0014 came from another branch and sorts before it).
    const down = await steps.migrateTo('0014-enrollment-invitations');
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1)).toMatchObject({ migrationName: '0015-verify-factors', status: 'Success' });
    await expect(sql`select count(*) from verify_factors`.execute(store.db)).rejects.toThrow();
    expect((await steps.migrateToLatest()).error).toBeUndefined();
    for (const table of ['verify_entities', 'verify_factors', 'verify_challenges'] as const) {
      expect(await store.db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
  });
});
