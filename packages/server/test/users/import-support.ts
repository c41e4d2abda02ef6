import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { type CliResult, runCli } from '../support/cli.js';
import type { TestServer } from '../support/harness.js';
import { TEST_DIALECT } from '../support/test-database.js';

/** A row of an import file. */
export interface FileUser {
  authy_id: number | string;
  email: string;
  cellphone: string;
  country_code: string;
}

/** Area codes with 555 numbers libphonenumber takes as valid: 10 000 numbers each. */
const AREAS = ['509', '201', '202', '212', '213', '303'];

/** The `i`-th number of a test's own range (`509-555-0000`, …), as an app would have stored it. */
export const phoneOf = (i: number) =>
  `${AREAS[Math.floor(i / 10_000) % AREAS.length]}-555-${String(i % 10_000).padStart(4, '0')}`;

/** `+1` and the number's digits, as the console provider addresses its messages. */
export const e164Of = (cellphone: string) => `+1${cellphone.replace(/\D/g, '')}`;

/** An email that holds none of the phone number's digits (a test looks for them in the output). */
export const emailOf = (i: number) =>
  `user-${String(i).replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? '')}@example.com`;

/** Writes users as a CSV file with a header row (and an extra column the import ignores). */
export function writeCsv(server: TestServer, name: string, users: readonly FileUser[]): string {
  const quote = (value: string | number) => `"${String(value).replace(/"/g, '""')}"`;
  const lines = [
    'authy_id,email,cellphone,country_code,signup_source',
    ...users.map((u) =>
      [u.authy_id, u.email, u.cellphone, u.country_code, 'web'].map((v) => quote(v)).join(','),
    ),
  ];
  const path = join(server.dir, name);
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

/** Writes users as JSON lines. */
export function writeJsonl(server: TestServer, name: string, users: readonly FileUser[]): string {
  const path = join(server.dir, name);
  writeFileSync(path, users.map((u) => `${JSON.stringify({ ...u, plan: 'gold' })}\n`).join(''));
  return path;
}

/** The command line's environment: the service's database and master key, nothing else. */
export const cliEnv = (server: TestServer) => ({
  DATABASE_URL: server.config.databaseUrl,
  COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
});

/** The import's report as `--json` prints it. */
export interface ImportDocument {
  app_id: number;
  dry_run: boolean;
  written: boolean;
  rows: number;
  created: number;
  linked: number;
  emails_updated: number;
  unchanged: number;
  highest_id: number | null;
  refused: { line: number; authy_id: string | null; reason: string; message: string }[];
}

/** Runs `countersign users import FILE --app ID --json [extra…]`; gives the result and its report. */
export async function importFile(
  server: TestServer,
  appId: number,
  file: string,
  extra: string[] = [],
): Promise<{ result: CliResult; report: ImportDocument }> {
  const result = await runCli(
    ['users', 'import', file, '--app', String(appId), '--json', ...extra],
    cliEnv(server),
  );
  expect(result.stdout.trimEnd()).not.toContain('\n');
  return { result, report: JSON.parse(result.stdout) as ImportDocument };
}

/**
 * Every row of every table of the server's database, each table's rows in a fixed order (SQLite's
 * `sqlite_sequence`, which numbers new users, included): equal snapshots mean nothing was written. The
 * service's counts of earlier calls, which it writes a second later, are written first.
 */
export async function everyTable(server: TestServer): Promise<Record<string, string[]>> {
  await server.app.services.usage.flush();
  await server.app.services.tally.flush();
  const db: Kysely<Database> = server.db;
  const names =
    TEST_DIALECT === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' order by name`.execute(db)
      : await sql<{
          name: string;
        }>`select tablename as name from pg_tables where schemaname = 'public' order by tablename`.execute(
          db,
        );
  const snapshot: Record<string, string[]> = {};
  for (const { name } of names.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    snapshot[name] = rows.rows
      .map((row) => JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value)))
      .sort();
  }
  return snapshot;
}
