// `countersign users import` (issue 20, part 1) against the store a running service uses: what each row
// becomes, every kind of refused row, the dry run, the re-run, and an import that fails half-way — on SQLite
// and PostgreSQL alike.
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { TEST_DIALECT } from '../support/test-database.js';
import {
  cliEnv,
  emailOf,
  everyTable,
  type FileUser,
  importFile,
  phoneOf,
  writeCsv,
  writeJsonl,
} from './import-support.js';

let server: TestServer;
let bank: { id: number; apiKey: string };
let shop: { id: number; apiKey: string };

beforeAll(async () => {
  server = await startTestServer();
  bank = await server.createApp({ name: 'Import Bank' });
  shop = await server.createApp({ name: 'Import Shop' });
});
afterAll(async () => {
  await server?.close();
});

/** Users `from`… of the test's own phone range, with ids `base + i`. */
const fileUsers = (from: number, count: number, base: number): FileUser[] =>
  Array.from({ length: count }, (_, k) => ({
    authy_id: base + from + k,
    email: emailOf(from + k),
    cellphone: phoneOf(from + k),
    country_code: '1',
  }));

async function register(key: string, cellphone: string, email = 'new@example.com'): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email, cellphone, country_code: '1' } },
  });
  expect(response.status).toBe(200);
  return (response.body.user as { id: number }).id;
}

describe('users import writes what users/new writes, with the file’s ids', () => {
  it('each imported row is an identity with the file’s id and a link exactly like a registration’s', async () => {
    const users = fileUsers(0, 3, 4_000_000);
    const { result, report } = await importFile(server, bank.id, writeCsv(server, 'three.csv', users));
    expect(result.code).toBe(0);
    expect(report).toEqual({
      app_id: bank.id,
      dry_run: false,
      written: true,
      rows: 3,
      created: 3,
      linked: 0,
      emails_updated: 0,
      unchanged: 0,
      highest_id: 4_000_002,
      refused: [],
    });
    const registered = await register(bank.apiKey, phoneOf(50), emailOf(50));
    const links = await server.db
      .selectFrom('app_users')
      .innerJoin('users', 'users.id', 'app_users.user_id')
      .selectAll()
      .where('app_users.app_id', '=', bank.id)
      .where('app_users.user_id', 'in', [4_000_000, registered])
      .execute();
    // Everything but the id, the number, the email, the sealed seed and the times is what users/new writes.
    const shape = ({
      id,
      user_id,
      phone,
      email,
      totp_seed_ct,
      created_at,
      ...rest
    }: (typeof links)[number]) => rest;
    const [imported, fresh] = [4_000_000, registered].map((id) => links.find((l) => l.user_id === id));
    if (imported === undefined || fresh === undefined) throw new Error('a link is missing');
    expect(shape(imported)).toEqual(shape(fresh));
    expect(imported).toMatchObject({
      id: 4_000_000,
      phone: '5095550000',
      email: emailOf(0),
      country_code: '1',
    });
    // A seed of its own, sealed for this link: the service opens it.
    const app = await server.app.services.apps.find(bank.id);
    if (app === undefined) throw new Error('no app');
    expect(await server.app.services.users.seed({ appId: bank.id, userId: 4_000_000 })).toMatch(
      /^[0-9a-f]{40}$/,
    );
    // A new registration is numbered above the imported ids.
    expect(registered).toBeGreaterThan(4_000_002);
  });

  it('the same ids and numbers imported for another app link the existing identities (D8); JSON lines read alike', async () => {
    const users = fileUsers(0, 3, 4_000_000);
    users[2] = { ...(users[2] as FileUser), email: 'changed@example.com' };
    const { result, report } = await importFile(server, shop.id, writeJsonl(server, 'three.jsonl', users));
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ written: true, rows: 3, created: 0, linked: 3, refused: [] });
    // users/new from the shop's key gives the same id for the same number.
    expect(await register(shop.apiKey, phoneOf(1))).toBe(4_000_001);
  });

  it('a changed email is set on the existing link, as users/new sets it; nothing else changes', async () => {
    const users = fileUsers(0, 3, 4_000_000);
    users[0] = { ...(users[0] as FileUser), email: 'renamed@example.com' };
    const { report } = await importFile(server, bank.id, writeCsv(server, 'renamed.csv', users));
    expect(report).toMatchObject({ written: true, created: 0, linked: 0, emails_updated: 1, unchanged: 2 });
    const link = await server.db
      .selectFrom('app_users')
      .select('email')
      .where('app_id', '=', bank.id)
      .where('user_id', '=', 4_000_000)
      .executeTakeFirstOrThrow();
    expect(link.email).toBe('renamed@example.com');
  });

  it('a written import is in the audit log with its counts, and no phone number or email', async () => {
    const users = fileUsers(100, 2, 4_100_000);
    await importFile(server, bank.id, writeCsv(server, 'audited.csv', users));
    const listed = await runCli(['audit', 'list', '--action', 'user.import', '--json'], cliEnv(server));
    const [entry] = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      from: 'cli',
      action: 'user.import',
      target_type: 'app',
      target_id: String(bank.id),
      after: {
        file: 'audited.csv',
        rows: 2,
        created: 2,
        linked: 0,
        emails_updated: 0,
        unchanged: 0,
        highest_id: 4_100_101,
      },
    });
    expect(listed.stdout).not.toContain('5550100');
    expect(listed.stdout).not.toContain('555-0100');
    expect(listed.stdout).not.toContain(emailOf(100));
  });
});

