// The device flow end to end through public interfaces only: the service on loopback, an app using the
// real `authy-client`, and a device that is the `countersign device …` command line (run in this process;
// cli.test.ts runs the binary itself).
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Device, type ReceiptKeySet, verifyReceipt } from '@countersign/device';
import { folderStorage } from '@countersign/device/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeReceiptCheck, receiptCheck } from '../../src/cli/device-command.js';
import { type AuthyClient, authyClientModule, UUID } from '../compat/compat-support.js';
import { type CliResult, runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let plain: { id: number; apiKey: string; client: AuthyClient };
let matching: { id: number; apiKey: string; client: AuthyClient };
let dir: string;
let state: string;
let phone = 5_095_550_100;

beforeAll(async () => {
  // The real clock: the device keeps its own time, and signed calls must be within 60 s of the service.
  server = await startTestServer();
  const app = async (name: string, numberMatching: 'off' | '2') => {
    const created = await server.createApp({ name, numberMatching });
    const client = new authyClientModule.Client(
      { key: created.apiKey },
      { host: server.url, timeout: 10_000 },
    );
    return { id: created.id, apiKey: created.apiKey, client };
  };
  plain = await app('Test Bank', 'off');
  matching = await app('Matching Bank', '2');
});

afterAll(async () => {
  await server?.close();
});

beforeEach((context) => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-device-cli-'));
  state = join(dir, 'state');
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
});

/** Runs `countersign device …` to completion in this process, with nothing of our environment. */
function device(args: string[]): Promise<CliResult> {
  return runCli(['device', ...args], {});
}

