// The operator's commands (`countersign users|devices|requests …`, issue 17 item 4) against the store a
// running service uses: the app acts through the Authy API on loopback, the device through signed calls,
// and the command line (run in this process) reads and changes the same database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { type CliResult, runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';

let server: TestServer;
let env: Record<string, string>;
let bank: { id: number; key: string; app: App };
let shop: { id: number; key: string; app: App };
let phone = 5_095_550_100;

beforeAll(async () => {
  server = await startTestServer();
  // The command line's environment names the service's database and master key, nothing else.
  env = {
    DATABASE_URL: server.config.databaseUrl,
    COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
  };
  const app = async (name: string) => {
    const created = await server.createApp({ name });
    return {
      id: created.id,
      key: created.apiKey,
      app: (await server.app.services.apps.find(created.id)) as App,
    };
  };
  bank = await app('Operator Bank');
  shop = await app('Operator Shop');
});

afterAll(async () => {
  await server?.close();
});

const cli = (args: string[]): Promise<CliResult> => runCli(args, env);

/** Runs a command with `--json`; expects success and exactly one JSON document. */
async function json<T>(args: string[]): Promise<T> {
  const result = await cli([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.trimEnd()).not.toContain('\n');
  return JSON.parse(result.stdout) as T;
}

/** An email for a phone number that does not contain its digits (the test looks for them in the output). */
const emailOf = (national: string) =>
  `op-${national.replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? '')}@example.com`;

/** Registers a fresh phone number with the app; gives its Authy id and the national number. */
async function newUser(app: { key: string }, existing?: string) {
  phone += 1;
  const national = existing ?? String(phone);
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.key,
    json: { user: { email: emailOf(national), cellphone: national, country_code: '1' } },
  });
  expect(response.status).toBe(200);
  return { id: (response.body.user as { id: number }).id, national };
}

async function enrolledDevice(app: { key: string }, userId: number): Promise<TestDevice> {
  const created = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: app.key });
  expect(created.status).toBe(200);
  return enrollWithLink(server, (created.body.enrollment as { url: string }).url, 'Operator phone');
}

async function approvalRequest(app: { key: string }, userId: number, message = 'Sign in'): Promise<string> {
  const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.key,
    json: { message, details: { Account: '42' }, hidden_details: { ip: 'HIDDEN-203.0.113.9' } },
  });
  expect(created.status).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

async function pendingOf(device: TestDevice, uuid: string): Promise<PendingRequest> {
  const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
  expect(listed.status).toBe(200);
  const found = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (found === undefined) throw new Error(`request ${uuid} is not pending for the device`);
  return found;
}

/** A usage mistake or an unknown id: no output, one line on stderr, the exit code. */
async function refused(args: string[], code: 1 | 2, message: RegExp): Promise<void> {
  const result = await cli(args);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(/^countersign: [^\n]+\n$/);
  expect(result.stderr).toMatch(message);
}

interface ListedUser {
  authy_id: number;
  app_id: number;
  app_name: string;
  email: string;
  phone: string;
  locked: boolean;
  created_at: string;
}

interface ShownUser {
  authy_id: number;
  phone: string;
  apps: {
    app_id: number;
    app_name: string;
    email: string;
    failed_attempts: number;
    locked_until: string | null;
    pushes_paused_until: string | null;
    pending_requests: number;
    created_at: string;
  }[];
  devices: { device_id: string; name: string; platform: string; revoked_at: string | null }[];
}

