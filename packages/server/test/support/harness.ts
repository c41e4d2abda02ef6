import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { buildApp, type Deps } from '../../src/app/build-app.js';
import type { NewApp } from '../../src/apps/app.service.js';
import { type Config, loadConfig } from '../../src/config/load-config.js';
import { openDatabase, type Store } from '../../src/db/database.js';
import { checkMasterKey } from '../../src/db/master-key-check.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A clock the test moves by hand. */
export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
  /** Manual timers set and not yet fired or cancelled: a test moves the time only once its waits are set. */
  scheduled(): number;
}

/**
 * A clock whose time moves only when the test moves it. Its timers wait real milliseconds (`timers:
 * 'real'`, the default), or fire when the test moves the time past them (`'manual'`): a test of a long
 * poll or an expiry then takes no longer than its requests.
 */
export function testClock(
  start = Date.UTC(2026, 10, 26, 12, 0, 0),
  { timers = 'real' }: { timers?: 'real' | 'manual' } = {},
): TestClock {
  let now = start;
  const due = new Set<{ at: number; run: () => void }>();
  const fireDue = () => {
    for (const timer of [...due].sort((a, b) => a.at - b.at)) {
      if (timer.at > now || !due.delete(timer)) continue;
      timer.run();
    }
  };
  return {
    now: () => now,
    after(ms, run) {
      if (timers === 'real') return systemClock.after(ms, run);
      const timer = { at: now + ms, run };
      due.add(timer);
      return () => due.delete(timer);
    },
    set: (ms) => {
      now = ms;
      fireDue();
    },
    advance: (ms) => {
      now += ms;
      fireDue();
    },
    scheduled: () => due.size,
  };
}

export interface TestServer {
  /** Base URL on loopback, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** The service's store, and its query builder for the test's own reads and writes. */
  readonly store: Store;
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly dir: string;
  /** Every log line the service wrote, as text. */
  readonly logs: string[];
  /** Creates an app through the service; returns its id and API key. */
  createApp(
    input?: Partial<NewApp>,
  ): Promise<{ id: number; apiKey: string; webhookSecret: string; accountSid: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<Omit<Deps, 'db' | 'logger'>> {
  env?: Record<string, string>;
  /** A database this server shares with others (instances of one deployment): it outlives the server. */
  database?: TestDatabase;
  /** The loopback port to listen on, when its URL must be known before (PUBLIC_URL); any free one by default. */
  port?: number;
}

/**
 * Starts the real service on loopback over a fresh database: a SQLite file, or a new PostgreSQL database
 * with `COUNTERSIGN_TEST_DIALECT=postgres` (dropped again on close).
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-test-'));
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'debug',
    // Many suites send hundreds of bad keys from the one loopback address on purpose (the R1 table, the fuzz
    // suite); the R5 throttle would answer them 429. Its own tests set the limit they test.
    COUNTERSIGN_KEY_FAILURE_LIMIT: '1000000',
    ...options.env,
  });
  const store = openDatabase(config.databaseUrl);
  await migrateToLatest(store);
  await checkMasterKey(store, config.masterKey, config.previousMasterKey);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const { env: _env, database: _database, port = 0, ...deps } = options;
  const app = await buildApp(config, { db: store, logger, ...deps });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('server has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    store,
    db: store.db,
    config,
    dir,
    logs,
    async createApp(input = {}) {
      const created = await app.services.apps.create({ name: 'Test Bank', ...input });
      return {
        id: created.app.id,
        apiKey: created.apiKey,
        webhookSecret: created.webhookSecret,
        accountSid: created.app.accountSid,
      };
    },
    async close() {
      await app.close();
      await store.destroy();
      if (options.database === undefined) await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON request with the API key in the header. Returns status, parsed body and raw text. */
export async function call(
  server: { url: string },
  method: string,
  path: string,
  options: { key?: string; json?: unknown; form?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers['x-authy-api-key'] = options.key;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = options.form;
  }
  Object.assign(headers, options.headers);
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the caller asserts on `text`.
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** A request through `node:http`, which (unlike fetch) can send a body on a GET as the Authy clients do. */
export function rawRequest(
  server: { url: string },
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const sent =
      body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers };
    const request = http.request(`${server.url}${path}`, { method, headers: sent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // Not JSON.
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, text });
      });
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}