/** Runs a device command with `--state` and `--json`; expects success and exactly one JSON document. */
async function deviceJson<T>(args: string[]): Promise<T> {
  const result = await device([...args, '--state', state, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd()).not.toContain('\n');
  return JSON.parse(result.stdout) as T;
}

/** Registers a fresh user with the app's authy-client and returns its Authy id. */
async function newUser(app: { client: AuthyClient }): Promise<number> {
  phone += 1;
  const response = await app.client.registerUser({
    countryCode: 'US',
    email: `u${phone}@example.com`,
    phone: String(phone),
  });
  return (response.user as { id: number }).id;
}

/**
 * An enrollment link for the user, as the app gets it with its API key. The harness listens on a port it
 * learns only after PUBLIC_URL is fixed, so the link's origin is pointed at where the service listens.
 */
async function enrollmentLink(app: { apiKey: string }, authyId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.apiKey,
  });
  expect(response.status).toBe(200);
  const enrollment = response.body.enrollment as { url: string; qr_code: string; expires_at: string };
  expect(response.body.success).toBe(true);
  const prefix = `${server.config.publicUrl}/authenticator/#enroll=`;
  expect(enrollment.url.startsWith(prefix)).toBe(true);
  expect(enrollment.url.slice(prefix.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return `${server.url}${new URL(enrollment.url).pathname}${new URL(enrollment.url).hash}`;
}

interface EnrollJson {
  account_id: string;
  device_id: string;
  accounts: { app_id: number; app_name: string; authy_id: number }[];
}

/** A user of `app` with this test's state folder enrolled as its device. */
async function enrolledUser(app: { id: number; apiKey: string; client: AuthyClient }) {
  const authyId = await newUser(app);
  const enrolled = await deviceJson<EnrollJson>(['enroll', await enrollmentLink(app, authyId)]);
  return { authyId, deviceId: enrolled.device_id, accountId: enrolled.account_id };
}

async function approvalRequest(
  app: { client: AuthyClient },
  authyId: number,
  message = 'Transfer $500 to bob@example.com',
): Promise<{ uuid: string; number_match?: string }> {
  const created = await app.client.createApprovalRequest({
    authyId,
    message,
    details: { visible: { Amount: '$500', Account: '1234' }, hidden: { ip_address: '10.0.0.7' } },
  });
  return created.approval_request as { uuid: string; number_match?: string };
}

async function approvalStatus(app: { client: AuthyClient }, uuid: string): Promise<Record<string, unknown>> {
  return (await app.client.getApprovalRequest({ id: uuid })).approval_request as Record<string, unknown>;
}

describe('countersign device enroll', () => {
  it('enrolls with an app link: prints the device id and the account (no TOTP seed), in a 0700 folder of 0600 files', async () => {
    const authyId = await newUser(plain);
    const enrolled = await deviceJson<EnrollJson>(['enroll', await enrollmentLink(plain, authyId)]);
    expect(enrolled).toEqual({
      account_id: expect.stringMatching(/^[0-9a-f]{10}$/),
      device_id: expect.stringMatching(UUID),
      accounts: [{ app_id: plain.id, app_name: 'Test Bank', authy_id: authyId }],
    });
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const files = readdirSync(state, { recursive: true, encoding: 'utf8' }).map((name) => join(state, name));
    expect(files.length).toBeGreaterThanOrEqual(3); // the account list, the device record and its key
    for (const file of files) {
      expect(statSync(file).mode & 0o777).toBe(statSync(file).isDirectory() ? 0o700 : 0o600);
    }
  });

  it('a link works once: a second device using it exits 1 with one line', async () => {
    const authyId = await newUser(plain);
    const link = await enrollmentLink(plain, authyId);
    await deviceJson<EnrollJson>(['enroll', link]);
    const again = await device(['enroll', link, '--state', join(dir, 'other'), '--json']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^countersign: the service refused \(\d{3}\): [^\n]+\n$/);
  });

  it('a state folder holds many accounts: a second link enrolls a second account with a key of its own', async () => {
    const first = await enrolledUser(plain);
    const second = await enrolledUser(matching);
    expect(second.accountId).not.toBe(first.accountId);
    expect(second.deviceId).not.toBe(first.deviceId);
    const accounts = await deviceJson<{ id: string; device_id: string; label: string }[]>(['accounts']);
    expect(accounts.map(({ id, device_id, label }) => [id, device_id, label])).toEqual([
      [first.accountId, first.deviceId, 'Test Bank'],
      [second.accountId, second.deviceId, 'Matching Bank'],
    ]);
    // Each device has its own public key at the service: the apps cannot link the user through it.
    const keys = await server.db
      .selectFrom('devices')
      .select(['id', 'public_key'])
      .where('id', 'in', [first.deviceId, second.deviceId])
      .execute();
    expect(keys).toHaveLength(2);
    expect(keys[0]?.public_key).not.toEqual(keys[1]?.public_key);
  });
});

describe('countersign device pending, approve and deny', () => {
  it('pending shows a request exactly as the app wrote it, never its hidden details', async () => {
    const { authyId } = await enrolledUser(plain);
    expect(await deviceJson(['pending'])).toEqual([]);
    const { uuid } = await approvalRequest(plain, authyId);
    expect(await deviceJson(['pending'])).toEqual([
      {
        uuid,
        account_id: expect.stringMatching(/^[0-9a-f]{10}$/),
        app_name: 'Test Bank',
        message: 'Transfer $500 to bob@example.com',
        details: { Amount: '$500', Account: '1234' },
        number_match_required: false,
      },
    ]);
  });

  it('pending without --json lists each request with its details, one per line', async () => {
    const { authyId } = await enrolledUser(plain);
    const created = await plain.client.createApprovalRequest({
      authyId,
      message: 'Log in',
      details: { visible: { Where: 'Lisbon' } },
    });
    const { uuid } = created.approval_request as { uuid: string };
    expect(await device(['pending', '--state', state])).toEqual({
      code: 0,
      stdout: `${uuid}  Test Bank: Log in\n    Where: Lisbon\n`,
      stderr: '',
    });
  });

  it('text stored before the display rule (D11) is shown with a marker for each refused character; --json keeps it as stored, and approving signs what was stored', async () => {
    // An app and a request written straight to the store, as data from before the rule would be.
    const legacy = await server.createApp({ name: 'Legacy Bank' });
    await server.db.updateTable('apps').set({ name: 'Old \u202eknaB' }).where('id', '=', legacy.id).execute();
    const app = {
      ...legacy,
      client: new authyClientModule.Client({ key: legacy.apiKey }, { host: server.url, timeout: 10_000 }),
    };
    const authyId = await newUser(app);
    const enrolled = await device(['enroll', await enrollmentLink(app, authyId), '--state', state]);
    expect(enrolled.stderr).toBe('');
    expect(enrolled.stdout).toMatch(
      new RegExp(
        `^Enrolled as device ${UUID.source.slice(1, -1)}, account [0-9a-f]{10}\\.\\n  Old ⟨U\\+202E⟩knaB \\(authy id ${authyId}\\)\\nMarked ⟨U\\+…⟩: characters that could hide or reorder text, shown as their code points\\. --json gives the text as stored\\.\\n$`,
      ),
    );

    const stored = await server.app.services.apps.find(legacy.id);
    if (stored === undefined) throw new Error('the legacy app is gone');
    const payee = 'mallory \u202e00.000,9$ :tnuomA\u202c';
    const { uuid } = await server.app.services.approvals.create(stored, String(authyId), {
      message: 'Pay mallory',
      details: { Payee: payee, 'Memo\u200b': 'rent\u0007' },
      hiddenDetails: {},
      logos: [],
      secondsToExpire: 300,
    });

    expect(await deviceJson(['pending'])).toEqual([
      {
        uuid,
        account_id: expect.stringMatching(/^[0-9a-f]{10}$/),
        app_name: 'Old \u202eknaB',
        message: 'Pay mallory',
        details: { Payee: payee, 'Memo\u200b': 'rent\u0007' },
        number_match_required: false,
      },
    ]);
    const human = await device(['pending', '--state', state]);
    expect(human).toEqual({
      code: 0,
      stdout: [
        `${uuid}  Old ⟨U+202E⟩knaB: Pay mallory`,
        '    Payee: mallory ⟨U+202E⟩00.000,9$ :tnuomA⟨U+202C⟩',
        '    Memo⟨U+200B⟩: rent⟨U+0007⟩',
        'Marked ⟨U+…⟩: characters that could hide or reorder text, shown as their code points. --json gives the text as stored.',
        '',
      ].join('\n'),
      stderr: '',
    });
    // The service checks the answer's display hash against its own record: the stored text, not the markers.
    expect(await deviceJson(['approve', uuid])).toEqual({ uuid, status: 'approved' });
    expect(await approvalStatus(app, uuid)).toMatchObject({ status: 'approved' });
    // The history marks them too, and its receipt verifies over the text as stored.
    const history = await device(['history', '--state', state]);
    expect(history.stderr).toBe('');
    expect(history.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^\S+Z {2}Old ⟨U\+202E⟩knaB: Pay mallory {2}— {2}approved {2}— {2}answered by this device {2}— {2}receipt verified$/,
      ),
      'Marked ⟨U+…⟩: characters that could hide or reorder text, shown as their code points. --json gives the text as stored.',
      '',
    ]);
  });

  it('approve: the app reads "approved" through authy-client, with the device; the request leaves pending', async () => {
    const { authyId, deviceId } = await enrolledUser(plain);
    const { uuid } = await approvalRequest(plain, authyId);
    expect(await deviceJson(['approve', uuid])).toEqual({ uuid, status: 'approved' });
    expect(await approvalStatus(plain, uuid)).toMatchObject({
      uuid,
      status: 'approved',
      device_uuid: deviceId,
    });
    expect(await deviceJson(['pending'])).toEqual([]);

    const twice = await device(['approve', uuid, '--state', state, '--json']);
    expect(twice).toEqual({
      code: 1,
      stdout: '',
      stderr: `countersign: no pending request ${uuid} for this device (answered, expired or unknown)\n`,
    });
  });

  it('deny: the app reads "denied" with reason "denied"', async () => {
    const { authyId } = await enrolledUser(plain);
    const { uuid } = await approvalRequest(plain, authyId);
    expect(await deviceJson(['deny', uuid])).toEqual({ uuid, status: 'denied' });
    expect(await approvalStatus(plain, uuid)).toMatchObject({ uuid, status: 'denied', reason: 'denied' });
  });

  it('deny --reason not_me: the app reads "denied" with reason "not_me"', async () => {
    const { authyId } = await enrolledUser(plain);
    const { uuid } = await approvalRequest(plain, authyId);
    expect(await deviceJson(['deny', uuid, '--reason', 'not_me'])).toEqual({ uuid, status: 'denied' });
    expect(await approvalStatus(plain, uuid)).toMatchObject({ uuid, status: 'denied', reason: 'not_me' });
  });

  it('a device answers only the app whose link enrolled it: another app’s request for the same phone is not pending', async () => {
    const { authyId } = await enrolledUser(plain);
    // The same phone registered by the other app is the same Authy identity (D8).
    const otherId = (
      (
        await matching.client.registerUser({
          countryCode: 'US',
          email: 'x@example.com',
          phone: String(phone),
        })
      ).user as { id: number }
    ).id;
    expect(otherId).toBe(authyId);
    await approvalRequest(matching, otherId, 'Other app');
    expect(await deviceJson(['pending'])).toEqual([]);
  });
});

