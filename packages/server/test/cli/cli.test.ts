import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database.js';

const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(SERVER_DIR, 'bin', 'countersign.js');
const MIGRATIONS = readdirSync(join(SERVER_DIR, 'src', 'db', 'migrations'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();

const RUN_TIMEOUT_MS = 20_000;
/**
 * How long a spawned `serve` or `dev` may take to answer: seconds on a quiet machine, more on a loaded one
 * (a PostgreSQL run beside Chromium suites took over 15 s once). Tests that start one have twice as long.
 */
const START_TIMEOUT_MS = 25_000;
const STARTS_A_SERVER = { timeout: 2 * START_TIMEOUT_MS };
const STOP_TIMEOUT_MS = 10_000;

type Env = Record<string, string>;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const masterKey = () => randomBytes(32).toString('hex');

let dir: string;
/** The database of the test: SQLite or PostgreSQL (COUNTERSIGN_TEST_DIALECT). */
let database: TestDatabase;
/** The environment of a command: only what the test names, never the parent's configuration. */
let env: Env;

beforeAll(() => {
  if (!existsSync(join(SERVER_DIR, 'dist', 'cli', 'main.js')))
    throw new Error('packages/server is not built: run npx tsc -b packages/server');
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
  database = await createTestDatabase();
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    COUNTERSIGN_MASTER_KEY: masterKey(),
    HOST: '127.0.0.1',
  };
});

const children = new Set<ChildProcess>();

function exited(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
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

/** Runs the built binary, `node bin/countersign.js ARGS`, to completion (killed after RUN_TIMEOUT_MS). */
function runBinary(args: string[], runEnv: Env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: runEnv, cwd: dir, timeout: RUN_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs a command to completion with only the environment the test names: in this process, or, for `serve`
 * (which runs until stopped), as the binary. The binary itself is tested below ("the countersign binary").
 */
function run(args: string[], extraEnv: Env = {}, baseEnv: Env = env): Promise<Result> {
  const runEnv = { ...baseEnv, ...extraEnv };
  return args[0] === 'serve' || args[0] === 'dev' ? runBinary(args, runEnv) : runCli(args, runEnv);
}

/** Runs the CLI and parses its stdout as exactly one JSON document on one line. */
async function runJson<T = Record<string, unknown>>(args: string[], extraEnv: Env = {}): Promise<T> {
  const result = await run(args, extraEnv);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd()).not.toContain('\n');
  return JSON.parse(result.stdout) as T;
}

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: { stdout: string; stderr: string };
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a long-running command on a free port; it is killed after the test whatever happens. */
async function launch(args: string[], launchEnv: Env): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...launchEnv, PORT: String(port) },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    stop() {
      child.kill('SIGTERM');
      return exited(child, STOP_TIMEOUT_MS);
    },
  };
}

