// The README's "Moving from Authy" export commands, run as written against an app's own table on PostgreSQL
// (psql's \copy) and MySQL (MariaDB's client), and their files imported by `countersign users import`: what an
// operator copies from the README works, tricky emails included (issue 20, part 4). They need the `psql` and
// `mysql` clients and a MySQL server on the default socket, which `npm test` alone does not: they run when
// COUNTERSIGN_TEST_EXPORT_CLIENTS=1 (`.ci/run` sets it), and then a missing client or server fails them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { adminQuery, createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';
import { importFile } from './import-support.js';

const run = promisify(execFile);
const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

/** The README's shell line that follows `# <label>` in the export example, continuation lines joined. */
function readmeCommand(label: string): string {
  const block = /\*\*1\. Export the users\.\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1];
  if (block === undefined) throw new Error('the README has no export example');
  const lines = block.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`# ${label}`));
  if (at < 0) throw new Error(`no "# ${label}" in the README's export example`);
  const command: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('#')) continue;
    command.push(line);
    if (!line.endsWith('\\') && !/"[^"]*$/.test(command.join('\n').replace(/"[^"]*"/g, ''))) break;
  }
  return command.join('\n');
}

/** An app's users as its own table holds them: odd emails, numbers as people type them, one never on Authy. */
const APP_USERS = [
  { authy_id: 9_100_001, email: 'plain@example.com', phone: '(509) 555-0141', country_code: '1' },
  { authy_id: 9_100_002, email: '"quoted,comma"@example.com', phone: '509.555.0142', country_code: '+1' },
  { authy_id: 9_100_003, email: "o'brien+tag@example.co.uk", phone: '020 7946 0143', country_code: '44' },
  { authy_id: 9_100_004, email: 'zoë@example.com', phone: '5095550144', country_code: 'US' },
] as const;
const NOT_ON_AUTHY = { email: 'new@example.com', phone: '5095550145', country_code: '1' };

const CLIENTS = process.env.COUNTERSIGN_TEST_EXPORT_CLIENTS === '1';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** Imports `file` (dry run, then for real) and checks every user arrived with its id and exact email. */
async function importsEveryUser(file: string): Promise<void> {
  const app = await server.createApp({ name: 'Exported Bank' });
  const dry = await importFile(server, app.id, file, ['--dry-run']);
  expect(dry.result.code, dry.result.stderr).toBe(0);
  expect(dry.report).toMatchObject({ rows: APP_USERS.length, refused: [], written: false });
  const real = await importFile(server, app.id, file);
  expect(real.result.code, real.result.stderr).toBe(0);
  expect(real.report).toMatchObject({ rows: APP_USERS.length, refused: [], written: true });
  const stored = await server.db
    .selectFrom('app_users')
    .select(['user_id', 'email'])
    .where('app_id', '=', app.id)
    .orderBy('user_id')
    .execute();
  expect(stored.map((r) => ({ id: Number(r.user_id), email: r.email }))).toEqual(
    APP_USERS.map((u) => ({ id: u.authy_id, email: u.email })),
  );
}

describe('the README’s export commands (Moving from Authy, step 1)', () => {
  let source: TestDatabase | undefined;
  afterAll(async () => {
    await source?.drop();
  });

  it.runIf(CLIENTS && TEST_DIALECT === 'postgres')(
    'psql \\copy writes a CSV that imports every user as stored',
    async () => {
      source = await createTestDatabase('postgres');
      const url = source.url;
      const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
      await adminQuery(
        'create table users (email text, phone text, country_code text, authy_id bigint)',
        url,
      );
      for (const u of [...APP_USERS, { ...NOT_ON_AUTHY, authy_id: null }])
        await adminQuery(
          `insert into users values (${quote(u.email)}, ${quote(u.phone)}, ${quote(u.country_code)}, ${u.authy_id ?? 'null'})`,
          url,
        );
      await run('bash', ['-c', readmeCommand('PostgreSQL')], {
        cwd: server.dir,
        env: { ...process.env, APP_DATABASE_URL: url },
      });
      await importsEveryUser(join(server.dir, 'authy-users.csv'));
    },
  );

  it.runIf(CLIENTS)('mysql --batch writes JSON lines that import every user as stored', async () => {
    const name = `cs_export_${process.pid}_${Date.now()}`;
    const mysql = (sqlText: string, database?: string) =>
      run('mysql', ['--batch', '-e', sqlText, ...(database === undefined ? [] : [database])]);
    await mysql(`create database ${name} character set utf8mb4`);
    try {
      const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      await mysql(
        'create table users (email varchar(255), phone varchar(64), country_code varchar(8), authy_id bigint)',
        name,
      );
      for (const u of [...APP_USERS, { ...NOT_ON_AUTHY, authy_id: null }])
        await mysql(
          `insert into users values (${quote(u.email)}, ${quote(u.phone)}, ${quote(u.country_code)}, ${u.authy_id ?? 'null'})`,
          name,
        );
      // The README names the app's database `app_db`; this one has its own name.
      const command = readmeCommand('MySQL').replace(/\bapp_db\b/, name);
      expect(command).toContain(name);
      await run('bash', ['-c', command], { cwd: server.dir });
      await importsEveryUser(join(server.dir, 'authy-users.jsonl'));
    } finally {
      await mysql(`drop database ${name}`);
    }
  });
});