interface AuditLine {
  actor: string;
  from: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The newest audit entry of `action` on `target`, as `audit list --json` shows it. */
async function audited(action: string, target: string): Promise<AuditLine | undefined> {
  const entries = await json<AuditLine[]>(['audit', 'list', '--action', action, '--json']);
  return entries.find((entry) => entry.target_id === target);
}

describe('users list and show', () => {
  it('find a user by Authy id, email or phone, in every app it is registered with, its phone masked', async () => {
    const { id, national } = await newUser(bank);
    expect((await newUser(shop, national)).id).toBe(id); // one identity per phone number (D8)
    const masked = `+1 XXX-XXX-${national.slice(-4)}`;
    const byId = await json<ListedUser[]>(['users', 'list', '--search', String(id)]);
    expect(byId.map((u) => [u.authy_id, u.app_id, u.phone])).toEqual([
      [id, shop.id, masked],
      [id, bank.id, masked],
    ]);
    expect(byId[1]).toMatchObject({
      app_name: 'Operator Bank',
      email: emailOf(national),
      locked: false,
    });
    const byEmail = await json<ListedUser[]>([
      'users',
      'list',
      '--search',
      emailOf(national).toUpperCase().replace('.COM', ''),
      '--app',
      String(bank.id),
    ]);
    expect(byEmail.map((u) => [u.authy_id, u.app_id])).toEqual([[id, bank.id]]);
    const byPhone = await json<ListedUser[]>([
      'users',
      'list',
      '--search',
      `+1 ${national.slice(0, 3)}-${national.slice(3)}`,
    ]);
    expect(byPhone.map((u) => u.authy_id)).toEqual([id, id]);
    expect(await json<ListedUser[]>(['users', 'list', '--search', 'nobody-here%'])).toEqual([]);

    const shown = await json<ShownUser>(['users', 'show', String(id)]);
    expect(shown).toMatchObject({ authy_id: id, phone: masked, devices: [] });
    expect(shown.apps.map((a) => [a.app_id, a.app_name, a.locked_until, a.pending_requests])).toEqual([
      [bank.id, 'Operator Bank', null, 0],
      [shop.id, 'Operator Shop', null, 0],
    ]);

    // The number in full appears nowhere, in JSON or in words.
    for (const args of [
      ['users', 'list', '--search', national],
      ['users', 'list', '--search', national, '--json'],
      ['users', 'show', String(id)],
      ['users', 'show', String(id), '--json'],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(national.slice(-4));
      expect(result.stdout.replace(/\D/g, ' ')).not.toContain(national.slice(-7));
    }
  });

  it('show lists the devices and counts the pending requests per app', async () => {
    const { id } = await newUser(bank);
    const device = await enrolledDevice(bank, id);
    await approvalRequest(bank, id);
    await approvalRequest(bank, id);
    const shown = await json<ShownUser>(['users', 'show', String(id)]);
    expect(shown.apps.map((a) => a.pending_requests)).toEqual([2]);
    expect(shown.devices).toEqual([
      expect.objectContaining({
        device_id: device.id,
        name: 'Operator phone',
        platform: 'cli',
        revoked_at: null,
      }),
    ]);
    const human = await cli(['users', 'show', String(id)]);
    expect(human.stdout).toContain('2 pending requests');
    expect(human.stdout).toContain(device.id);
  });
});

describe('text from apps and users in the terminal (D11)', () => {
  it('characters that could hide or reorder text are shown as markers; --json gives the text as stored', async () => {
    const { id } = await newUser(bank);
    // Stored before the service refused such text: written to the store directly.
    const stored = 'evil\u202Emoc.elpmaxe@ecila';
    await server.db
      .updateTable('app_users')
      .set({ email: stored })
      .where('user_id', '=', id)
      .where('app_id', '=', bank.id)
      .execute();
    for (const args of [
      ['users', 'list', '--search', String(id)],
      ['users', 'show', String(id)],
    ]) {
      const human = await cli(args);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('evil⟨U+202E⟩moc.elpmaxe@ecila');
      expect(human.stdout).not.toContain('\u202E');
      expect(human.stdout).toMatch(/Marked ⟨U\+…⟩[^\n]*\n$/);
    }
    expect((await json<ListedUser[]>(['users', 'list', '--search', String(id)]))[0]?.email).toBe(stored);
  });
});

describe('users unlock', () => {
  it('lets a user locked out by wrong TOTP codes verify again', async () => {
    const { id } = await newUser(bank);
    const user = await server.app.services.users.find(bank.app, String(id));
    const seed = await server.app.services.users.seed(user);
    const verify = (token: string) =>
      call(server, 'GET', `/protected/json/verify/${token}/${id}`, { key: bank.key });
    const right = () => totpCode(seed, stepAt(Date.now()), 7);
    const current = new Set([
      right(),
      totpCode(seed, stepAt(Date.now()) - 1, 7),
      totpCode(seed, stepAt(Date.now()) + 1, 7),
    ]);
    let wrong = 1_000_000;
    while (current.has(String(wrong))) wrong += 1;
    for (let i = 0; i < 10; i += 1) expect((await verify(String(wrong))).status).toBe(401);
    const locked = await verify(right());
    expect(locked.status).toBe(429);
    expect(locked.body.error_code).toBe('60003');
    const shown = await json<ShownUser>(['users', 'show', String(id)]);
    expect(shown.apps[0]?.locked_until).not.toBeNull();
    expect((await json<ListedUser[]>(['users', 'list', '--search', String(id)]))[0]?.locked).toBe(true);

    expect(await json(['users', 'unlock', String(id), '--app', String(bank.id)])).toEqual({
      authy_id: id,
      apps_unlocked: 1,
    });
    const after = await json<ShownUser>(['users', 'show', String(id)]);
    expect(after.apps[0]).toMatchObject({ locked_until: null, failed_attempts: 0 });
    const verified = await verify(right());
    expect(verified.status).toBe(200);
    expect(verified.body.token).toBe('is valid');
    expect(await audited('user.unlock', String(id))).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      from: 'cli',
      target_type: 'user',
      after: { app_id: bank.id, apps_unlocked: 1 },
    });
  });

  it('an unknown user, or one the app does not know, exits 1', async () => {
    const { id } = await newUser(bank);
    await refused(['users', 'unlock', '999999999'], 1, /no user with Authy id 999999999$/m);
    await refused(['users', 'unlock', String(id), '--app', String(shop.id)], 1, /in app/);
  });
});

