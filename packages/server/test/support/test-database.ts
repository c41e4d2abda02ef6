import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { shown } from './private-postgres.mjs';

export type TestDialect = 'sqlite' | 'postgres';

function dialectFromEnv(): TestDialect {
  const value = process.env.COUNTERSIGN_TEST_DIALECT ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres')
    throw new Error(`COUNTERSIGN_TEST_DIALECT must be "sqlite" or "postgres", got "${value}"`);
  return value;
}

/** The database the store tests run on: `COUNTERSIGN_TEST_DIALECT=postgres`, or SQLite by default. */
export const TEST_DIALECT: TestDialect = dialectFromEnv();

/** The machine's own server, which the PostgreSQL tests use when it answers and no other is given. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://root@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server the PostgreSQL tests run on, chosen (or started) by postgres-global-setup.ts. */
    testPostgresUrl: string | undefined;
  }
}

/**
 * A PostgreSQL role that may create databases, and a database to connect to while doing it: the server
 * that the `postgres` project's global setup chose, `COUNTERSIGN_TEST_POSTGRES_URL`, the machine's own or
 * one it started.
 */
export function testPostgresUrl(): string {
  const url = inject('testPostgresUrl');
  if (url === undefined)
    throw new Error('no PostgreSQL server: tests on PostgreSQL run in the vitest project "postgres"');
  return url;
}

/** Every test database's name starts so, followed by its creation time: stale ones can be found and dropped. */
export const TEST_DATABASE_PREFIX = 'cs_test_';

export interface TestDatabase {
  /** A `DATABASE_URL` for the service and the command line. */
  readonly url: string;
  readonly dialect: TestDialect;
  /** Whether nothing was ever written to it: no SQLite file, no PostgreSQL table. */
  isEmpty(): Promise<boolean>;
  /** Removes the database (PostgreSQL: drops it, ending its connections; SQLite: deletes its folder). */
  drop(): Promise<void>;
}

let counter = 0;

/** Runs one statement on the administration database; a missing server is an error, never a skip. */
export async function adminQuery(text: string, url: string = testPostgresUrl()): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${shown(url)} (${(error as Error).message})`);
  }
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one test server: a new PostgreSQL database or a new SQLite file. */
export async function createTestDatabase(dialect: TestDialect = TEST_DIALECT): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-db-'));
    const file = join(dir, 'countersign.db');
    return {
      url: `sqlite:${file}`,
      dialect,
      isEmpty: async () => !existsSync(file),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  counter += 1;
  const name = `${TEST_DATABASE_PREFIX}${Date.now()}_${process.pid}_${counter}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dialect,
    async isEmpty() {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query(
          "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        );
        return (rows[0] as { n: number }).n === 0;
      } finally {
        await client.end();
      }
    },
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Drops the test databases left behind (a killed run) that are older than `ageMs`. */
export async function dropStaleTestDatabases(
  ageMs: number,
  url: string = testPostgresUrl(),
): Promise<number> {
  const { rows } = await adminQuery(
    `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}%'`,
    url,
  );
  const before = Date.now() - ageMs;
  let dropped = 0;
  for (const { datname } of rows as Array<{ datname: string }>) {
    const created = Number(datname.slice(TEST_DATABASE_PREFIX.length).split('_')[0]);
    if (Number.isSafeInteger(created) && created < before) {
      await adminQuery(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`, url);
      dropped += 1;
    }
  }
  return dropped;
}

/** A fresh database, opened as the service's store and migrated: for tests of the store's own parts. */
export interface TestStore {
  readonly database: TestDatabase;
  readonly store: Store;
  /** The store's query builder. */
  readonly db: Kysely<Database>;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

export async function openTestStore(dialect: TestDialect = TEST_DIALECT): Promise<TestStore> {
  const database = await createTestDatabase(dialect);
  const store = openDatabase(database.url);
  await migrateToLatest(store);
  return {
    database,
    store,
    db: store.db,
    close: async () => {
      await store.destroy();
      await database.drop();
    },
  };
}