describe('users import into a sandbox app', () => {
  it('reads numbers by the sandbox rule, in the app’s own namespace: a live user’s id is another number there', async () => {
    const sandbox = await server.createApp({ name: 'Import Sandbox', profile: 'sandbox' });
    const rows: FileUser[] = [
      { authy_id: 4_700_001, email: 'test@example.com', cellphone: '111-111-1111', country_code: '1' },
      { authy_id: 4_000_000, email: emailOf(0), cellphone: phoneOf(0), country_code: '1' },
    ];
    const { result, report } = await importFile(server, sandbox.id, writeCsv(server, 'sandbox.csv', rows));
    expect(result.code).toBe(1);
    expect(report.refused).toEqual([
      {
        line: 3,
        authy_id: '4000000',
        reason: 'id_bound_to_another_phone',
        message: 'Authy id 4000000 is a phone number of another app’s sandbox or of the live apps',
      },
    ]);
    const alone = await importFile(server, sandbox.id, writeCsv(server, 'sandbox-one.csv', rows.slice(0, 1)));
    expect(alone.report).toMatchObject({ written: true, created: 1 });
    const identity = await server.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 4_700_001)
      .executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ namespace: `sandbox:${sandbox.id}`, phone: '1111111111' });
  });
});

describe('users import is all or nothing, and idempotent', () => {
  it('every kind of refused row is reported by line and reason, never with a full phone number, and nothing is written', async () => {
    const taken = await register(bank.apiKey, phoneOf(200), emailOf(200));
    const rows: FileUser[] = [
      { authy_id: 4_200_001, email: emailOf(201), cellphone: phoneOf(201), country_code: '1' },
      // Columns swapped in an export: the number is in the id column; the report does not echo it.
      { authy_id: '5095550202', email: emailOf(202), cellphone: phoneOf(202), country_code: '1' },
      { authy_id: 4_200_003, email: emailOf(203), cellphone: '12', country_code: '1' },
      { authy_id: 4_200_004, email: emailOf(204), cellphone: phoneOf(204), country_code: '999' },
      { authy_id: 4_200_005, email: 'not an email', cellphone: phoneOf(205), country_code: '1' },
      { authy_id: 4_200_001, email: emailOf(206), cellphone: phoneOf(206), country_code: '1' },
      { authy_id: 4_200_007, email: emailOf(207), cellphone: phoneOf(201), country_code: '+1' },
      { authy_id: taken, email: emailOf(208), cellphone: phoneOf(208), country_code: '1' },
      { authy_id: 4_200_009, email: emailOf(209), cellphone: phoneOf(200), country_code: '1' },
      { authy_id: 4_200_010, email: emailOf(210), cellphone: phoneOf(210), country_code: 'US' },
    ];
    const before = await everyTable(server);
    const { result, report } = await importFile(server, bank.id, writeCsv(server, 'refused.csv', rows));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('countersign: 8 of 10 rows refused: nothing was imported\n');
    // The header is line 1: the file's n-th user is on line n + 1.
    expect(report.refused.map((r) => [r.line, r.authy_id, r.reason])).toEqual([
      [3, null, 'malformed_id'],
      [4, '4200003', 'malformed_phone'],
      [5, '4200004', 'malformed_phone'],
      [6, '4200005', 'malformed_email'],
      [7, '4200001', 'duplicate_in_file'],
      [8, '4200007', 'duplicate_in_file'],
      [9, String(taken), 'id_bound_to_another_phone'],
      [10, '4200009', 'phone_bound_to_another_id'],
    ]);
    expect(report.refused[4]?.message).toBe('line 2 has the same authy_id');
    expect(report.refused[5]?.message).toBe('line 2 has the same phone number +1 XXX-XXX-0201');
    expect(report.refused[6]?.message).toBe(`Authy id ${taken} is the phone number +1 XXX-XXX-0200`);
    expect(report.refused[7]?.message).toBe(`the phone number +1 XXX-XXX-0200 is Authy id ${taken}`);
    expect(report).toMatchObject({ written: false, rows: 10, created: 2 });
    for (const i of [200, 201, 202, 206, 208, 209, 210]) {
      expect(result.stdout).not.toContain(phoneOf(i).replace(/\D/g, '').slice(3));
      expect(result.stdout).not.toContain(phoneOf(i).slice(4));
    }
    expect(await everyTable(server)).toStrictEqual(before);
  });

  it('a dry run reports what the import will do and writes nothing', async () => {
    const users = fileUsers(300, 50, 4_300_000);
    const file = writeCsv(server, 'dry.csv', users);
    const before = await everyTable(server);
    const dry = await importFile(server, bank.id, file, ['--dry-run']);
    expect(dry.result.code).toBe(0);
    expect(await everyTable(server)).toStrictEqual(before);
    expect(dry.report).toEqual({
      app_id: bank.id,
      dry_run: true,
      written: false,
      rows: 50,
      created: 50,
      linked: 0,
      emails_updated: 0,
      unchanged: 0,
      highest_id: 4_300_349,
      refused: [],
    });
    const real = await importFile(server, bank.id, file);
    expect(real.report).toEqual({ ...dry.report, dry_run: false, written: true });
  });

  it('a dry run of a file with refused rows exits 1 with the same report and writes nothing', async () => {
    const users = [...fileUsers(400, 2, 4_400_000), ...fileUsers(400, 1, 4_500_000)];
    const before = await everyTable(server);
    const { result, report } = await importFile(server, bank.id, writeCsv(server, 'dry-bad.csv', users), [
      '--dry-run',
    ]);
    expect(result.code).toBe(1);
    expect(report.refused).toEqual([
      {
        line: 4,
        authy_id: '4500400',
        reason: 'duplicate_in_file',
        message: 'line 2 has the same phone number +1 XXX-XXX-0400',
      },
    ]);
    expect(await everyTable(server)).toStrictEqual(before);
  });

  it('running the same import again changes nothing, the audit log included', async () => {
    const file = writeCsv(server, 'again.csv', fileUsers(500, 40, 4_500_000));
    expect((await importFile(server, bank.id, file)).report).toMatchObject({ written: true, created: 40 });
    const before = await everyTable(server);
    const again = await importFile(server, bank.id, file);
    expect(again.result.code).toBe(0);
    expect(again.report).toMatchObject({
      written: false,
      created: 0,
      linked: 0,
      emails_updated: 0,
      unchanged: 40,
    });
    const told = await runCli(['users', 'import', file, '--app', String(bank.id)], cliEnv(server));
    expect(told).toEqual({
      code: 0,
      stdout: 'Nothing to change: the 40 rows are imported already; highest Authy id 4500539.\n',
      stderr: '',
    });
    expect(await everyTable(server)).toStrictEqual(before);
  });

  it('an import that fails half-way (a constraint violated by a row late in the file) leaves nothing behind', async () => {
    const users = fileUsers(600, 2_000, 4_600_000);
    // A check the database makes on one row near the end of the file, as a constraint would: the import has
    // written the rows before it when the database refuses it.
    const late = 4_600_000 + 600 + 1_900;
    if (TEST_DIALECT === 'sqlite') {
      await sql`create trigger refuse_late before insert on app_users when new.user_id = ${sql.lit(late)}
        begin select raise(abort, 'injected failure'); end`.execute(server.db);
    } else {
      await sql`create function refuse_late() returns trigger language plpgsql as $$
        begin raise exception 'injected failure'; end $$`.execute(server.db);
      await sql`create trigger refuse_late before insert on app_users for each row
        when (new.user_id = ${sql.lit(late)}) execute function refuse_late()`.execute(server.db);
    }
    try {
      const before = await everyTable(server);
      const result = await runCli(
        ['users', 'import', writeCsv(server, 'late.csv', users), '--app', String(bank.id), '--json'],
        cliEnv(server),
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^countersign: the import failed and nothing was imported: .*injected failure\n$/,
      );
      expect(await everyTable(server)).toStrictEqual(before);
    } finally {
      if (TEST_DIALECT === 'sqlite') await sql`drop trigger refuse_late`.execute(server.db);
      else {
        await sql`drop trigger refuse_late on app_users`.execute(server.db);
        await sql`drop function refuse_late()`.execute(server.db);
      }
    }
    // Without the failure, the same file imports whole.
    const { report } = await importFile(server, bank.id, writeCsv(server, 'late-again.csv', users));
    expect(report).toMatchObject({ written: true, created: 2_000 });
  });
});