describe('users delete', () => {
  it('removes the user from one app as the API does: its pending requests there are withdrawn', async () => {
    const { id, national } = await newUser(bank);
    await newUser(shop, national);
    const withdrawn = await approvalRequest(bank, id);
    const kept = await approvalRequest(shop, id);
    await refused(['users', 'delete', String(id), '--app', String(bank.id)], 2, /--yes/);
    expect(await json(['users', 'delete', String(id), '--app', String(bank.id), '--yes'])).toEqual({
      authy_id: id,
      app_id: bank.id,
      deleted: true,
    });
    const gone = await call(server, 'GET', `/onetouch/json/approval_requests/${withdrawn}`, {
      key: bank.key,
    });
    expect(gone.status).toBe(404);
    const status = await call(server, 'GET', `/protected/json/users/${id}/status`, { key: bank.key });
    expect(status.status).toBe(404);
    // The other app keeps its user and its request.
    const other = await call(server, 'GET', `/onetouch/json/approval_requests/${kept}`, { key: shop.key });
    expect(other.status).toBe(200);
    expect((await json<ShownUser>(['users', 'show', String(id)])).apps.map((a) => a.app_id)).toEqual([
      shop.id,
    ]);
    await refused(
      ['users', 'delete', String(id), '--app', String(bank.id), '--yes'],
      1,
      /no user with Authy id/,
    );
    expect(await audited('user.delete', String(id))).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      target_type: 'user',
      before: { app_id: bank.id },
    });
  });
});

describe('devices list and revoke', () => {
  it("a revoked device's next signed call is refused", async () => {
    const { id } = await newUser(bank);
    const device = await enrolledDevice(bank, id);
    const other = await enrolledDevice(bank, (await newUser(bank)).id);
    expect((await deviceCall(server, device, 'GET', '/device/v1/requests')).status).toBe(200);
    const listed = await json<{ device_id: string }[]>(['devices', 'list', '--user', String(id)]);
    expect(listed.map((d) => d.device_id)).toEqual([device.id]);
    const inApp = await json<{ device_id: string }[]>(['devices', 'list', '--app', String(bank.id)]);
    expect(inApp.map((d) => d.device_id)).toEqual(expect.arrayContaining([device.id, other.id]));
    expect(await json(['devices', 'list', '--app', String(shop.id), '--user', String(id)])).toEqual([]);

    await refused(['devices', 'revoke', device.id], 2, /--yes/);
    expect(await json(['devices', 'revoke', device.id, '--yes'])).toEqual({
      device_id: device.id,
      revoked: true,
    });
    const refusedCall = await deviceCall(server, device, 'GET', '/device/v1/requests');
    expect(refusedCall.status).toBe(401);
    expect(refusedCall.body.error_code).toBe('60031');
    expect((await deviceCall(server, other, 'GET', '/device/v1/requests')).status).toBe(200);
    const after = await json<{ device_id: string; revoked_at: string | null }[]>([
      'devices',
      'list',
      '--user',
      String(id),
    ]);
    expect(after[0]?.revoked_at).not.toBeNull();
    await refused(['devices', 'revoke', device.id, '--yes'], 1, /no device/);
    await refused(['devices', 'revoke', randomUUID(), '--yes'], 1, /no device/); // The operator's revoke is in the audit log once, beside the security event it caused.
    const revokes = await json<AuditLine[]>(['audit', 'list', '--action', 'device.revoke', '--json']);
    expect(revokes.filter((entry) => entry.target_id === device.id)).toHaveLength(1);
    expect(revokes.find((entry) => entry.target_id === device.id)?.actor).toMatch(/^cli:/);
  });
});

