import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const ALL = 'packages/*/test/**/*.test.ts';
/** The tests of the house rules (`npm run lint`): they read files and run the checks, and open no store. */
const SCRIPTS = 'scripts/test/**/*.test.ts';
/** Tests that need several instances on one PostgreSQL database: they exist on PostgreSQL only. */
const SCALE = 'packages/server/test/scale';
/**
 * Which server tests also run on PostgreSQL: those that touch the store. A file touches it when it imports
 * the test service, a test database, the CLI runner or the store's own code (`STORE_IMPORT`); a new pure test
 * therefore runs once, and a new store test runs on both databases without being listed anywhere.
 */
const SERVER_TESTS = 'packages/server/test';
const SERVER_TESTS_DIR = fileURLToPath(new URL(SERVER_TESTS, import.meta.url));
const STORE_IMPORT = /from '(\.\.\/)+(support\/(harness|test-database|processes|cli)|src\/(db|app)\/)[^']*'/;
/**
 * Files that start the service but test something else: what each tests, and which files run the store
 * paths it reaches on both databases.
 */
const SQLITE_ONLY: Record<string, string> = {
  'console/console-app.test.ts': 'serving the console page, which reads nothing from the store',
  'console/console-e2e.test.ts':
    'the console in Chromium; console-session, console-data and console-live run its routes on both',
  'console/console-pages.test.ts':
    "the console's pages in Chromium; console-data, console-live and console-session test its API on both",
  'cli/try-on-phone.test.ts': "the README's Caddy recipe; cli/cli.test.ts runs dev and serve on both",
  'front-door/front-door.test.ts': 'the page at /, which reads nothing from the store',
  'reference/api-reference.test.ts': 'the API reference page, which reads nothing from the store',
};
for (const file of Object.keys(SQLITE_ONLY))
  if (!existsSync(`${SERVER_TESTS_DIR}/${file}`))
    throw new Error(`vitest.config.ts: SQLITE_ONLY names ${file}, which is gone`);
const STORE_TESTS = readdirSync(SERVER_TESTS_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts') && SQLITE_ONLY[file] === undefined)
  .filter((file) => STORE_IMPORT.test(readFileSync(`${SERVER_TESTS_DIR}/${file}`, 'utf8')))
  .map((file) => `${SERVER_TESTS}/${file}`);

export default defineConfig({
  test: {
    globals: false,
    pool: 'forks',
    // Most tests wait on sockets, processes and a browser rather than compute: two at once even on two cores
    // (vitest's default would be one there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker loads the service's modules once for all its files instead of once per file (a third of the
    // run's time went to imports). Tests therefore keep no state in modules: each builds its own service.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    setupFiles: ['scripts/vitest/assertion-log.ts'],
    // One run, two databases (house rule 8 of docs/architecture.md): `vitest run` runs both projects;
    // `--project sqlite` or `--project postgres` runs one.
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: [ALL, 'examples/*/test/**/*.test.ts', SCRIPTS],
          exclude: [`${SCALE}/**`],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...STORE_TESTS, `${SCALE}/*.test.ts`],
          env: { COUNTERSIGN_TEST_DIALECT: 'postgres' },
          globalSetup: ['packages/server/test/support/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