describe('number matching through the command line', () => {
  it('approve asks for --code (exit 2); the right code approves', async () => {
    const { authyId } = await enrolledUser(matching);
    const { uuid, number_match } = await approvalRequest(matching, authyId);
    expect(number_match).toMatch(/^\d{2}$/);
    expect(await deviceJson<{ number_match_required: boolean }[]>(['pending'])).toMatchObject([
      { uuid, number_match_required: true },
    ]);

    const without = await device(['approve', uuid, '--state', state, '--json']);
    expect(without).toEqual({
      code: 2,
      stdout: '',
      stderr: 'countersign: this request asks for the number the app shows: add --code N\n',
    });
    expect(await approvalStatus(matching, uuid)).toMatchObject({ status: 'pending' });

    expect(await deviceJson(['approve', uuid, '--code', String(number_match)])).toEqual({
      uuid,
      status: 'approved',
    });
    expect(await approvalStatus(matching, uuid)).toMatchObject({ status: 'approved' });
  });

  it('a wrong code ends the request as denied (number_mismatch) and exits 1 with one line', async () => {
    const { authyId } = await enrolledUser(matching);
    const { uuid, number_match } = await approvalRequest(matching, authyId);
    const wrong = number_match === '00' ? '01' : '00';
    const result = await device(['approve', uuid, '--code', wrong, '--state', state, '--json']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `countersign: the number did not match: request ${uuid} is denied\n`,
    });
    expect(await approvalStatus(matching, uuid)).toMatchObject({
      status: 'denied',
      reason: 'number_mismatch',
    });
  });

  it('a denial needs no code', async () => {
    const { authyId } = await enrolledUser(matching);
    const { uuid } = await approvalRequest(matching, authyId);
    expect(await deviceJson(['deny', uuid])).toEqual({ uuid, status: 'denied' });
  });
});

