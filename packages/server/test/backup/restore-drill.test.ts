// Issue 21, "What must show that it works": the restore drill. A service serves creates and device answers;
// `countersign backup` copies its store under that load; `countersign restore` puts the copy into a new store;
// a service started on it has every committed request, user, device and app key. Both databases.
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { SchemaTooNewError, schemaStateOf } from '../../src/db/migrate.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';

/** The harness's master key, and another. */
const KEY = 'a'.repeat(32) + 'b'.repeat(32);
const WRONG_KEY = 'c'.repeat(64);

const envOf = (database: { url: string }, masterKey = KEY) => ({
  DATABASE_URL: database.url,
  COUNTERSIGN_MASTER_KEY: masterKey,
  PATH: process.env.PATH ?? '/usr/bin:/bin',
});

/** RFC 4648 base32, as the device receives its TOTP secret. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => Number.parseInt(byte, 2)));
}

/** RFC 6238 (HMAC-SHA-1, 30-second steps, RFC 4226 truncation), written here apart from the service's. */
function rfc6238(secret: string, digits: number, at: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

interface Made {
  uuid: string;
  userId: number;
  answered: boolean;
}

describe(`the restore drill (${TEST_DIALECT})`, () => {
  let dir: string;
  let source: TestServer;
  let restoredDb: TestDatabase;
  let restored: TestServer | undefined;
  const keys: string[] = [];
  const users: { id: number; device: TestDevice }[] = [];
  const made: Made[] = [];
  /** Creates sent, answered or not: a request may be committed before its response arrives. */
  let sent = 0;
  let committed: Made[] = [];
  let backup: Record<string, unknown>;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-drill-'));
    file = join(dir, TEST_DIALECT === 'sqlite' ? 'countersign.backup.db' : 'countersign.dump');
    source = await startTestServer();
    restoredDb = await createTestDatabase();
    for (const name of ['Drill Bank', 'Drill Shop']) keys.push((await source.createApp({ name })).apiKey);
    for (let i = 0; i < 3; i += 1) {
      const registered = await call(source, 'POST', '/protected/json/users/new', {
        key: keys[0],
        json: { user: { email: `drill${i}@example.com`, cellphone: `20155540${i}0`, country_code: 1 } },
      });
      const id = (registered.body.user as { id: number }).id;
      const link = await call(source, 'POST', `/protected/json/users/${id}/enrollments`, { key: keys[0] });
      users.push({ id, device: await enrollWithLink(source, (link.body.enrollment as { url: string }).url) });
    }
  }, 60_000);

  afterAll(async () => {
    await restored?.close();
    await source?.close();
    await restoredDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One request created and answered by its user's device; recorded as each step's response arrives. */
  async function createAndAnswer(n: number): Promise<void> {
    const user = users[n % users.length] as (typeof users)[number];
    sent += 1;
    const created = await call(source, 'POST', `/onetouch/json/users/${user.id}/approval_requests`, {
      key: keys[0],
      json: { message: `Transfer $${n} to bob@example.com`, seconds_to_expire: 3600 },
    });
    expect(created.status, created.text).toBe(200);
    const record = {
      uuid: (created.body.approval_request as { uuid: string }).uuid,
      userId: user.id,
      answered: false,
    };
    made.push(record);
    const pending = (await deviceCall(source, user.device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    const request = pending.find((p) => p.uuid === record.uuid) as PendingRequest;
    const answer = await deviceCall(
      source,
      user.device,
      'POST',
      `/device/v1/requests/${record.uuid}/answer`,
      answerFor(user.device, request, 'approved'),
    );
    expect(answer.body).toEqual({ status: 'approved', success: true });
    record.answered = true;
  }

  it('backs up under load: creates and answers run while the copy is made, and the copy counts one state', async () => {
    let stop = false;
    // Three clients, each creating and answering in turn, at most 300 requests each.
    const load = Promise.all(
      [0, 1, 2].map(async (client) => {
        for (let i = 0; i < 300 && !stop; i += 1) await createAndAnswer(client + 3 * i);
      }),
    );
    await expect
      .poll(() => made.filter((m) => m.answered).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(15);
    // What was committed, and answered, before the backup began.
    committed = made.map((m) => ({ ...m }));
    const result = await runCli(['backup', file, '--json'], envOf({ url: source.config.databaseUrl }));
    const sentBy = sent;
    stop = true;
    await load;

    expect(result.stderr).toBe(
      "countersign: the backup is useless without the master key, which it does not hold: this store's key comes from the environment variable COUNTERSIGN_MASTER_KEY. Keep a copy of the key apart from the backups (whoever holds both holds every secret in them).\n",
    );
    expect(result.code).toBe(0);
    backup = JSON.parse(result.stdout) as Record<string, unknown>;
    const rows = backup.rows as Record<string, number>;
    expect(backup).toMatchObject({
      file,
      dialect: TEST_DIALECT,
      schema_version: expect.stringMatching(/^\d{4}-/),
      master_key: { in_backup: false, opens_backup: true, source: 'COUNTERSIGN_MASTER_KEY' },
    });
    expect(backup.bytes).toBe(readFileSync(file).length);
    expect(rows).toMatchObject({ apps: 2, api_keys: 2, users: 3, app_users: 3, devices: 3 });
    // The snapshot holds every request committed before it began, and none sent after it ended.
    expect(rows.approval_requests).toBeGreaterThanOrEqual(committed.length);
    expect(rows.approval_requests).toBeLessThanOrEqual(sentBy);
  });

  it('refuses to write over an existing file, leaving it as it was', async () => {
    const before = readFileSync(file);
    const result = await runCli(['backup', file, '--json'], envOf({ url: source.config.databaseUrl }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').at(-2)).toBe(
      `countersign: ${file} exists: a backup never writes over a file; name a new one`,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('says so when the configured master key does not open the backup it made', async () => {
    const other = join(dir, TEST_DIALECT === 'sqlite' ? 'other-key.db' : 'other-key.dump');
    const result = await runCli(
      ['backup', other, '--json'],
      envOf({ url: source.config.databaseUrl }, WRONG_KEY),
    );
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').at(-2)).toBe(
      "countersign: warning: the configured master key (from the environment variable COUNTERSIGN_MASTER_KEY) is not this store's key: it does not open the backup. Find the key the service runs with, and keep that one.",
    );
    expect((JSON.parse(result.stdout) as { master_key: unknown }).master_key).toEqual({
      in_backup: false,
      opens_backup: false,
      source: 'COUNTERSIGN_MASTER_KEY',
    });
    rmSync(other);
  });

  it('restores into an empty store, checking that every sealed value opens under the master key', async () => {
    const result = await runCli(['restore', file, '--json'], envOf(restoredDb));
    expect(result.stderr).toBe(
      'countersign: a backup opens only under the master key it was made with; the key comes from the environment variable COUNTERSIGN_MASTER_KEY.\n',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      file,
      dialect: TEST_DIALECT,
      restored: true,
      schema_version: backup.schema_version,
      rows: backup.rows,
    });
    const sealed = report.sealed as {
      places: { place: string; values: number; unopened: number }[];
      unopened: number;
    };
    expect(sealed.unopened).toBe(0);
    expect(Object.fromEntries(sealed.places.map((p) => [p.place, p.values]))).toMatchObject({
      meta: 3,
      'signing_keys.key_ct': 1,
      'api_keys.key_ct': 2,
      'apps.webhook_secret_ct': 2,
      'app_users.totp_seed_ct': 3,
    });
  });

  it('a service on the restored store has every committed request, user, device and app key; TOTP codes verify', async () => {
    restored = await startTestServer({ database: restoredDb });
    for (const key of keys) {
      expect((await call(restored, 'GET', '/protected/json/app/details', { key })).status).toBe(200);
    }
    for (const m of committed) {
      const status = await call(restored, 'GET', `/onetouch/json/approval_requests/${m.uuid}`, {
        key: keys[0],
      });
      expect(status.status, m.uuid).toBe(200);
      const state = (status.body.approval_request as { status: string }).status;
      // Answered before the backup began: approved in it. In flight then: either state it had.
      if (m.answered) expect(state, m.uuid).toBe('approved');
      else expect(['pending', 'approved'], m.uuid).toContain(state);
    }
    for (const { id, device } of users) {
      const status = await call(restored, 'GET', `/protected/json/users/${id}/status`, { key: keys[0] });
      expect(status.status).toBe(200);
      // The device's key is there: its signed calls are accepted.
      expect((await deviceCall(restored, device, 'GET', '/device/v1/requests')).status).toBe(200);
      const account = device.accounts[0] as TestDevice['accounts'][number];
      const code = rfc6238(account.totp.secret, account.totp.digits, Date.now());
      const verified = await call(restored, 'GET', `/protected/json/verify/${code}/${id}`, { key: keys[0] });
      expect(verified.body).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
    }
  });

  it('refuses a store that is not empty, and changes nothing', async () => {
    const before = await restored?.db
      .selectFrom('approval_requests')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    const result = await runCli(['restore', file], envOf(restoredDb));
    expect(result.code).toBe(1);
    const where =
      TEST_DIALECT === 'sqlite' ? restoredDb.url.slice('sqlite:'.length) : 'the database of DATABASE_URL';
    expect(result.stderr.split('\n').at(-2)).toMatch(
      new RegExp(
        `^countersign: ${where.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not empty \\(\\d+ tables, such as [a-z_, ]+\\): a restore goes into an empty store only, and nothing was changed\\. Point DATABASE_URL at a new database\\.$`,
      ),
    );
    const after = await restored?.db
      .selectFrom('approval_requests')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(after).toEqual(before);
  });

  it('under another master key, names every place whose values do not open, and fails', async () => {
    const target = await createTestDatabase();
    try {
      const result = await runCli(['restore', file, '--json'], envOf(target, WRONG_KEY));
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as {
        restored: boolean;
        sealed: { places: { place: string; values: number; unopened: number }[] };
      };
      const rows = backup.rows as Record<string, number>;
      expect(report.restored).toBe(TEST_DIALECT === 'postgres');
      // Every value of every place fails: none was sealed under this key.
      for (const place of report.sealed.places) expect(place.unopened, place.place).toBe(place.values);
      expect(report.sealed.places.filter((p) => p.values > 0).map((p) => p.place)).toEqual(
        expect.arrayContaining([
          'meta',
          'app_users.totp_seed_ct',
          'api_keys.key_ct',
          'apps.webhook_secret_ct',
        ]),
      );
      const error = result.stderr.split('\n').at(-2) as string;
      expect(error).toContain(
        `sealed values of the backup do not open under the configured master key: meta (3 of 3), app_users.totp_seed_ct (${rows.app_users} of ${rows.app_users}), api_keys.key_ct (2 of 2), apps.webhook_secret_ct (2 of 2), signing_keys.key_ct (1 of 1)`,
      );
      // SQLite checks the copy before putting it in place: the target stays empty.
      if (TEST_DIALECT === 'sqlite') expect(await target.isEmpty()).toBe(true);
      else expect(error).toMatch(/The database now holds the restored copy/);
    } finally {
      await target.drop();
    }
  });

  it('refuses a backup of a schema newer than this build, as migrate does, and changes nothing', async () => {
    const newer = await createTestDatabase();
    const target = await createTestDatabase();
    try {
      const store = openDatabase(newer.url);
      await runCli(['migrate'], envOf(newer));
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
        store.db,
      );
      await store.destroy();
      const newerFile = join(dir, TEST_DIALECT === 'sqlite' ? 'newer.db' : 'newer.dump');
      expect((await runCli(['backup', newerFile], envOf(newer))).code).toBe(0);
      const result = await runCli(['restore', newerFile], envOf(target));
      expect(result.code).toBe(1);
      const state = schemaStateOf([
        ...Object.keys((await import('../../src/db/migrate.js')).MIGRATIONS),
        '9999-from-the-future',
      ]);
      expect(result.stderr.split('\n').at(-2)).toBe(`countersign: ${new SchemaTooNewError(state).message}`);
      expect(await target.isEmpty()).toBe(true);
      expect(existsSync(newerFile)).toBe(true);
    } finally {
      await newer.drop();
      await target.drop();
    }
  });
  if (TEST_DIALECT === 'postgres') {
    it('without pg_dump on PATH, says so and names the alternative, writing nothing', async () => {
      const missing = join(dir, 'no-pg-dump.dump');
      const result = await runCli(['backup', missing], {
        ...envOf({ url: source.config.databaseUrl }),
        PATH: join(dir, 'nothing-here'),
      });
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n').at(-2)).toBe(
        'countersign: pg_dump is not on PATH: install it, or back up PostgreSQL with the server\'s own means instead: base backups (pg_basebackup) and WAL archiving (point-in-time recovery), as the README\'s "Backups" section describes',
      );
      expect(existsSync(missing)).toBe(false);
    });
  } else {
    it('refuses to back up a SQLite file that does not exist, creating none', async () => {
      const absent = join(dir, 'absent.db');
      const result = await runCli(
        ['backup', join(dir, 'absent.backup.db')],
        envOf({ url: `sqlite:${absent}` }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n').at(-2)).toBe(
        `countersign: there is no database at ${absent} (DATABASE_URL)`,
      );
      expect(existsSync(absent)).toBe(false);
      expect(existsSync(join(dir, 'absent.backup.db'))).toBe(false);
    });
  }
});
