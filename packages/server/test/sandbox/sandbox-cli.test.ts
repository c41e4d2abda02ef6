// The operator's side of the sandbox profile (docs/sandbox.md): `apps create --profile sandbox`, the
// COUNTERSIGN_SANDBOX=off switch, and the rule that an app's profile never changes (there is no option
// to change it). Commands run in this process; `serve` runs as the built binary (`npx tsc -b packages/server`
// first), as operators run it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(SERVER_DIR, 'bin', 'countersign.js');
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const OFF_MESSAGE = 'countersign: sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)\n';

type Env = Record<string, string>;
interface AppJson {
  id: number;
  name: string;
  profile: string;
  api_key?: string;
}

let dir: string;
let database: TestDatabase;
let env: Env;
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!existsSync(join(SERVER_DIR, 'dist', 'cli', 'main.js')))
    throw new Error('packages/server is not built: run npx tsc -b packages/server');
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-sandbox-cli-'));
  database = await createTestDatabase();
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
  };
});

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child, STOP_TIMEOUT_MS).catch(() => undefined);
  }
  children.clear();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to completion in this process, with only the environment the test names. */
function run(args: string[], extraEnv: Env = {}): Promise<CliResult> {
  return runCli(args, { ...env, ...extraEnv });
}

async function runJson<T>(args: string[], extraEnv: Env = {}): Promise<T> {
  const result = await run(args, extraEnv);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `serve` on a free loopback port and waits (bounded) for /healthz; killed after the test. */
async function serve(extraEnv: Env = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...env, ...extraEnv, PORT: String(port) },
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`serve did not become healthy: ${stderr}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then(async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      })
      .catch(() => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited(child, STOP_TIMEOUT_MS);
    },
  };
}

async function details(url: string, key: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/protected/json/app/details`, {
    headers: { 'x-authy-api-key': key },
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, text: await response.text() };
}

describe('apps create --profile sandbox', () => {
  it('creates a sandbox app whose key answers app/details with "sandbox":true', async () => {
    const created = await runJson<AppJson>([
      'apps',
      'create',
      '--name',
      'Sandbox App 1',
      '--profile',
      'sandbox',
      '--json',
    ]);
    expect(created).toMatchObject({ id: 1, name: 'Sandbox App 1', profile: 'sandbox' });
    const server = await serve();
    const answer = await details(server.url, created.api_key ?? '');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      app: {
        name: 'Sandbox App 1',
        plan: 'self_hosted',
        sms_enabled: true,
        phone_calls_enabled: true,
        app_id: 1,
        onetouch_enabled: true,
        profile: 'sandbox',
        number_matching: 'off',
        sandbox: true,
      },
      message: 'Application information.',
      success: true,
    });
    await server.stop();
  });

  it('is refused with exit 2 and one line when COUNTERSIGN_SANDBOX=off, and no app is made', async () => {
    const refused = await run(
      ['apps', 'create', '--name', 'Sandbox App 1', '--profile', 'sandbox', '--json'],
      {
        COUNTERSIGN_SANDBOX: 'off',
      },
    );
    expect(refused).toEqual({ code: 2, stdout: '', stderr: OFF_MESSAGE });
    const human = await run(['apps', 'create', '--name', 'Sandbox App 1', '--profile', 'sandbox'], {
      COUNTERSIGN_SANDBOX: 'off',
    });
    expect(human).toEqual({ code: 2, stdout: '', stderr: OFF_MESSAGE });
    expect(await run(['apps', 'list', '--json'], { COUNTERSIGN_SANDBOX: 'off' })).toEqual({
      code: 0,
      stdout: '[]\n',
      stderr: '',
    });
    // Other profiles are still made with the switch off.
    const live = await runJson<AppJson>(['apps', 'create', '--name', 'Live', '--json'], {
      COUNTERSIGN_SANDBOX: 'off',
    });
    expect(live.profile).toBe('compat');
  });

  it('a COUNTERSIGN_SANDBOX value other than on or off is a configuration error (exit 1, one line)', async () => {
    expect(await run(['apps', 'list', '--json'], { COUNTERSIGN_SANDBOX: 'no' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'countersign: COUNTERSIGN_SANDBOX must be "on" or "off"\n',
    });
  });
});

describe('a profile never changes', () => {
  it('apps update --profile is refused with exit 2 (there is no such option), both ways, and nothing changes', async () => {
    await runJson<AppJson>(['apps', 'create', '--name', 'Sandbox App 1', '--profile', 'sandbox', '--json']);
    await runJson<AppJson>(['apps', 'create', '--name', 'Live', '--json']);
    const unknownOption = { code: 2, stdout: '', stderr: "countersign: unknown option '--profile'\n" };
    expect(await run(['apps', 'update', '1', '--profile', 'compat', '--json'])).toEqual(unknownOption);
    expect(await run(['apps', 'update', '1', '--profile', 'compat', '--name', 'Renamed'])).toEqual(
      unknownOption,
    );
    expect(await run(['apps', 'update', '2', '--profile', 'sandbox', '--json'])).toEqual(unknownOption);

    const listed = await runJson<AppJson[]>(['apps', 'list', '--json']);
    expect(listed.map((a) => [a.id, a.name, a.profile])).toEqual([
      [1, 'Sandbox App 1', 'sandbox'],
      [2, 'Live', 'compat'],
    ]);
  });

  it('updating the other settings of a sandbox app keeps it a sandbox app', async () => {
    await runJson<AppJson>(['apps', 'create', '--name', 'Sandbox App 1', '--profile', 'sandbox', '--json']);
    const updated = await runJson<AppJson>([
      'apps',
      'update',
      '1',
      '--name',
      'Sandbox Renamed',
      '--token-length',
      '6',
      '--json',
    ]);
    expect(updated).toMatchObject({ id: 1, name: 'Sandbox Renamed', profile: 'sandbox' });
  });
});

describe('serve with COUNTERSIGN_SANDBOX=off', () => {
  it('refuses the API calls of a sandbox app made earlier (403 / 60031), serves it again once switched on', async () => {
    const sandbox = await runJson<AppJson>([
      'apps',
      'create',
      '--name',
      'Sandbox App 1',
      '--profile',
      'sandbox',
      '--json',
    ]);
    const live = await runJson<AppJson>(['apps', 'create', '--name', 'Live', '--json']);

    const off = await serve({ COUNTERSIGN_SANDBOX: 'off' });
    expect(await details(off.url, sandbox.api_key ?? '')).toEqual({
      status: 403,
      text: JSON.stringify({
        message: 'Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)',
        success: false,
        errors: { message: 'Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)' },
        error_code: '60031',
      }),
    });
    expect((await details(off.url, live.api_key ?? '')).status).toBe(200);
    await off.stop();

    const on = await serve();
    expect((await details(on.url, sandbox.api_key ?? '')).status).toBe(200);
    await on.stop();
  });
});