describe('countersign device codes', () => {
  it('gives a TOTP code for the account that GET /protected/json/verify accepts', async () => {
    const { authyId, accountId } = await enrolledUser(plain);
    const codes = await deviceJson<
      { app_name: string; authy_id: number; code: string; expires_in: number; period: number }[]
    >(['codes']);
    expect(codes).toEqual([
      {
        account_id: accountId,
        app_name: 'Test Bank',
        authy_id: authyId,
        code: expect.stringMatching(/^\d{7}$/),
        expires_in: expect.any(Number),
        period: 30,
      },
    ]);
    const [entry] = codes;
    expect(entry?.expires_in).toBeGreaterThanOrEqual(1);
    expect(entry?.expires_in).toBeLessThanOrEqual(30);
    const verified = await call(server, 'GET', `/protected/json/verify/${entry?.code}/${authyId}`, {
      key: plain.apiKey,
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
  });
});

/** RFC 6238 with node:crypto's HMAC, independent of the code under test. */
function rfc6238(seed: Buffer, seconds: number, digits: number, period: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / period)));
  const mac = createHmac('sha256', seed).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}

describe('many accounts in one --state folder', () => {
  it('pending lists the requests of every enrollment, each labelled with its account; each answer goes to its own', async () => {
    const bank = await enrolledUser(plain);
    const shop = await enrolledUser(matching);
    const toBank = await approvalRequest(plain, bank.authyId, 'Bank login');
    const toShop = await approvalRequest(matching, shop.authyId, 'Shop payment');
    const pending = await deviceJson<{ uuid: string; account_id: string; app_name: string }[]>(['pending']);
    expect(pending.map(({ uuid, account_id, app_name }) => [uuid, account_id, app_name])).toEqual([
      [toBank.uuid, bank.accountId, 'Test Bank'],
      [toShop.uuid, shop.accountId, 'Matching Bank'],
    ]);
    const human = await device(['pending', '--state', state]);
    const host = new URL(server.url).host;
    expect(human.stdout).toBe(
      [
        `${toBank.uuid}  Test Bank: Bank login`,
        `    account: ${bank.accountId}  Test Bank (${host})`,
        '    Amount: $500',
        '    Account: 1234',
        `${toShop.uuid}  Matching Bank: Shop payment`,
        `    account: ${shop.accountId}  Matching Bank (${host})`,
        '    Amount: $500',
        '    Account: 1234',
        '    (asks for the number the app shows: --code N)',
        '',
      ].join('\n'),
    );
    // --account narrows the list; a request of another account is not found there.
    expect(await deviceJson(['pending', '--account', 'matching bank'])).toHaveLength(1);
    const elsewhere = await device(['approve', toBank.uuid, '--account', shop.accountId, '--state', state]);
    expect(elsewhere.code).toBe(1);

    expect(await deviceJson(['approve', toBank.uuid])).toEqual({ uuid: toBank.uuid, status: 'approved' });
    expect(await approvalStatus(plain, toBank.uuid)).toMatchObject({
      status: 'approved',
      device_uuid: bank.deviceId,
    });
    expect(await deviceJson(['approve', toShop.uuid, '--code', toShop.number_match ?? ''])).toEqual({
      uuid: toShop.uuid,
      status: 'approved',
    });
    expect(await approvalStatus(matching, toShop.uuid)).toMatchObject({
      status: 'approved',
      device_uuid: shop.deviceId,
    });
  });

  it('a command on one account asks which when several could be meant, listing them; the last way to answer an app needs --yes', async () => {
    const bank = await enrolledUser(plain);
    const shop = await enrolledUser(matching);
    const host = new URL(server.url).host;
    expect(await device(['remove', '--state', state])).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: this command acts on one account: choose it with --account ID\n  ${bank.accountId}  Test Bank (${host})\n  ${shop.accountId}  Matching Bank (${host})\n`,
    });
    expect(await device(['remove', '--account', 'nobody', '--state', state])).toEqual({
      code: 2,
      stdout: '',
      stderr: `countersign: no account is named "nobody"\n  ${bank.accountId}  Test Bank (${host})\n  ${shop.accountId}  Matching Bank (${host})\n`,
    });
    expect(await device(['remove', '--account', 'Test Bank', '--state', state])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'countersign: Test Bank is the last way this --state folder answers Test Bank: add --yes to remove it anyway\n',
    });
    const moved = await deviceJson<{ id: string }[]>(['move', '1', '--account', 'Matching Bank']);
    expect(moved.map(({ id }) => id)).toEqual([shop.accountId, bank.accountId]);
    expect((await device(['move', '0', '--account', shop.accountId, '--state', state])).stderr).toBe(
      'countersign: a position is a whole number from 1, got "0"\n',
    );
    expect(await deviceJson(['rename', 'Savings', '--account', bank.accountId])).toMatchObject({
      id: bank.accountId,
      label: 'Savings',
    });
    expect(await deviceJson(['remove', '--account', 'savings', '--yes'])).toEqual({
      id: bank.accountId,
      removed: true,
    });
    const revoked = await server.db
      .selectFrom('devices')
      .select('revoked_at')
      .where('id', '=', bank.deviceId)
      .executeTakeFirst();
    expect(revoked?.revoked_at).not.toBeNull();
    expect((await deviceJson<{ id: string }[]>(['accounts'])).map(({ id }) => id)).toEqual([shop.accountId]);
  });

  it('holds a third-party TOTP account from an otpauth:// link, whose code is RFC 6238’s; a bad link exits 2 saying why', async () => {
    const seed = Buffer.from('12345678901234567890123456789012');
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA';
    const added = await deviceJson<{ id: string; label: string }>([
      'add-totp',
      `otpauth://totp/Example:ada@example.com?secret=${secret}&issuer=Example&algorithm=SHA256&digits=8&period=60`,
    ]);
    expect(added).toMatchObject({ kind: 'totp', label: 'Example (ada@example.com)', issuer: 'Example' });
    const before = Date.now();
    const [code] = await deviceJson<{ account_id: string; name: string; code: string }[]>(['codes']);
    const after = Date.now();
    expect(code).toMatchObject({ account_id: added.id, name: 'Example (ada@example.com)', period: 60 });
    expect([rfc6238(seed, before / 1000, 8, 60), rfc6238(seed, after / 1000, 8, 60)]).toContain(code?.code);

    expect(
      await device(['add-totp', `otpauth://totp/x?secret=${secret}&digits=10`, '--state', state]),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'countersign: the number of digits "10" is not supported: use 6, 7 or 8: expected otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER\n',
    });
    // Without an enrollment there are no requests to list.
    expect((await device(['pending', '--state', state])).code).toBe(2);
  });

  it('a --state folder written with one device opens with it: its requests are answered under its old key', async () => {
    const authyId = await newUser(plain);
    const before = new Device({ storage: folderStorage(state), name: 'old CLI', platform: 'cli' });
    const { device_id } = await before.enrollWithLink(await enrollmentLink(plain, authyId));
    expect(readdirSync(state).sort()).toEqual(['device-key.jwk', 'device.json']);

    const { uuid } = await approvalRequest(plain, authyId);
    expect((await deviceJson<{ uuid: string }[]>(['pending'])).map((request) => request.uuid)).toEqual([
      uuid,
    ]);
    expect(await deviceJson(['approve', uuid])).toEqual({ uuid, status: 'approved' });
    expect(await approvalStatus(plain, uuid)).toMatchObject({ status: 'approved', device_uuid: device_id });
    // A second enrollment joins it without touching it.
    await enrolledUser(matching);
    expect((await deviceJson<{ device_id: string }[]>(['accounts']))[0]?.device_id).toBe(device_id);
  });
});