/** Waits (bounded) until `ready` holds; fails early if the process exits. */
async function waitFor(
  running: Running,
  what: string,
  ready: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`exited (${running.child.exitCode}) before ${what}: ${running.output.stderr}`);
    }
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}: ${running.output.stderr}`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function serve(): Promise<Running> {
  const running = await launch(['serve'], env);
  await waitFor(running, '/healthz', () => healthy(running.url));
  return running;
}

async function api(
  running: Running,
  method: string,
  path: string,
  key: string,
  json?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: {
      'x-authy-api-key': key,
      ...(json !== undefined && { 'content-type': 'application/json' }),
    },
    ...(json !== undefined && { body: JSON.stringify(json) }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const invalidKey = {
  message: 'Invalid API key',
  success: false,
  errors: { message: 'Invalid API key' },
  error_code: '60001',
};

const APP_FIELDS = [
  'account_sid',
  'callback_disabled',
  'callback_expired',
  'callback_url',
  'created_at',
  'disabled_at',
  'id',
  'name',
  'number_matching',
  'profile',
  'sms_countries',
  'sms_per_day',
  'sms_per_hour',
  'token_length',
  'user_verification',
];

interface AppJson {
  id: number;
  name: string;
  profile: string;
  number_matching: string;
  token_length: number;
  callback_url: string | null;
  callback_expired: boolean;
  callback_disabled: boolean;
  sms_per_hour: number;
  sms_per_day: number;
  sms_countries: 'all' | string[];
  user_verification: string;
  disabled_at: string | null;
  account_sid: string;
  created_at: string;
}
interface CreatedJson extends AppJson {
  api_key: string;
  webhook_secret: string;
}

function withoutSecrets(created: CreatedJson): AppJson {
  const { api_key: _key, webhook_secret: _secret, ...app } = created;
  return app;
}

describe('the countersign binary', () => {
  // What a process shows that the program run in this process cannot: the exit status the shell sees, and
  // output on the real stdout and stderr.
  it('--help prints the commands and exits 0', async () => {
    const result = await runBinary(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const command of ['serve', 'migrate', 'apps', 'outbox', 'webhooks', 'dev', 'device'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('a bad command line exits 2, a missing key 1, each with one line on stderr', async () => {
    expect(await runBinary(['apps', 'create', '--json'], env)).toEqual({
      code: 2,
      stdout: '',
      stderr: "countersign: required option '--name <name>' not specified\n",
    });
    const { COUNTERSIGN_MASTER_KEY: _key, ...noKey } = env;
    const missing = await runBinary(['apps', 'list'], noKey);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^countersign: COUNTERSIGN_MASTER_KEY \(64 hex characters\)[^\n]*\n$/);
  });

  it('a command that succeeds exits 0 with its JSON on stdout, and what it wrote is there for the next', async () => {
    const created = await runBinary(['apps', 'create', '--name', 'Acme', '--json'], env);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('');
    const app = JSON.parse(created.stdout) as CreatedJson;
    const listed = await runBinary(['apps', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([withoutSecrets(app)]);
  });
});

describe('countersign migrate', () => {
  it('--json reports every migration applied on a new database, then none', async () => {
    const first = await run(['migrate', '--json']);
    expect(first).toEqual({ code: 0, stdout: `${JSON.stringify({ applied: MIGRATIONS })}\n`, stderr: '' });
    expect(MIGRATIONS[0]).toBe('0001-initial');
    const second = await run(['migrate', '--json']);
    expect(second).toEqual({ code: 0, stdout: '{"applied":[]}\n', stderr: '' });
  });
});

describe('countersign apps', STARTS_A_SERVER, () => {
  it('create --json prints every field once, with a key that works against serve', async () => {
    const before = Date.now();
    const created = await runJson<CreatedJson>([
      'apps',
      'create',
      '--name',
      'Acme Bank',
      '--callback-url',
      'https://acme.example/answers',
      '--number-matching',
      '6',
      '--profile',
      'strict',
      '--token-length',
      '8',
      '--json',
    ]);
    const after = Date.now();
    expect(Object.keys(created).sort()).toEqual([...APP_FIELDS, 'api_key', 'webhook_secret'].sort());
    expect(withoutSecrets(created)).toEqual({
      id: 1,
      name: 'Acme Bank',
      profile: 'strict',
      number_matching: '6',
      token_length: 8,
      callback_url: 'https://acme.example/answers',
      callback_expired: false,
      callback_disabled: false,
      sms_per_hour: 100,
      sms_per_day: 1000,
      sms_countries: 'all',
      user_verification: 'preferred',
      disabled_at: null,
      account_sid: created.account_sid,
      created_at: created.created_at,
    });
    expect(created.account_sid).toMatch(/^AC[0-9a-f]{32}$/);
    const createdAt = Date.parse(created.created_at);
    expect(new Date(createdAt).toISOString()).toBe(created.created_at);
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(createdAt).toBeLessThanOrEqual(after);
    expect(created.api_key).toMatch(/^[0-9a-f]{48}$/);
    expect(created.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const defaults = await runJson<CreatedJson>(['apps', 'create', '--name', 'Plain', '--json']);
    expect(withoutSecrets(defaults)).toEqual({
      id: 2,
      name: 'Plain',
      profile: 'compat',
      number_matching: 'off',
      token_length: 7,
      callback_url: null,
      callback_expired: false,
      callback_disabled: false,
      sms_per_hour: 100,
      sms_per_day: 1000,
      sms_countries: 'all',
      user_verification: 'preferred',
      disabled_at: null,
      account_sid: defaults.account_sid,
      created_at: defaults.created_at,
    });
    expect(defaults.account_sid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(defaults.account_sid).not.toBe(created.account_sid);
    expect(defaults.api_key).not.toBe(created.api_key);

    const server = await serve();
    const details = await api(server, 'GET', '/protected/json/app/details', created.api_key);
    expect(details.status).toBe(200);
    expect(details.body.app).toEqual({
      name: 'Acme Bank',
      plan: 'self_hosted',
      sms_enabled: true,
      phone_calls_enabled: true,
      app_id: 1,
      onetouch_enabled: true,
      profile: 'strict',
      number_matching: '6',
    });
  });

  it('list --json lists every app and never prints an API key or webhook secret', async () => {
    const acme = await runJson<CreatedJson>(['apps', 'create', '--name', 'Acme', '--json']);
    const zeta = await runJson<CreatedJson>([
      'apps',
      'create',
      '--name',
      'Zeta',
      '--number-matching',
      '2',
      '--json',
    ]);

    const listed = await run(['apps', 'list', '--json']);
    expect(listed).toEqual({
      code: 0,
      stdout: `${JSON.stringify([withoutSecrets(acme), withoutSecrets(zeta)])}\n`,
      stderr: '',
    });
    const human = await run(['apps', 'list']);
    expect(human).toEqual({
      code: 0,
      stdout:
        '1\tAcme\tcompat\tnumber matching off\tuser verification preferred\n' +
        '2\tZeta\tcompat\tnumber matching 2\tuser verification preferred\n',
      stderr: '',
    });
    for (const secret of [acme.api_key, acme.webhook_secret, zeta.api_key, zeta.webhook_secret]) {
      expect(listed.stdout).not.toContain(secret);
      expect(human.stdout).not.toContain(secret);
    }
  });

  it('rotate-key --grace 0 refuses the old key at once and the new key works', async () => {
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Acme', '--json']);
    const server = await serve();
    expect((await api(server, 'GET', '/protected/json/app/details', created.api_key)).status).toBe(200);

    const rotated = await runJson<AppJson & { api_key: string }>([
      'apps',
      'rotate-key',
      '1',
      '--grace',
      '0',
      '--json',
    ]);
    expect(rotated).toEqual({ ...withoutSecrets(created), api_key: rotated.api_key });
    expect(rotated.api_key).toMatch(/^[0-9a-f]{48}$/);
    expect(rotated.api_key).not.toBe(created.api_key);

    const old = await api(server, 'GET', '/protected/json/app/details', created.api_key);
    expect(old).toEqual({ status: 401, body: invalidKey });
    expect((await api(server, 'GET', '/protected/json/app/details', rotated.api_key)).status).toBe(200);
  });

  it('rotate-key without --grace refuses the old key at once', async () => {
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Acme', '--json']);
    const rotated = await runJson<{ api_key: string }>(['apps', 'rotate-key', '1', '--json']);
    const server = await serve();
    expect(await api(server, 'GET', '/protected/json/app/details', created.api_key)).toEqual({
      status: 401,
      body: invalidKey,
    });
    expect((await api(server, 'GET', '/protected/json/app/details', rotated.api_key)).status).toBe(200);
  });

  it('rotate-key --grace keeps the old key working during the grace period, and only then', async () => {
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Acme', '--json']);
    const server = await serve();

    const long = await runJson<{ api_key: string }>(['apps', 'rotate-key', '1', '--grace', '600', '--json']);
    expect((await api(server, 'GET', '/protected/json/app/details', created.api_key)).status).toBe(200);
    expect((await api(server, 'GET', '/protected/json/app/details', long.api_key)).status).toBe(200);

    // A second rotation with a short grace ends the first key's grace early too.
    const short = await runJson<{ api_key: string }>(['apps', 'rotate-key', '1', '--grace', '1', '--json']);
    await sleep(1500);
    for (const old of [created.api_key, long.api_key]) {
      expect(await api(server, 'GET', '/protected/json/app/details', old)).toEqual({
        status: 401,
        body: invalidKey,
      });
    }
    expect((await api(server, 'GET', '/protected/json/app/details', short.api_key)).status).toBe(200);
  });

  it('update changes the name, number matching, token length and callback URL; "" clears the callback URL', async () => {
    const created = await runJson<CreatedJson>([
      'apps',
      'create',
      '--name',
      'Acme',
      '--callback-url',
      'https://acme.example/old',
      '--json',
    ]);
    const updated = await runJson<AppJson>([
      'apps',
      'update',
      '1',
      '--name',
      'Acme Renamed',
      '--number-matching',
      '2',
      '--token-length',
      '6',
      '--callback-url',
      'https://acme.example/new',
      '--json',
    ]);
    expect(updated).toEqual({
      ...withoutSecrets(created),
      name: 'Acme Renamed',
      number_matching: '2',
      token_length: 6,
      callback_url: 'https://acme.example/new',
    });

    const cleared = await runJson<AppJson>(['apps', 'update', '1', '--callback-url', '', '--json']);
    expect(cleared).toEqual({ ...updated, callback_url: null });

    const onlyName = await runJson<AppJson>(['apps', 'update', '1', '--name', 'Acme Again', '--json']);
    expect(onlyName).toEqual({ ...cleared, name: 'Acme Again' });

    const expiries = await runJson<AppJson>(['apps', 'update', '1', '--callback-expired', 'on', '--json']);
    expect(expiries).toEqual({ ...onlyName, callback_expired: true });
    const bad = await run(['apps', 'update', '1', '--callback-expired', 'maybe', '--json']);
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'countersign: --callback-expired must be on or off, got "maybe"\n',
    });

    expect(await runJson<AppJson[]>(['apps', 'list', '--json'])).toEqual([expiries]);
  });

  it('an app name that would not read as it says (D11) is refused by create and update: exit 2, the character named, nothing written', async () => {
    const refused: [string, string][] = [
      [
        'Bank \u202eknaB',
        'app name "Bank ⟨U+202E⟩knaB": U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control) is not allowed',
      ],
      [
        'Pay\u200bPal',
        'app name "Pay⟨U+200B⟩Pal": U+200B ZERO WIDTH SPACE (an invisible character) is not allowed',
      ],
      ['Acme\u0085', 'app name "Acme⟨U+0085⟩": U+0085 NEXT LINE (a control character) is not allowed'],
      ['Cafe\u0301', 'app name "Cafe\u0301": is not in Unicode NFC'],
    ];
    for (const [name, message] of refused) {
      expect(await run(['apps', 'create', '--name', name, '--json'])).toEqual({
        code: 2,
        stdout: '',
        stderr: `countersign: ${message}\n`,
      });
    }
    expect(await runJson<AppJson[]>(['apps', 'list', '--json'])).toEqual([]);

    // Every script and emoji are names like any other; NFC is what a keyboard types.
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Caf\u00e9 بنك 🏦', '--json']);
    expect(created.name).toBe('Caf\u00e9 بنك 🏦');
    for (const [name, message] of refused) {
      expect(await run(['apps', 'update', '1', '--name', name, '--json'])).toEqual({
        code: 2,
        stdout: '',
        stderr: `countersign: ${message}\n`,
      });
    }
    expect(await runJson<AppJson[]>(['apps', 'list', '--json'])).toEqual([withoutSecrets(created)]);
  });

  it('create says that every country is allowed and what the SMS budgets are; --sms-* set and reset them (R12)', async () => {
    const human = await run(['apps', 'create', '--name', 'Plain']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      "SMS and voice codes: at most 100 an hour and 1000 a day (the server's defaults).\n" +
        'Countries: every country is allowed; restrict them with --sms-countries US,CA.\n',
    );
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Plain', '--json']);
    expect(created).toMatchObject({ sms_per_hour: 100, sms_per_day: 1000, sms_countries: 'all' });

    env.COUNTERSIGN_SMS_PER_HOUR = '40';
    const limited = await runJson<AppJson>([
      'apps',
      'create',
      '--name',
      'Limited',
      '--sms-per-day',
      '300',
      '--sms-countries',
      'us,CA, ca',
      '--json',
    ]);
    expect(limited).toMatchObject({ sms_per_hour: 40, sms_per_day: 300, sms_countries: ['CA', 'US'] });

    const updated = await run(['apps', 'update', '3', '--sms-per-hour', '0', '--sms-countries', 'FR']);
    expect(updated).toEqual({
      code: 0,
      stdout:
        'Updated app 3 "Limited".\n' +
        'User verification: preferred (a passkey where the device has one; the device key alone where WebAuthn is missing).\n' +
        'SMS and voice codes: at most 0 an hour and 300 a day.\nCountries: FR only.\n',
      stderr: '',
    });
    const reset = await runJson<AppJson>([
      'apps',
      'update',
      '3',
      '--sms-per-hour',
      'default',
      '--sms-per-day',
      'default',
      '--sms-countries',
      'all',
      '--json',
    ]);
    expect(reset).toMatchObject({ sms_per_hour: 40, sms_per_day: 1000, sms_countries: 'all' });
  });
});

describe('countersign apps --user-verification (D14)', STARTS_A_SERVER, () => {
  it('defaults to required for psd2 and preferred otherwise; create, update, list and show carry it', async () => {
    const psd2 = await runJson<AppJson>([
      'apps',
      'create',
      '--name',
      'Euro Bank',
      '--profile',
      'psd2',
      '--json',
    ]);
    const shop = await runJson<AppJson>(['apps', 'create', '--name', 'Shop', '--json']);
    const admin = await runJson<AppJson>([
      'apps',
      'create',
      '--name',
      'Admin',
      '--profile',
      'strict',
      '--user-verification',
      'off',
      '--json',
    ]);
    expect([psd2.user_verification, shop.user_verification, admin.user_verification]).toEqual([
      'required',
      'preferred',
      'off',
    ]);

    const human = await run(['apps', 'update', '2', '--user-verification', 'required']);
    expect(human).toEqual({
      code: 0,
      stdout:
        'Updated app 2 "Shop".\n' +
        'User verification: required (an approval needs the device’s passkey: biometrics or the device PIN).\n' +
        "SMS and voice codes: at most 100 an hour and 1000 a day (the server's defaults).\n" +
        'Countries: every country is allowed; restrict them with --sms-countries US,CA.\n',
      stderr: '',
    });
    const relaxed = await runJson<AppJson>([
      'apps',
      'update',
      '1',
      '--user-verification',
      'preferred',
      '--json',
    ]);
    expect(relaxed.user_verification).toBe('preferred');

    const listed = await runJson<AppJson[]>(['apps', 'list', '--json']);
    expect(listed.map((a) => [a.id, a.user_verification])).toEqual([
      [1, 'preferred'],
      [2, 'required'],
      [3, 'off'],
    ]);
    expect(await runJson<AppJson>(['apps', 'show', '2', '--json'])).toEqual(listed[1]);
    const shown = await run(['apps', 'show', '3']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'App 3 "Admin" (strict), number matching off.\nUser verification: off (the device key alone).\n',
    );
  });

  it('refuses a value other than required, preferred or off, and an unknown app, writing nothing', async () => {
    const bad = '--user-verification must be required, preferred or off, got "always"';
    expect(await run(['apps', 'create', '--name', 'X', '--user-verification', 'always', '--json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: ${bad}\n`,
    });
    await runJson<AppJson>(['apps', 'create', '--name', 'Y', '--json']);
    expect(await run(['apps', 'update', '1', '--user-verification', 'always'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: ${bad}\n`,
    });
    expect(await run(['apps', 'show', '9', '--json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'countersign: no app with id 9\n',
    });
    const listed = await runJson<AppJson[]>(['apps', 'list', '--json']);
    expect(listed.map((a) => [a.name, a.user_verification])).toEqual([['Y', 'preferred']]);
  });
});

describe('bad command lines exit 2 with one line on stderr', () => {
  const cases: [string, string[], string][] = [
    ['an unknown option', ['apps', 'create', '--name', 'X', '--bogus', '--json'], "unknown option '--bogus'"],
    [
      'a misspelt option',
      ['apps', 'create', '--name', 'X', '--jsn'],
      "unknown option '--jsn' (Did you mean --json?)",
    ],
    [
      'a missing required option',
      ['apps', 'create', '--json'],
      "required option '--name <name>' not specified",
    ],
    ['an option without its value', ['apps', 'create', '--name'], "option '--name <name>' argument missing"],
    ['an unknown command', ['bogus'], "unknown command 'bogus'"],
    ['a missing argument', ['apps', 'rotate-key'], "missing required argument 'id'"],
    [
      'a bad --number-matching',
      ['apps', 'create', '--name', 'X', '--number-matching', '3', '--json'],
      '--number-matching must be off, 2 or 6, got "3"',
    ],
    [
      'a bad --token-length',
      ['apps', 'create', '--name', 'X', '--token-length', '9', '--json'],
      '--token-length must be 6, 7 or 8, got "9"',
    ],
    [
      'a callback URL that is not http(s)',
      ['apps', 'create', '--name', 'X', '--callback-url', 'ftp://acme.example/', '--json'],
      'callback URL must be http(s)',
    ],
    [
      'an app id that is not a number',
      ['apps', 'rotate-key', 'abc', '--json'],
      'an app id is a positive whole number, got "abc"',
    ],
    [
      'a bad --grace',
      ['apps', 'rotate-key', '1', '--grace', 'soon', '--json'],
      '--grace is a number of seconds, got "soon"',
    ],
    ['an unknown app', ['apps', 'update', '7', '--name', 'Q', '--json'], 'no app with id 7'],
    [
      'a bad --sms-per-hour',
      ['apps', 'create', '--name', 'X', '--sms-per-hour', 'many', '--json'],
      '--sms-per-hour is a number of codes or default, got "many"',
    ],
    [
      'a country that is not an ISO 3166 code',
      ['apps', 'create', '--name', 'X', '--sms-countries', 'US,UK', '--json'],
      'SMS countries: "UK" is not an ISO 3166 alpha-2 country code',
    ],
    ['a bad --limit', ['outbox', '--limit', 'many', '--json'], '--limit is a number, got "many"'],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    expect(await run(args)).toEqual({ code: 2, stdout: '', stderr: `countersign: ${message}\n` });
  });
});

describe('the master key', STARTS_A_SERVER, () => {
  const REQUIRED =
    'countersign: COUNTERSIGN_MASTER_KEY (64 hex characters) or COUNTERSIGN_MASTER_KEY_FILE is required';
  const MAKE = 'openssl rand -hex 32';
  // Where nothing is stored yet a new key is suggested; a PostgreSQL database may hold data already.
  const MISSING =
    TEST_DIALECT === 'sqlite'
      ? `${REQUIRED}; make one with: ${MAKE}\n`
      : `${REQUIRED}: an existing database needs the key it was made with; for a new one, make a key with: ${MAKE}\n`;
  const WRONG = 'countersign: COUNTERSIGN_MASTER_KEY is not the key this database was created with\n';

  it('is required: without one, commands and serve exit 1 with one line and no stack trace', async () => {
    const { COUNTERSIGN_MASTER_KEY: _key, ...noKey } = env;
    for (const args of [['apps', 'list', '--json'], ['outbox', '--json'], ['serve']]) {
      expect(await run(args, {}, noKey)).toEqual({ code: 1, stdout: '', stderr: MISSING });
    }
    expect(await database.isEmpty()).toBe(true);
  });

  it('must be the one the database was made with: another key makes commands and serve exit 1 with one line', async () => {
    await runJson(['apps', 'create', '--name', 'Acme', '--json']);
    const other = { COUNTERSIGN_MASTER_KEY: masterKey() };
    for (const args of [['apps', 'list', '--json'], ['outbox', '--json'], ['serve']]) {
      expect(await run(args, other)).toEqual({ code: 1, stdout: '', stderr: WRONG });
    }
    // The right key still opens it.
    expect(await runJson<AppJson[]>(['apps', 'list', '--json'])).toHaveLength(1);
  });

  it('a SQLite database that exists is never told to get a new key: only the key it was made with opens it', async () => {
    const file = join(dir, 'made.db');
    await runJson(['apps', 'create', '--name', 'Acme', '--json'], { DATABASE_URL: `sqlite:${file}` });
    const { COUNTERSIGN_MASTER_KEY: _key, ...noKey } = env;
    const result = await run(['apps', 'list'], { DATABASE_URL: `sqlite:${file}` }, noKey);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `${REQUIRED}: ${file} was made with a master key, and only that key opens it (for a database of ` +
        'countersign dev, the master.key file of its data folder). Do not make a new key for it.\n',
    });
    expect(result.stderr).not.toContain('openssl');
  });

  it('is found beside a SQLite database as master.key when nothing else names one (countersign dev’s folder)', async () => {
    const data = join(dir, 'devdata');
    mkdirSync(data);
    const key = masterKey();
    writeFileSync(join(data, 'master.key'), `${key}\n`, { mode: 0o600 });
    const { COUNTERSIGN_MASTER_KEY: _key, ...noKey } = env;
    const devEnv = { ...noKey, DATABASE_URL: `sqlite:${join(data, 'countersign.db')}` };
    const created = await run(['apps', 'create', '--name', 'Dev Bank', '--json'], {}, devEnv);
    expect(created.code).toBe(0);
    // The same database opens with that key given outright: it was sealed under it.
    const listed = await run(['apps', 'list', '--json'], { ...devEnv, COUNTERSIGN_MASTER_KEY: key }, {});
    expect((JSON.parse(listed.stdout) as AppJson[]).map((a) => a.name)).toEqual(['Dev Bank']);
  });

  it('rejects a malformed key with one line', async () => {
    expect(await run(['apps', 'list'], { COUNTERSIGN_MASTER_KEY: 'abc' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'countersign: COUNTERSIGN_MASTER_KEY must be 32 bytes written as 64 hexadecimal characters\n',
    });
  });
});

describe('countersign outbox', STARTS_A_SERVER, () => {
  it('--json lists the SMS the console provider sent, with its code', async () => {
    expect(await run(['outbox', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    const created = await runJson<CreatedJson>(['apps', 'create', '--name', 'Acme', '--json']);
    const server = await serve();
    const user = await api(server, 'POST', '/protected/json/users/new', created.api_key, {
      user: { email: 'ada@example.com', cellphone: '509-555-1212', country_code: 1 },
    });
    expect(user.status).toBe(200);
    const userId = (user.body.user as { id: number }).id;
    expect((await api(server, 'GET', `/protected/json/sms/${userId}`, created.api_key)).status).toBe(200);

    const entries = await runJson<Record<string, unknown>[]>(['outbox', '--json']);
    expect(entries).toHaveLength(1);
    const entry = entries[0] as Record<string, unknown>;
    expect(entry).toEqual({
      id: entry.id,
      app_id: 1,
      channel: 'sms',
      to: '+15095551212',
      body: entry.body,
      created_at: entry.created_at,
    });
    expect(entry.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(String(entry.created_at)).toISOString()).toBe(entry.created_at);
    const code = /^Your Acme verification code is (\d{7})$/.exec(String(entry.body))?.[1];
    expect(code).toBeDefined();

    const verified = await api(server, 'GET', `/protected/json/verify/${code}/${userId}`, created.api_key);
    expect(verified.status).toBe(200);
  });
});

describe('countersign serve', STARTS_A_SERVER, () => {
  it('answers /healthz with 200 {"status":"ok"} and exits 0 on SIGTERM', async () => {
    const server = await serve();
    const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(await healthy(server.url)).toBe(false);
  });
});

describe('countersign dev', STARTS_A_SERVER, () => {
  const KEY_LINE = /^ {2}Dev API key: {4}([0-9a-f]{48})$/m;

  const BANK_LINE = /^ {2}Bank demo: {6}(http:\/\/localhost:\d+)$/m;

  /** `countersign dev` with its bank demo on a free port, never the 5000 a developer may be using. */
  async function dev(dataDir: string): Promise<{ running: Running; apiKey: string; bankPort: number }> {
    const bankPort = await freePort();
    const running = await launch(['dev', '--data', dataDir], {
      PATH: env.PATH ?? '',
      HOST: '127.0.0.1',
      BANK_PORT: String(bankPort),
    });
    await waitFor(running, 'the dev API key', () => KEY_LINE.test(running.output.stdout));
    const apiKey = KEY_LINE.exec(running.output.stdout)?.[1] ?? '';
    return { running, apiKey, bankPort };
  }

  it('prints a working dev API key, creates master.key with mode 0600, and a second start reuses the same app', async () => {
    const dataDir = join(dir, 'data');
    const keyFile = join(dataDir, 'master.key');

    const first = await dev(dataDir);
    expect(first.running.output.stdout).toContain(
      `Created a development master key in ${keyFile}. Never use it in production.\n`,
    );
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyText = readFileSync(keyFile, 'utf8');
    expect(keyText).toMatch(/^[0-9a-f]{64}\n$/);
    const details = await api(first.running, 'GET', '/protected/json/app/details', first.apiKey);
    expect(details.status).toBe(200);
    expect(details.body.app).toMatchObject({ name: 'Countersign Bank', app_id: 1, number_matching: '2' });
    expect(await first.running.stop()).toEqual({ code: 0, signal: null });

    const second = await dev(dataDir);
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.running.output.stdout).not.toContain('Created a development master key');
    expect(readFileSync(keyFile, 'utf8')).toBe(keyText);
    expect((await api(second.running, 'GET', '/protected/json/app/details', second.apiKey)).status).toBe(200);
    expect(await second.running.stop()).toEqual({ code: 0, signal: null });

    const apps = await run(['apps', 'list', '--json'], {
      DATABASE_URL: `sqlite:${join(dataDir, 'countersign.db')}`,
      COUNTERSIGN_MASTER_KEY: keyText.trim(),
    });
    expect(apps.code).toBe(0);
    expect((JSON.parse(apps.stdout) as AppJson[]).map((a) => a.name)).toEqual(['Countersign Bank']);
  });

  it('starts the bank demo beside the service on the dev key, prints its URL and the authenticator’s, and stops both', async () => {
    const { running, bankPort } = await dev(join(dir, 'data'));
    const { stdout } = running.output;
    expect(BANK_LINE.exec(stdout)?.[1]).toBe(`http://localhost:${bankPort}`);
    expect(stdout).toContain(
      `  Authenticator:  http://localhost:${new URL(running.url).port}/authenticator/\n`,
    );
    const bank = `http://127.0.0.1:${bankPort}`;
    expect((await fetch(`${bank}/healthz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    const register = await fetch(`${bank}/register`, { signal: AbortSignal.timeout(5000) });
    expect(register.status).toBe(200);
    expect(await register.text()).toContain('<h1>Create your account</h1>');
    expect(existsSync(join(dir, 'data', 'bank.db'))).toBe(true);

    expect(await running.stop()).toEqual({ code: 0, signal: null });
    expect(await healthy(bank)).toBe(false);
  });

  /** The commands the banner offers, exactly as printed. */
  function printedCommands(stdout: string): string[] {
    const [, block = ''] = /In another terminal, here:\n((?: {4}.+\n)+)/.exec(stdout) ?? [];
    return block
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (l.trim().split(/ {3,}/)[0] ?? '').trim());
  }

  /** Runs a printed command in a shell, in the folder `dev` runs in, with the environment it runs with. */
  function shell(command: string, cwd: string, shellEnv: Env): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        { cwd, env: shellEnv, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  // One test per folder: npx finds the binary again for every command it runs, seconds each on a busy
  // machine, and both folders in one test came near its bound.
  it.for([
    { where: './data', folder: undefined },
    { where: 'a folder of its own', folder: 'elsewhere' },
  ])(
    'every command the banner prints works exactly as printed, in $where',
    { timeout: 60_000 },
    async ({ folder }) => {
      // The repository's checkout, as `npm start` runs there: `npx countersign` finds the workspace's bin.
      symlinkSync(join(SERVER_DIR, '..', '..', 'node_modules'), join(dir, 'node_modules'));
      const shellEnv = { PATH: env.PATH ?? '', HOST: '127.0.0.1', npm_config_yes: 'false' };
      const data = folder === undefined ? undefined : join(dir, folder);
      const running = await launch(['dev', ...(data === undefined ? [] : ['--data', data])], {
        ...shellEnv,
        BANK_PORT: String(await freePort()),
      });
      await waitFor(running, 'the dev API key', () => KEY_LINE.test(running.output.stdout));
      const commands = printedCommands(running.output.stdout);
      expect(commands).toHaveLength(4);
      for (const command of commands) {
        expect(command).toMatch(
          /npx countersign (outbox|apps list|webhooks list|operators add you@example\.com --role admin)$/,
        );
        const result = await shell(command, dir, shellEnv);
        expect({ command, ...result, stdout: '' }).toEqual({ command, code: 0, stdout: '', stderr: '' });
        // The console's setup link names the running service, whatever the shell's environment says.
        if (command.includes('operators add')) {
          const console = `http://localhost:${new URL(running.url).port}/console/`;
          expect(running.output.stdout).toContain(`  Console:        ${console}\n`);
          expect(result.stdout).toMatch(new RegExp(`\n  ${console}#/setup/[A-Za-z0-9_-]{43}\n$`));
        }
      }
      if (data !== undefined)
        expect(commands[0]).toBe(`DATABASE_URL=sqlite:${data}/countersign.db npx countersign outbox`);
      else expect(commands[0]).toBe('npx countersign outbox');
      expect(await running.stop()).toEqual({ code: 0, signal: null });
    },
  );

  it('keeps its terminal readable: the banner with Ctrl-C, and no JSON request lines after it', async () => {
    const { running, apiKey } = await dev(join(dir, 'data'));
    for (let i = 0; i < 5; i++) {
      expect((await api(running, 'GET', '/protected/json/app/details', apiKey)).status).toBe(200);
    }
    expect((await api(running, 'GET', '/protected/json/app/details', 'wrong-key')).status).toBe(401);
    expect(await running.stop()).toEqual({ code: 0, signal: null });
    const { stdout, stderr } = running.output;
    expect(stdout).toContain('  Ctrl-C to stop.\n');
    expect(stdout).toContain(`  API reference:  http://localhost:${new URL(running.url).port}/docs\n`);
    for (const text of [stdout, stderr]) {
      expect(text.split('\n').filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    }
    // What it does log (a refused key is a warning) reads as a sentence, never with the key.
    expect(stdout).toMatch(/WARN.*security event/);
    expect(stdout).not.toContain('wrong-key');
  });

  it('hands the bank every BANK_* setting of its environment (BANK_APPROVAL_SECONDS)', async () => {
    const running = await launch(['dev', '--data', join(dir, 'data')], {
      PATH: env.PATH ?? '',
      HOST: '127.0.0.1',
      BANK_PORT: String(await freePort()),
      BANK_APPROVAL_SECONDS: '0',
    });
    await waitFor(running, 'the dev API key', () => KEY_LINE.test(running.output.stdout));
    expect(running.output.stderr).toContain(
      'The bank demo was not started: BANK_APPROVAL_SECONDS must be between 1 and 86400.\n',
    );
    expect(await running.stop()).toEqual({ code: 0, signal: null });
  });

  it('keeps the service running, and says why, when the bank demo’s port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const running = await launch(['dev', '--data', join(dir, 'data'), '--bank-port', String(port)], {
        PATH: env.PATH ?? '',
        HOST: '127.0.0.1',
      });
      await waitFor(running, 'the dev API key', () => KEY_LINE.test(running.output.stdout));
      expect(running.output.stdout).not.toMatch(BANK_LINE);
      expect(running.output.stderr).toContain(
        `The bank demo was not started: port ${port}: the port is in use; choose another with BANK_PORT or --bank-port.\n`,
      );
      expect(await healthy(running.url)).toBe(true);
      expect(await running.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
