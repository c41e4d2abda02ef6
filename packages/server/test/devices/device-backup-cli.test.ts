// `countersign device backup` and `device restore` against the real service on loopback: a state folder
// enrolled by an app's link and holding a third-party account is backed up, restored into a new folder,
// and the restored codes are RFC 6238's, computed here with node:crypto.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuthyClient, authyClientModule } from '../compat/compat-support.js';
import { type CliResult, runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

const PASSPHRASE = 'correct horse battery staple';
/** RFC 6238's SHA-1 seed. */
const SEED = Buffer.from('12345678901234567890');
const FORGE = 'otpauth://totp/Forge:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge';

let server: TestServer;
let bank: { id: number; apiKey: string; client: AuthyClient };
let dir: string;
let phone = 5_095_553_100;

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.createApp({ name: 'Test Bank' });
  const client = new authyClientModule.Client({ key: created.apiKey }, { host: server.url, timeout: 10_000 });
  bank = { id: created.id, apiKey: created.apiKey, client };
});

afterAll(async () => {
  await server?.close();
});

beforeEach((context) => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-device-backup-'));
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
});

/** Runs `countersign device …` in this process with only the environment and input given. */
function device(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return runCli(['device', ...args], env, stdin === undefined ? {} : { stdin });
}

async function json<T>(result: Promise<CliResult>): Promise<T> {
  const { code, stdout, stderr } = await result;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as T;
}

async function newUser(): Promise<number> {
  phone += 1;
  const user = await bank.client.registerUser({
    countryCode: 'US',
    email: 'u@example.com',
    phone: String(phone),
  });
  return (user.user as { id: number }).id;
}

/** A state folder enrolled for the user (a new one by default) by the bank's link, holding the Forge account too. */
async function enrolledState(name: string, authyId?: number): Promise<string> {
  const response = await call(
    server,
    'POST',
    `/protected/json/users/${authyId ?? (await newUser())}/enrollments`,
    {
      key: bank.apiKey,
    },
  );
  const url = new URL((response.body.enrollment as { url: string }).url);
  const state = join(dir, name);
  await json(device(['enroll', `${server.url}${url.pathname}${url.hash}`, '--state', state, '--json']));
  await json(device(['add-totp', FORGE, '--state', state, '--json']));
  return state;
}

function rfc6238(ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', SEED).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

describe('countersign device backup and restore', () => {
  it('back up with the passphrase from the environment, warn of the app only this folder answers, and restore from stdin into a new folder with the same codes', async () => {
    const state = await enrolledState('phone');
    const out = join(dir, 'backup.json');
    const backup = await json<Record<string, unknown>>(
      device(['backup', '--state', state, '--out', out, '--json'], {
        COUNTERSIGN_BACKUP_PASSPHRASE: PASSPHRASE,
      }),
    );
    expect(backup).toEqual({
      file: out,
      totp_accounts: 1,
      enrollments: 1,
      only_here: [
        { account_id: expect.any(String), server: server.url, app_id: bank.id, app_name: 'Test Bank' },
      ],
      unchecked: [],
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const file = readFileSync(out, 'utf8');
    expect(file).not.toContain('GEZDGNBVGY3TQOJQ');
    expect(file).not.toContain(PASSPHRASE);

    // The file is never overwritten.
    const again = await device(['backup', '--state', state, '--out', out], {
      COUNTERSIGN_BACKUP_PASSPHRASE: PASSPHRASE,
    });
    expect(again).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: ${out} exists: choose another --out, or remove it first\n`,
    });

    const restored = join(dir, 'new-phone');
    const human = await device(['restore', out, '--state', restored], {}, `${PASSPHRASE}\n`);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    const host = new URL(server.url).host;
    expect(human.stdout.split('\n').map((line) => line.replace(/^ {2}[0-9a-f]{10}/, '  ID'))).toEqual([
      'Restored 1 third-party account.',
      '  ID  Forge (ada) (third-party TOTP)',
      'Enroll again with these apps, through their enrollment link or phone sign-up (their keys stayed on the old device):',
      `  Test Bank (${host})`,
      '',
    ]);
    const before = Date.now();
    const codes = await json<{ name: string; code: string }[]>(
      device(['codes', '--state', restored, '--json']),
    );
    const after = Date.now();
    expect(codes.map(({ name }) => name)).toEqual(['Forge (ada)']);
    expect([rfc6238(before), rfc6238(after)]).toContain(codes[0]?.code);

    // Restoring again adds nothing: the account is already there.
    const twice = await json<Record<string, unknown>>(
      device(['restore', out, '--state', restored, '--json'], { COUNTERSIGN_BACKUP_PASSPHRASE: PASSPHRASE }),
    );
    expect(twice).toEqual({
      added: [],
      duplicates: 1,
      reenroll: [{ label: null, server: server.url, apps: [{ app_id: bank.id, app_name: 'Test Bank' }] }],
    });
  });

  it('refuse a wrong passphrase, a damaged file, a short passphrase and none at all, each in one line', async () => {
    const state = await enrolledState('phone');
    const out = join(dir, 'backup.json');
    const env = { COUNTERSIGN_BACKUP_PASSPHRASE: PASSPHRASE };
    await json(device(['backup', '--state', state, '--out', out, '--json'], env));
    const restored = join(dir, 'new-phone');

    expect(
      await device(['restore', out, '--state', restored], {
        COUNTERSIGN_BACKUP_PASSPHRASE: 'not the passphrase',
      }),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: 'countersign: this passphrase does not open the backup\n',
    });
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, readFileSync(out, 'utf8').slice(0, 200));
    expect(await device(['restore', damaged, '--state', restored], env)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'countersign: this is not a readable Countersign backup: the file is not JSON (it may be cut short)\n',
    });
    const missing = join(dir, 'missing.json');
    expect(await device(['restore', missing, '--state', restored], env)).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: ${missing} is not a file that can be read\n`,
    });
    expect(await json(device(['accounts', '--state', restored, '--json']))).toEqual([]);

    expect(
      await device(['backup', '--state', state, '--out', join(dir, 'short.json')], {
        COUNTERSIGN_BACKUP_PASSPHRASE: 'too short',
      }),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "countersign: a backup's passphrase has at least 10 characters: set another in COUNTERSIGN_BACKUP_PASSPHRASE or on standard input\n",
    });
    expect(await device(['backup', '--state', state, '--out', join(dir, 'none.json')])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'countersign: no passphrase: set COUNTERSIGN_BACKUP_PASSPHRASE or pipe it on standard input (at least 10 characters)\n',
    });
  });

  it('name no app as unreachable once another device of the user answers it', async () => {
    const authyId = await newUser();
    const state = await enrolledState('phone', authyId);
    await enrolledState('tablet', authyId);
    const backup = await json<Record<string, unknown>>(
      device(['backup', '--state', state, '--out', join(dir, 'backup.json'), '--json'], {
        COUNTERSIGN_BACKUP_PASSPHRASE: PASSPHRASE,
      }),
    );
    expect(backup).toMatchObject({ enrollments: 1, only_here: [], unchecked: [] });
  });
});