describe('device command lines the user can fix exit 2 with one line', () => {
  it('a state folder without a device', async () => {
    for (const command of [['pending'], ['codes'], ['approve', '6f1d3c1e-6a55-4a8b-9a0e-5d8f1e2c3b4a']]) {
      expect(await device([...command, '--state', state, '--json'])).toEqual({
        code: 2,
        stdout: '',
        stderr: `countersign: no device is enrolled in ${state}: run countersign device enroll URL --state ${state}\n`,
      });
    }
  });

  it('bad arguments', async () => {
    const uuid = '6f1d3c1e-6a55-4a8b-9a0e-5d8f1e2c3b4a';
    const cases: [string[], string][] = [
      [['pending', '--json'], "required option '--state <dir>' not specified"],
      [['approve', 'nope', '--state', state], 'a request id is a UUID, got "nope"'],
      [['approve', uuid, '--code', '4x', '--state', state], '--code is a number, got "4x"'],
      [
        ['deny', uuid, '--reason', 'bored', '--state', state],
        '--reason must be denied or not_me, got "bored"',
      ],
      [
        ['enroll', 'https://cs.example.com/authenticator/', '--state', state],
        'the enrollment link carries no enrollment token (#enroll=…): expected {PUBLIC_URL}/authenticator/#enroll=TOKEN',
      ],
    ];
    for (const [args, message] of cases) {
      expect(await device(args)).toEqual({ code: 2, stdout: '', stderr: `countersign: ${message}\n` });
    }
  });
});

