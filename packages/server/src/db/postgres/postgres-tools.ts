import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { OperatorError } from '../../lib/operator-error.js';
import type { Store } from '../store.js';

/** `pg_dump` or `pg_restore` is missing, too old for the server, or failed. */
export class PostgresToolError extends OperatorError {
  override readonly name = 'PostgresToolError';
}

/** PostgreSQL's client programs that back up and restore a database. */
export type PostgresTool = 'pg_dump' | 'pg_restore';

type Env = Readonly<Record<string, string | undefined>>;

/** Output a tool run keeps: enough for a list of migrations, or the end of an error report. */
const KEPT_BYTES = 1 << 20;

interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tool` with `args` in the environment `env`; rejects with `ENOENT` when it is not on `PATH`. */
function run(tool: PostgresTool, args: readonly string[], env: Env): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < KEPT_BYTES) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-KEPT_BYTES);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The major version of `tool` on `PATH`, or `undefined` when it is not installed. */
export async function toolMajor(tool: PostgresTool, env: Env): Promise<number | undefined> {
  let done: ToolRun;
  try {
    done = await run(tool, ['--version'], env);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const major = /\(PostgreSQL\)\s+(\d+)/.exec(done.stdout)?.[1];
  if (done.code !== 0 || major === undefined)
    throw new PostgresToolError(`${tool} --version did not say its version: ${done.stdout.trim()}`);
  return Number(major);
}

/** The major version of the PostgreSQL server `db` is connected to. */
export async function serverMajor(store: Pick<Store, 'db'>): Promise<number> {
  const { rows } = await sql<{ n: string }>`show server_version_num`.execute(store.db);
  return Math.floor(Number(rows[0]?.n) / 10_000);
}

/**
 * How a tool reaches the database of `url`: the URL without its password as `--dbname`, the password in
 * `PGPASSWORD` (a command line is visible to every user of the machine, an environment is not).
 */
function connection(url: string, env: Env): { dbname: string; env: Env } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: password === '' ? env : { ...env, PGPASSWORD: password } };
}

/** Runs `tool` to completion; a failure is reported with what the tool said last. */
async function runOrFail(tool: PostgresTool, args: readonly string[], env: Env): Promise<string> {
  let done: ToolRun;
  try {
    done = await run(tool, args, env);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PostgresToolError(`${tool} is not on PATH`);
    throw error;
  }
  if (done.code !== 0) {
    const said = done.stderr.trim().split('\n').slice(-5).join(' / ');
    throw new PostgresToolError(`${tool} failed (exit code ${done.code}): ${said}`);
  }
  return done.stdout;
}

/**
 * Dumps the database of `url` into `file` in `pg_dump`'s custom format, as the snapshot `snapshot` (exported by
 * a transaction that stays open until this resolves) sees it.
 */
export async function dumpDatabase(url: string, file: string, snapshot: string, env: Env): Promise<void> {
  const to = connection(url, env);
  await runOrFail(
    'pg_dump',
    ['--format=custom', `--snapshot=${snapshot}`, `--file=${file}`, `--dbname=${to.dbname}`],
    to.env,
  );
}

/**
 * Restores the dump `file` into the database of `url`, all of it or (`--single-transaction`) nothing. Objects
 * belong to the role that restores (`--no-owner`), and no grants are replayed (`--no-privileges`): the roles
 * of the server the dump came from need not exist here.
 */
export async function restoreDatabase(url: string, file: string, env: Env): Promise<void> {
  const to = connection(url, env);
  await runOrFail(
    'pg_restore',
    [
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${to.dbname}`,
      file,
    ],
    to.env,
  );
}

/**
 * The rows of the table `table` in the dump `file`, each as its columns' text (`pg_restore` writes the
 * table's data as `COPY … FROM stdin`): for a small table read before anything is restored. Fails when
 * `file` is not a dump `pg_restore` reads.
 */
export async function dumpedRows(file: string, table: string, env: Env): Promise<string[][]> {
  const text = await runOrFail('pg_restore', ['--data-only', `--table=${table}`, '--file=-', file], env);
  const rows: string[][] = [];
  let inData = false;
  for (const line of text.split('\n')) {
    if (!inData) inData = line.startsWith('COPY ') && line.endsWith('FROM stdin;');
    else if (line === '\\.') inData = false;
    else rows.push(line.split('\t'));
  }
  return rows;
}

/**
 * Runs `work` in a read-only repeatable-read transaction of `store` that exports its snapshot: `work` gets the
 * snapshot's name (for `pg_dump --snapshot`) and the transaction, whose reads see the data as the dump does.
 * The transaction stays open until `work` settles.
 */
export async function inExportedSnapshot<T>(
  store: Pick<Store, 'db'>,
  work: (snapshot: string, inSnapshot: Pick<Store, 'db'>) => Promise<T>,
): Promise<T> {
  return store.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(tx);
      const snapshot = rows[0]?.id;
      if (snapshot === undefined) throw new Error('pg_export_snapshot returned nothing');
      return work(snapshot, { db: tx });
    });
}