interface ShownRequest {
  uuid: string;
  app_id: number;
  app_name: string;
  authy_id: number;
  message: string;
  details: Record<string, string>;
  status: string;
  reason: string | null;
  device_id: string | null;
  receipt: string | null;
  answered_at: string | null;
}

describe('requests list and show', () => {
  it('filter by app, user and status, and show what was shown and the receipt, never the hidden details', async () => {
    const { id } = await newUser(shop);
    const device = await enrolledDevice(shop, id);
    const pending = await approvalRequest(shop, id, 'Pay 10 EUR');
    const denied = await approvalRequest(shop, id, 'Pay 99 EUR');
    const answer = answerFor(device, await pendingOf(device, denied), 'denied', { reason: 'not_me' });
    const answered = await deviceCall(server, device, 'POST', `/device/v1/requests/${denied}/answer`, answer);
    expect(answered.status).toBe(200);

    const mine = await json<ShownRequest[]>(['requests', 'list', '--user', String(id)]);
    expect(mine.map((r) => [r.uuid, r.status])).toEqual([
      [denied, 'denied'],
      [pending, 'pending'],
    ]);
    const onlyPending = await json<ShownRequest[]>([
      'requests',
      'list',
      '--user',
      String(id),
      '--status',
      'pending',
    ]);
    expect(onlyPending.map((r) => r.uuid)).toEqual([pending]);
    expect(await json(['requests', 'list', '--app', String(bank.id), '--user', String(id)])).toEqual([]);
    const limited = await json<ShownRequest[]>([
      'requests',
      'list',
      '--app',
      String(shop.id),
      '--limit',
      '1',
    ]);
    expect(limited.length).toBe(1);

    const shown = await json<ShownRequest>(['requests', 'show', denied]);
    expect(shown).toMatchObject({
      uuid: denied,
      app_id: shop.id,
      app_name: 'Operator Shop',
      authy_id: id,
      message: 'Pay 99 EUR',
      details: { Account: '42' },
      status: 'denied',
      reason: 'not_me',
      device_id: device.id,
    });
    expect(shown.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await json<ShownRequest>(['requests', 'show', pending])).receipt).toBeNull();
    for (const args of [
      ['requests', 'show', denied],
      ['requests', 'show', denied, '--json'],
      ['requests', 'list', '--user', String(id)],
      ['requests', 'list', '--user', String(id), '--json'],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('HIDDEN');
      expect(result.stdout).not.toContain('hidden');
    }
    const human = await cli(['requests', 'show', denied]);
    expect(human.stdout).toContain('Pay 99 EUR');
    expect(human.stdout).toContain(`receipt: ${shown.receipt}`);
    await refused(['requests', 'show', randomUUID()], 1, /no approval request/);
  });
});

describe('mistakes on the command line', () => {
  it('exit 2 with one line', async () => {
    await refused(['users', 'list', '--limit', 'many'], 2, /--limit is a number/);
    await refused(['users', 'list', '--app', '0'], 2, /--app is a positive whole number/);
    await refused(['users', 'show', 'abc'], 2, /an Authy id is a positive whole number/);
    await refused(['users', 'delete', '5', '--yes'], 2, /--app/);
    await refused(['devices', 'list', '--user', 'x'], 2, /--user/);
    await refused(['requests', 'list', '--status', 'lost'], 2, /--status must be one of/);
    await refused(['requests', 'show', 'not-a-uuid'], 2, /a request id is a UUID/);
    await refused(['users', 'frobnicate'], 2, /unknown command/);
  });

  it('unknown ids exit 1 and say what was not found', async () => {
    await refused(['users', 'show', '999999999'], 1, /^countersign: no user with Authy id 999999999\n$/);
    await refused(['users', 'delete', '999999999', '--app', '99999', '--yes'], 1, /no app with id 99999/);
  });
});
