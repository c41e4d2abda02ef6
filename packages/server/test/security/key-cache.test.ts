/**
 * R4′: the key → app cache. On SQLite it is exact: a change committed by another connection (the command
 * line beside the service) moves `PRAGMA data_version`, and the very next call reads the key again. On
 * PostgreSQL an entry lives at most `KEY_CACHE_TTL_MS`, a change is announced on the bus, and a rotation
 * without grace or a disabling returns only once that bound has passed: when it reports success, every
 * instance refuses the key. A kept key's own end is checked against the service's clock on every hit.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/services.js';
import type { App } from '../../src/apps/app.js';
import { KEY_CACHE_TTL_MS, KeyCache } from '../../src/apps/key-cache.js';
import { openDatabase } from '../../src/db/database.js';
import { topics } from '../../src/events/service-events.js';
import { expectAuthyError, INVALID_KEY, P } from '../api/helpers.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';

const details = (server: TestServer, key: string) => call(server, 'GET', `${P}/app/details`, { key });

/** A key failure answers exactly as every other (R1). */
async function expectRefused(server: TestServer, key: string): Promise<void> {
  expectAuthyError(await details(server, key), INVALID_KEY);
}

/** Two calls: the first reads the key from the store and keeps it, the second is served from the cache. */
async function warm(server: TestServer, key: string): Promise<void> {
  for (let i = 0; i < 2; i++) expect((await details(server, key)).status).toBe(200);
}

describe('R4′: a change made elsewhere reaches a cached key', () => {
  let database: TestDatabase;
  let server: TestServer;
  let other: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({ database });
    other = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
    await other.close();
    await database.drop();
  });

  it('apps rotate-key --grace 0 on the command line (its own connection): the old key fails on the very next call, and on PostgreSQL the command returns only after the cache bound', async () => {
    const app = await server.createApp({ name: 'Rotated Elsewhere' });
    await warm(server, app.apiKey);
    const started = performance.now();
    const result = await runCli(['apps', 'rotate-key', String(app.id), '--grace', '0', '--json'], {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: server.config.masterKey.toString('hex'),
    });
    const took = performance.now() - started;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The command line has no bus to the service: on PostgreSQL, waiting out the bound is what makes its
    // success true (no timing of speed: a lower bound on when success may be reported).
    if (TEST_DIALECT === 'postgres') expect(took).toBeGreaterThanOrEqual(KEY_CACHE_TTL_MS);
    await expectRefused(server, app.apiKey);
    const newKey = (JSON.parse(result.stdout) as { api_key: string }).api_key;
    expect((await details(server, newKey)).status).toBe(200);
  });

  it('an app disabled through another store (another process) is refused on the very next call', async () => {
    const app = await server.createApp({ name: 'Disabled Elsewhere' });
    await warm(server, app.apiKey);
    const store = openDatabase(server.config.databaseUrl);
    try {
      const services = await createServices(server.config, { db: store });
      expect((await services.apps.disable(app.id))?.disabledAt).not.toBeNull();
    } finally {
      await store.destroy();
    }
    await expectRefused(server, app.apiKey);
  });

  it('a key rotated with grace 0 on instance A is refused by instance B, which had it cached, once A reports success; A waited out the bound on PostgreSQL', async () => {
    const app = await server.createApp({ name: 'Two Instances' });
    await warm(other, app.apiKey);
    await warm(server, app.apiKey);
    const started = performance.now();
    const rotated = await server.app.services.apps.rotateKey(app.id, 0);
    const took = performance.now() - started;
    if (TEST_DIALECT === 'postgres') expect(took).toBeGreaterThanOrEqual(KEY_CACHE_TTL_MS);
    for (const instance of [server, other]) {
      await expectRefused(instance, app.apiKey);
      expect((await details(instance, rotated?.apiKey ?? '')).status).toBe(200);
    }
  });

  it('a change on instance A reaches B at once: on SQLite by the data version, on PostgreSQL by the bus (B drops its cached app when it hears of it, before any bound)', async () => {
    const app = await server.createApp({ name: 'Old Name' });
    await warm(other, app.apiKey);
    const heard = new Promise<void>((resolve) => {
      const stop = other.app.services.bus.subscribe(topics.apps, (event) => {
        if (event.type === 'changed' && event.appId === app.id) {
          stop();
          resolve();
        }
      });
    });
    // An update does not wait out the bound: only the announcement can make B read the app again now.
    await server.app.services.apps.update(app.id, { name: 'New Name' });
    // Two SQLite instances have no bus between them; the data version is their channel.
    if (TEST_DIALECT === 'postgres') await heard;
    const res = await details(other, app.apiKey);
    expect(res.status).toBe(200);
    expect((res.body as { app: { name: string } }).app.name).toBe('New Name');
  });
});

