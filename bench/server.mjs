// The service under test, in its own process so that it never shares an event loop with the load
// generator. It is the real app (`buildApp` over `openDatabase`, as `startServer` wires it) plus one empty
// route, `/bench/empty`, registered on the same Fastify instance: same logger, hooks, parsers and error
// handler, so the baseline differs from the API routes only by the work those routes do.
//
// The parent talks to it over IPC for the setup that has no HTTP API (apps are made by the operator's
// command line) and for measurements only the process itself can take (its memory, its CPU time, the waits it holds).
import { buildApp, loadConfig, migrateToLatest, openDatabase } from '@countersign/server';
import { checkMasterKey } from '@countersign/server/dist/db/master-key-check.js';
import { importUsers } from '@countersign/server/dist/operators/operator-actions.js';
import { readImportFile } from '@countersign/server/dist/users/import-file.js';
import { sql } from 'kysely';
import { pool } from './lib/pool.mjs';

if (process.send === undefined) throw new Error('bench/server.mjs runs as a child of bench/run.mjs');

/**
 * Counts subscriptions to the bus by topic prefix, so the parent knows when every waiter it opened is
 * registered. It wraps the bus the app was built with (whichever the service picks for its store) and
 * allocates nothing per subscription: the memory it measures stays the service's own.
 */
function countSubscriptions(bus, prefix) {
  let subscribed = 0;
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = (topic, listener) => {
    if (topic.startsWith(prefix)) subscribed += 1;
    return subscribe(topic, listener);
  };
  return () => subscribed;
}

const config = loadConfig(process.env);
const store = openDatabase(config.databaseUrl);
await migrateToLatest(store);
await checkMasterKey(store, config.masterKey);
/** The store's query builder, for the bench's own fill and counts. */
const db = store.db;
// As `startServer` wires it (src/server/start-server.ts); keep the two in step.
const app = await buildApp(config, { db: store });
const waitsOpened = countSubscriptions(app.services.bus, 'request:');
app.get('/bench/empty', { schema: { hide: true } }, async () => ({}));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const dialect = config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';

/** Area codes with 555 exchanges libphonenumber accepts: 10 000 numbers each. */
const AREAS = ['509', '201', '202', '212', '213', '303'];
const phoneOf = (i) =>
  `${AREAS[Math.floor(i / 10_000) % AREAS.length]}555${String(i % 10_000).padStart(4, '0')}`;

async function appById(id) {
  const found = await app.services.apps.find(id);
  if (found === undefined) throw new Error(`no app ${id}`);
  return found;
}

/**
 * Tops `approval_requests` up to `total` rows with one set-based INSERT … SELECT generated inside the
 * database: no row crosses the IPC channel or the driver. The rows are finished requests of the bench
 * app's users, as a long-running service accumulates them, with random v4-shaped uuids that spread over the
 * whole primary-key index among the requests the bench reads. They go in sorted by uuid, and users and
 * times are numbered in the same order, so that every index is filled in key order: a bulk load's usual
 * trick, several times faster than random order for the same final tables.
 */
async function fill({ appId, firstUserId, users, total }) {
  const started = performance.now();
  const k = total - (await count());
  if (k > 0 && dialect === 'sqlite') {
    await sql`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${k}),
        keys(uuid) as (
          select lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
            || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
          from n),
        numbered(uuid, r) as (select uuid, row_number() over (order by uuid) from keys)
      insert into approval_requests (uuid, app_id, user_id, app_name, message, details, hidden_details_ct,
        logos, seconds_to_expire, expires_at, status, nonce, number_match, created_at, updated_at,
        processed_at, device_id, reason)
      select uuid, ${appId}, ${firstUserId} + cast(r * ${users} / (${k} + 1) as integer), 'Bench Bank',
        'Login from Firefox on Linux', '{"ip":"203.0.113.7","location":"Lisbon"}',
        'v1.' || lower(hex(randomblob(36))), null, 600, 1700000600000 + r, 'expired', lower(hex(randomblob(16))),
        null, 1700000000000 + r, 1700000600000 + r, null, null, null
      from numbered
      order by uuid`.execute(db);
  } else if (k > 0) {
    await sql`
      insert into approval_requests (uuid, app_id, user_id, app_name, message, details, hidden_details_ct,
        logos, seconds_to_expire, expires_at, status, nonce, number_match, created_at, updated_at,
        processed_at, device_id, reason)
      select uuid, ${appId}, ${firstUserId} + (r * ${users}) / (${k} + 1), 'Bench Bank',
        'Login from Firefox on Linux', '{"ip":"203.0.113.7","location":"Lisbon"}',
        'v1.' || md5(r::text) || md5((-r)::text), null, 600, 1700000600000 + r, 'expired', md5(uuid), null,
        1700000000000 + r, 1700000600000 + r, null, null, null
      from (
        select uuid, row_number() over (order by uuid) as r
        from (select gen_random_uuid()::text as uuid from generate_series(1, ${k})) as keys
      ) as numbered
      order by uuid`.execute(db);
    // Autovacuum would analyse the table within a minute; the bench does not wait for it. (SQLite gathers
    // no statistics unless told to, and the service never tells it: neither does the bench.)
    await sql`analyze approval_requests`.execute(db);
  }
  return { rows: await count(), ms: Math.round(performance.now() - started) };
}

