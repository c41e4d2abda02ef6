// Migrations 0013, 0015 and 0016 (issue 19) on both databases: apps made before 0013 get an Account SID each, and
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

describe('migration 0016-verify-push', () => {
  it('adds push factors, push challenges and access tokens; down, a push factor goes and a TOTP one stays (R81)', async () => {
    database = await createTestDatabase();
    store = openDatabase(database.url);
    const steps = migrator(store);
    expect((await steps.migrateToLatest()).error).toBeUndefined();
    const db = store.db;
    await insertApp(store, 'Push Bank');
    const app = await db.selectFrom('apps').select('id').executeTakeFirstOrThrow();
    await sql`insert into users (namespace, country_code, phone, created_at) values ('verify:1', '', 'YE1', 1)`.execute(
      db,
    );
    const user = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    await sql`insert into devices (id, user_id, enrolled_app_id, public_key, name, platform, created_at)
      values ('device-1', ${user.id}, ${app.id}, '{}', 'Phone', 'web', 1)`.execute(db);
    await db
      .insertInto('verify_services')
      .values({
        sid: 'VA1',
        app_id: app.id,
        friendly_name: 'Push Bank',
        code_length: 6,
        lookup_enabled: 0,
        skip_sms_to_landlines: 0,
        do_not_share_warning_enabled: 0,
        custom_code_enabled: 0,
        push_include_date: 0,
        push_apn_credential_sid: null,
        push_fcm_credential_sid: null,
        totp_issuer: null,
        totp_time_step: 30,
        totp_code_length: 6,
        totp_skew: 1,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    const service = { sid: 'VA1' };
    await db
      .insertInto('verify_entities')
      .values({
        sid: 'YE1',
        service_sid: service.sid,
        app_id: app.id,
        identity: 'person-0001',
        user_id: user.id,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    const factor = (sid: string, deviceId: string | null) => ({
      sid,
      entity_sid: 'YE1',
      app_id: app.id,
      friendly_name: sid,
      factor_type: deviceId === null ? 'totp' : 'push',
      status: 'verified',
      seed_ct: deviceId === null ? 'sealed' : '',
      alg: deviceId === null ? 'sha1' : '',
      code_length: deviceId === null ? 6 : 0,
      time_step: deviceId === null ? 30 : 0,
      skew: deviceId === null ? 1 : 0,
      last_step: null,
      failed_count: 0,
      lock_count: 0,
      locked_until: null,
      created_at: 1,
      updated_at: 1,
      device_id: deviceId,
    });
    await db
      .insertInto('verify_factors')
      .values([factor('YF-totp', null), factor('YF-push', 'device-1')])
      .execute();
    await db
      .insertInto('verify_access_tokens')
      .values({
        sid: 'YK1',
        entity_sid: 'YE1',
        app_id: app.id,
        enrollment_digest: 'digest',
        factor_friendly_name: null,
        ttl: 60,
        factor_sid: 'YF-push',
        created_at: 1,
        expires_at: 2,
      })
      .execute();

    const down = await steps.migrateTo('0015-verify-factors');
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1)).toMatchObject({ migrationName: '0016-verify-push', status: 'Success' });
    const left = await sql<{ sid: string }>`select sid from verify_factors order by sid`.execute(db);
    expect(left.rows.map((r) => r.sid)).toEqual(['YF-totp']);
    await expect(sql`select count(*) from verify_access_tokens`.execute(db)).rejects.toThrow();
    await expect(sql`select device_id from verify_factors`.execute(db)).rejects.toThrow();
    expect((await steps.migrateToLatest()).error).toBeUndefined();
    expect(await db.selectFrom('verify_access_tokens').selectAll().execute()).toEqual([]);
    expect(
      (await db.selectFrom('verify_factors').select(['sid', 'device_id']).execute()).map((r) => [
        r.sid,
        r.device_id,
      ]),
    ).toEqual([['YF-totp', null]]);
  });
});