describe('user verification through the command line (D14)', () => {
  it('cannot approve for an app that requires a passkey (exit 1, one line saying why, the request still pending), and can still deny', async () => {
    const created = await server.createApp({ name: 'Euro Bank', userVerification: 'required' });
    const client = new authyClientModule.Client(
      { key: created.apiKey },
      { host: server.url, timeout: 10_000 },
    );
    const euro = { id: created.id, apiKey: created.apiKey, client };
    const { authyId } = await enrolledUser(euro);
    const { uuid } = await approvalRequest(euro, authyId);
    expect(await device(['approve', uuid, '--state', state, '--json'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `countersign: request ${uuid} needs the user verified with a passkey (its app requires it), which countersign device cannot do\n`,
    });
    expect(await approvalStatus(euro, uuid)).toMatchObject({ status: 'pending' });
    expect(await deviceJson(['deny', uuid])).toEqual({ uuid, status: 'denied' });
  });
});

describe('countersign device history', () => {
  interface HistoryJson {
    uuid: string;
    account_id: string;
    app_id: number;
    app_name: string;
    message: string;
    details: Record<string, string>;
    status: string;
    reason: string | null;
    answered_by: { device_id: string; name: string | null; current: boolean } | null;
    receipt: string | null;
    receipt_check: string;
  }

  it('lists an approval and a "this wasn’t me" report, newest first, each receipt verified with the service’s keys', async () => {
    const { authyId, deviceId, accountId } = await enrolledUser(plain);
    const first = await approvalRequest(plain, authyId, 'Log in to Test Bank');
    expect(await deviceJson(['approve', first.uuid])).toEqual({ uuid: first.uuid, status: 'approved' });
    const second = await approvalRequest(plain, authyId, 'Transfer $500 to mallory');
    expect(await deviceJson(['deny', second.uuid, '--reason', 'not_me'])).toEqual({
      uuid: second.uuid,
      status: 'denied',
    });

    const listed = await deviceJson<HistoryJson[]>(['history']);
    expect(
      listed.map(({ uuid, status, reason, receipt_check }) => ({ uuid, status, reason, receipt_check })),
    ).toEqual([
      { uuid: second.uuid, status: 'denied', reason: 'not_me', receipt_check: 'verified' },
      { uuid: first.uuid, status: 'approved', reason: null, receipt_check: 'verified' },
    ]);
    for (const entry of listed) {
      expect(entry).toMatchObject({
        account_id: accountId,
        app_id: plain.id,
        app_name: 'Test Bank',
        details: { Amount: '$500', Account: '1234' },
        answered_by: { device_id: deviceId, current: true },
      });
      // The app's hidden details never reach a device.
      expect(JSON.stringify(entry)).not.toContain('10.0.0.7');
    }

    const human = await device(['history', '--state', state]);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^\S+Z {2}Test Bank: Transfer \$500 to mallory {2}— {2}denied \(you reported: this wasn't me\) {2}— {2}answered by this device {2}— {2}receipt verified$/,
      ),
      expect.stringMatching(
        /^\S+Z {2}Test Bank: Log in to Test Bank {2}— {2}approved {2}— {2}answered by this device {2}— {2}receipt verified$/,
      ),
      '',
    ]);

    // --limit: the newest only; --account names the enrollment.
    expect((await deviceJson<HistoryJson[]>(['history', '--limit', '1'])).map(({ uuid }) => uuid)).toEqual([
      second.uuid,
    ]);
    expect(await deviceJson<HistoryJson[]>(['history', '--account', accountId])).toHaveLength(2);
    for (const limit of ['0', '101', 'ten', '-1']) {
      expect(await device(['history', '--limit', limit, '--state', state])).toEqual({
        code: 2,
        stdout: '',
        stderr: `countersign: --limit is a whole number from 1 to 100, got "${limit}"\n`,
      });
    }
  });

  it('says which check a receipt fails: the text listed with it changed is not what the device signed', async () => {
    const { authyId } = await enrolledUser(plain);
    const { uuid } = await approvalRequest(plain, authyId, 'Pay $25 to the plumber');
    expect(await deviceJson(['approve', uuid])).toEqual({ uuid, status: 'approved' });
    const [entry] = await deviceJson<HistoryJson[]>(['history']);
    if (entry?.receipt == null || entry.answered_by === null) throw new Error('no receipt listed');
    const keys = (await call(server, 'GET', '/.well-known/jwks.json')).body as unknown as ReceiptKeySet;
    const expectation = {
      uuid: entry.uuid,
      app_id: entry.app_id,
      status: 'approved' as const,
      reason: entry.reason,
      device_id: entry.answered_by.device_id,
    };
    const intact = await verifyReceipt(entry.receipt, keys, { ...expectation, displayed: entry });
    expect(describeReceiptCheck(receiptCheck(intact))).toBe('receipt verified');
    const changed = await verifyReceipt(entry.receipt, keys, {
      ...expectation,
      displayed: { ...entry, message: 'Pay $2500 to the plumber' },
    });
    expect(receiptCheck(changed)).toBe('display_mismatch');
    expect(describeReceiptCheck(receiptCheck(changed))).toBe(
      'receipt does not verify: the device signed other text than what is listed',
    );
  });
});