async function count() {
  const row = await db
    .selectFrom('approval_requests')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const ops = {
  async createApp({ name, callbackUrl }) {
    const created = await app.services.apps.create({ name, callbackUrl: callbackUrl ?? null });
    return { id: created.app.id, apiKey: created.apiKey };
  },
  /** Registers `count` users (numbers `from`…) with the app; returns their ids and TOTP seeds. */
  async registerUsers({ appId, from, count: n }) {
    const target = await appById(appId);
    return pool(n, 8, async (k) => {
      const i = from + k;
      const userId = await app.services.users.register(target, {
        email: `user${i}@bench.example`,
        cellphone: phoneOf(i),
        countryCode: '1',
      });
      const seed = await app.services.users.seed({ appId, userId });
      return { userId, seed };
    });
  },
  /**
   * Imports `count` generated users into a new app as `countersign users import FILE --app ID` does (the
   * file read, then the same operator action and service, in one transaction), timing both; the numbers
   * are their own (area codes the bench users never have) and the ids far above theirs.
   */
  async importUsers({ count: n }) {
    const created = await app.services.apps.create({ name: 'Bench Import', callbackUrl: null });
    const areas = ['415', '617', '702', '206'];
    const lines = ['authy_id,email,cellphone,country_code'];
    for (let i = 0; i < n; i++) {
      const cellphone = `${areas[Math.floor(i / 10_000) % areas.length]}-555-${String(i % 10_000).padStart(4, '0')}`;
      lines.push(`${100_000_000 + 3 * i},import${i}@bench.example,${cellphone},1`);
    }
    const text = `${lines.join('\n')}\n`;
    const started = performance.now();
    const rows = readImportFile(text, 'csv');
    const report = await importUsers(app.services, { actor: 'bench', from: 'bench' }, created.app.id, rows, {
      dryRun: false,
      file: 'bench.csv',
    });
    const ms = performance.now() - started;
    if (report === 'no_app' || !report.written || report.created !== n)
      throw new Error(`the import did not write ${n} users: ${JSON.stringify(report).slice(0, 300)}`);
    return { users: n, ms: Math.round(ms), users_per_s: Math.round(n / (ms / 1000)) };
  },
  fill,
  count,
  /** The process's memory after two full collections (needs --expose-gc). */
  memory() {
    globalThis.gc?.();
    globalThis.gc?.();
    return process.memoryUsage();
  },
  /**
   * CPU time the process has used, and the monotonic clock V8's CPU profiles are stamped with (both in
   * microseconds): the bench takes both around each phase.
   */
  mark() {
    const { user, system } = process.cpuUsage();
    return { cpu: user + system, at: Number(process.hrtime.bigint() / 1000n) };
  },
  /** How many waits (long polls, event streams) ever subscribed to a request's topic. */
  waitsOpened() {
    return waitsOpened();
  },
  /** Open connections to the server. */
  connections() {
    return new Promise((resolve, reject) =>
      app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
  },
  async stop() {
    await app.close();
    await store.destroy();
    return true;
  },
};

// A parent that dies (or is killed) must not leave the service running.
process.on('disconnect', () => process.exit(1));

process.on('message', (message) => {
  const { id, op, args } = message;
  const run = ops[op];
  Promise.resolve()
    .then(() => {
      if (run === undefined) throw new Error(`unknown op ${op}`);
      return run(args ?? {});
    })
    .then(
      (value) => process.send({ id, ok: true, value }),
      (error) => process.send({ id, ok: false, error: String(error?.stack ?? error) }),
    )
    .then(() => {
      // Exiting normally lets --cpu-prof write its profile.
      if (op === 'stop') setImmediate(() => process.exit(0));
    });
});

process.send({ ready: true, url: `http://127.0.0.1:${address.port}`, dialect });
