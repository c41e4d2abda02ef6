// Starts bench/server.mjs as a child process and speaks its IPC protocol.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));

/**
 * Forks the service over `databaseUrl`. Its log (LOG_LEVEL=info, the default: one line per request)
 * goes to `logFile`, as an operator's would go to a file or a collector. `profileDir` turns on --cpu-prof.
 */
export function startServer({ databaseUrl, logFile, profileDir, env = {} }) {
  const log = openSync(logFile, 'a');
  const execArgv = ['--expose-gc'];
  if (profileDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const child = fork(SERVER, [], {
    execArgv,
    stdio: ['ignore', log, log, 'ipc'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
      // Far above what two cores can send: the limiter still runs on every call, it just never refuses.
      COUNTERSIGN_RATE_LIMIT: '100000000',
      // The defaults (1 024 requests, 4 096 streams at once) would refuse the 10 000 waits the memory
      // figure holds open; raised, they still run on every request.
      COUNTERSIGN_MAX_IN_FLIGHT: '20000',
      COUNTERSIGN_MAX_STREAMS: '20000',
      // One app holds every wait of the memory figure: its fair share (D13, a quarter by default) is the
      // whole, and still computed on every request.
      COUNTERSIGN_APP_SHARE: '1',
      // Every bench connection comes from 127.0.0.1, and the memory figure opens 250 waits at once: until
      // its key is checked each counts against that one address, whose budget (128 by default, D13) a
      // burst outgrows when the checks queue for the database (PostgreSQL, a busy machine). Raised, it
      // still runs on every request.
      COUNTERSIGN_CLIENT_MAX_IN_FLIGHT: '20000',
      COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      for (const { reject } of pending.values())
        reject(new Error(`server exited (${code ?? signal}); see ${logFile}`));
      pending.clear();
      resolve({ code, signal });
    });
  });
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  });
  const ready = new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.ready) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    exit.then(({ code, signal }) =>
      reject(new Error(`server did not start (${code ?? signal}); see ${logFile}`)),
    );
  });
  const call = (op, args) =>
    new Promise((resolve, reject) => {
      if (exited) {
        reject(new Error('server has exited'));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  return ready.then(({ url, dialect }) => ({
    url,
    dialect,
    pid: child.pid,
    call,
    /** Closes the app and the store and waits for the process to exit (and write its profile). */
    async stop() {
      if (exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await call('stop').catch(() => undefined);
      await exit;
      clearTimeout(timer);
    },
  }));
}
