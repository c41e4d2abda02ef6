import { defineConfig } from 'vitest/config';

const ALL = 'packages/*/test/**/*.test.ts';
/** The tests of the house rules (`npm run lint`): they read files and run the checks, and open no store. */
const SCRIPTS = 'scripts/test/**/*.test.ts';
/** Tests that need several instances on one PostgreSQL database: they exist on PostgreSQL only. */
const SCALE = 'packages/server/test/scale/**';
/**
 * Server tests that never open a store (pure functions, a Fastify instance without the service): running
 * them again on PostgreSQL would prove nothing. Every other server test runs on both databases, so a new
 * store test cannot be forgotten there; a new pure one only costs a second run until it is listed here.
 */
const STORELESS = [
  'packages/server/test/authenticator/authenticator-routes.test.ts',
  'packages/server/test/cli/try-on-phone.test.ts',
  'packages/server/test/front-door/**',
  'packages/server/test/reference/**',
  'packages/server/test/crypto/**',
  'packages/server/test/tokens/totp.test.ts',
  'packages/server/test/webhooks/authy-callback-body.test.ts',
  'packages/server/test/webhooks/signatures.test.ts',
  'packages/server/test/webhooks/ssrf.test.ts',
];

export default defineConfig({
  test: {
    globals: false,
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // One run, two databases (house rule 8 of docs/architecture.md): `vitest run` runs both projects;
    // `--project sqlite` or `--project postgres` runs one.
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: [ALL, 'examples/*/test/**/*.test.ts', SCRIPTS], exclude: [SCALE] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['packages/server/test/**/*.test.ts'],
          exclude: STORELESS,
          env: { COUNTERSIGN_TEST_DIALECT: 'postgres' },
          globalSetup: ['packages/server/test/support/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