describe('R4′: a kept key in its grace period fails when the grace ends', () => {
  it('the old key, cached during its grace, is refused at the moment its expiry passes on the clock', async () => {
    const clock = testClock();
    const server = await startTestServer({ clock });
    try {
      const app = await server.createApp({ name: 'Grace Bank' });
      const rotated = await server.app.services.apps.rotateKey(app.id, 60);
      await warm(server, app.apiKey);
      clock.advance(59_999);
      expect((await details(server, app.apiKey)).status).toBe(200);
      clock.advance(1);
      await expectRefused(server, app.apiKey);
      expect((await details(server, rotated?.apiKey ?? '')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('KeyCache', () => {
  const app = (id: number) => ({ id }) as App;
  const holder = (id: number, keyExpiresAt: number | null = null) => ({ app: app(id), keyExpiresAt });

  it('drops everything when the data version moves (another connection committed)', () => {
    let version = 1;
    const cache = new KeyCache({ dataVersion: () => version, ttlMs: undefined });
    cache.keep(cache.ticket(), 'd1', holder(1));
    expect(cache.lookup('d1', 0)?.id).toBe(1);
    version = 2;
    expect(cache.lookup('d1', 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing a lookup read before a clear (a change committed while it was reading)', () => {
    const cache = new KeyCache({ dataVersion: () => 1, ttlMs: undefined });
    const ticket = cache.ticket();
    cache.clear();
    cache.keep(ticket, 'd1', holder(1));
    expect(cache.lookup('d1', 0)).toBeUndefined();
  });

  it('an entry lives at most ttlMs from the start of the read that found it (PostgreSQL)', () => {
    let t = 0;
    const cache = new KeyCache({ dataVersion: () => undefined, ttlMs: 1000, monotonic: () => t });
    const ticket = cache.ticket();
    t = 400;
    cache.keep(ticket, 'd1', holder(1));
    t = 999;
    expect(cache.lookup('d1', 0)?.id).toBe(1);
    t = 1000;
    expect(cache.lookup('d1', 0)).toBeUndefined();
  });

  it("checks the key's own end against now on every hit", () => {
    const cache = new KeyCache({ dataVersion: () => 1, ttlMs: undefined });
    cache.keep(cache.ticket(), 'd1', holder(1, 5000));
    expect(cache.lookup('d1', 4999)?.id).toBe(1);
    expect(cache.lookup('d1', 5000)).toBeUndefined();
  });

  it('holds at most maxEntries, the oldest going first', () => {
    const cache = new KeyCache({ dataVersion: () => 1, ttlMs: undefined, maxEntries: 3 });
    for (let i = 1; i <= 4; i++) cache.keep(cache.ticket(), `d${i}`, holder(i));
    expect(cache.size).toBe(3);
    expect(cache.lookup('d1', 0)).toBeUndefined();
    expect(cache.lookup('d4', 0)?.id).toBe(4);
  });

  it('keeps nothing with neither a data version nor an age bound (it could not be exact)', () => {
    const cache = new KeyCache({ dataVersion: () => undefined, ttlMs: undefined });
    cache.keep(cache.ticket(), 'd1', holder(1));
    expect(cache.lookup('d1', 0)).toBeUndefined();
  });
});