describe('users import and a registration of one of its numbers by another connection', () => {
  it('a number registered by another connection after the dry run, or while the import runs, fails the import, which leaves nothing behind', async () => {
    const users = fileUsers(3_000, 500, 5_000_000);
    const contested = phoneOf(3_000 + 450).replace(/\D/g, '');
    const file = writeCsv(server, 'contested.csv', users);
    const before = await everyTable(server);
    const ours = { namespace: 'live', country_code: '1', phone: contested, created_at: 1 };
    if (TEST_DIALECT === 'postgres') {
      // The other connection's row is not yet committed when the import reads: the import finds the number
      // free, then waits on that row when it inserts it, and fails once the other transaction commits.
      const other = new pg.Client({ connectionString: server.config.databaseUrl });
      // Another connection watches: a transaction reads pg_stat_activity once and keeps what it read.
      const watcher = new pg.Client({ connectionString: server.config.databaseUrl });
      await other.connect();
      await watcher.connect();
      try {
        await other.query('begin');
        await other.query(
          'insert into users (namespace, country_code, phone, created_at) values ($1, $2, $3, $4)',
          [ours.namespace, ours.country_code, ours.phone, ours.created_at],
        );
        const running = runCli(['users', 'import', file, '--app', String(bank.id), '--json'], cliEnv(server));
        let waiting = false;
        for (let i = 0; i < 400 && !waiting; i++) {
          const { rows } = await watcher.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          waiting = (rows[0] as { n: number }).n > 0;
          if (!waiting) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(waiting).toBe(true);
        await other.query('commit');
        const result = await running;
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(
          /^countersign: the import failed and nothing was imported: .*users_phone/,
        );
        await other.query('delete from users where namespace = $1 and phone = $2', [
          ours.namespace,
          contested,
        ]);
      } finally {
        await other.end();
        await watcher.end();
      }
    } else {
      // One writer at a time: no other connection can write while the import's transaction runs. What can
      // happen is a registration between the dry run and the import: the import reads again in its
      // transaction, finds the number taken, and refuses that row.
      const dry = await importFile(server, bank.id, file, ['--dry-run']);
      expect(dry.report).toMatchObject({ created: 500, refused: [] });
      const other = new SQLite(server.config.databaseUrl.slice('sqlite:'.length));
      try {
        other
          .prepare('insert into users (namespace, country_code, phone, created_at) values (?, ?, ?, ?)')
          .run(ours.namespace, ours.country_code, ours.phone, ours.created_at);
        const { result, report } = await importFile(server, bank.id, file);
        expect(result.code).toBe(1);
        expect(report).toMatchObject({ written: false, created: 499 });
        expect(report.refused).toEqual([
          expect.objectContaining({ line: 452, reason: 'phone_bound_to_another_id' }),
        ]);
        // Gone again, and SQLite's numbering of users with it: the tables are as before.
        other.prepare('delete from users where namespace = ? and phone = ?').run(ours.namespace, contested);
        const seq = (before.sqlite_sequence ?? [])
          .map((row) => JSON.parse(row) as { name: string; seq: number })
          .find((row) => row.name === 'users')?.seq;
        if (seq === undefined) other.prepare("delete from sqlite_sequence where name = 'users'").run();
        else other.prepare("update sqlite_sequence set seq = ? where name = 'users'").run(seq);
      } finally {
        other.close();
      }
    }
    expect(await everyTable(server)).toStrictEqual(before);
  });
});

describe('users import refuses what it cannot read', () => {
  it('a file without one of the four columns is refused before anything is read from the store', async () => {
    const path = `${server.dir}/no-email.csv`;
    (await import('node:fs')).writeFileSync(path, 'authy_id,cellphone,country_code\n1,509-555-0001,1\n');
    const result = await runCli(['users', 'import', path, '--app', String(bank.id)], cliEnv(server));
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'countersign: the file has no column email (it needs authy_id, email, cellphone, country_code)\n',
    });
  });

  it('an unknown app is refused', async () => {
    const result = await runCli(
      ['users', 'import', writeCsv(server, 'none.csv', fileUsers(900, 1, 4_900_000)), '--app', '999999'],
      cliEnv(server),
    );
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'countersign: no app with id 999999\n' });
  });
});
