// `countersign enrollments invite` and `status` (issue 20, part 3; D15): invitations exported or sent by SMS
// through the message queue within the app's budgets, re-inviting replacing the link, `--not-enrolled`,
// and the counts — on SQLite and PostgreSQL alike.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { enrollWithLink } from '../support/test-device.js';
import {
  cliEnv,
  e164Of,
  emailOf,
  type FileUser,
  importFile,
  phoneOf,
  writeCsv,
} from '../users/import-support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

interface InviteDocument {
  app_id: number;
  via: string;
  valid_days: number;
  out: string | null;
  queued: number;
  exported: number;
  failed: number;
  not_in_app: number;
  users: {
    authy_id: number;
    state: string;
    phone: string | null;
    email: string | null;
    expires_at: string | null;
    reason: string | null;
  }[];
}

/** Users `from`… of the test's own phone range, with ids `base + i`, imported into the app. */
async function importUsers(appId: number, from: number, count: number, base: number): Promise<FileUser[]> {
  const users = Array.from({ length: count }, (_, k) => ({
    authy_id: base + from + k,
    email: emailOf(from + k),
    cellphone: phoneOf(from + k),
    country_code: '1',
  }));
  const { result } = await importFile(server, appId, writeCsv(server, `users-${base + from}.csv`, users));
  expect(result.code).toBe(0);
  return users;
}

async function invite(appId: number, args: string[]) {
  const result = await runCli(
    ['enrollments', 'invite', '--app', String(appId), '--json', ...args],
    cliEnv(server),
  );
  return { result, report: result.code === 0 ? (JSON.parse(result.stdout) as InviteDocument) : undefined };
}

async function status(appId: number) {
  const result = await runCli(['enrollments', 'status', '--app', String(appId), '--json'], cliEnv(server));
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Record<string, number>;
}

/** The token of an invitation link. */
const tokenOfInvite = (link: string) => {
  const token = /#invite=([A-Za-z0-9_-]+)$/.exec(link)?.[1];
  if (token === undefined) throw new Error(`no invitation token in ${link}`);
  return token;
};

const invitationsOf = (appId: number) =>
  server.db
    .selectFrom('enrollment_invitations')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('user_id')
    .execute();

describe('enrollments invite --via export', () => {
  it('writes one link per user with the masked phone and the email; stores only the token’s digest', async () => {
    const app = await server.createApp({ name: 'Export Bank' });
    const users = await importUsers(app.id, 0, 3, 5_000_000);
    const list = join(server.dir, 'ids.txt');
    writeFileSync(list, `${users.map((u) => u.authy_id).join('\n')}\n`);
    const out = join(server.dir, 'links.csv');
    const { result, report } = await invite(app.id, ['--users', list, '--via', 'export', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(report).toMatchObject({
      via: 'export',
      valid_days: 7,
      exported: 3,
      queued: 0,
      failed: 0,
      not_in_app: 0,
    });
    expect(report?.users.map((u) => [u.authy_id, u.state, u.phone])).toEqual(
      users.map((u) => [u.authy_id, 'exported', `+1 XXX-XXX-${u.cellphone.slice(-4)}`]),
    );
    // Never the number in full, on stdout or in the file; the link only in the file.
    for (const u of users) {
      expect(result.stdout).not.toContain(u.cellphone.replace(/\D/g, '').slice(3));
      expect(result.stdout).not.toContain(u.cellphone);
    }
    expect(result.stdout).not.toContain('#invite=');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('authy_id,phone,email,link,expires_at');
    expect(lines).toHaveLength(4);
    const tokens = lines.slice(1).map((line) => {
      const [id, phone, email, link, expires] = line.split(',').map((f) => f.replace(/^"|"$/g, ''));
      const user = users.find((u) => String(u.authy_id) === id);
      expect(user).toBeDefined();
      expect(phone).toBe(`+1 XXX-XXX-${user?.cellphone.slice(-4)}`);
      expect(email).toBe(user?.email);
      expect(link).toMatch(/\/authenticator\/#invite=[A-Za-z0-9_-]{43}$/);
      const days = (Date.parse(expires as string) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7);
      return tokenOfInvite(link as string);
    });
    const rows = await invitationsOf(app.id);
    expect(rows.map((r) => [Number(r.user_id), r.via, r.send_state, r.enrolled_at])).toEqual(
      users.map((u) => [u.authy_id, 'export', 'exported', null]),
    );
    const digests = tokens.map((t) => server.app.services.invitations.digest(t));
    expect(rows.map((r) => r.token_digest).sort()).toEqual(digests.sort());
    for (const r of rows) expect(tokens.some((t) => r.token_digest.includes(t))).toBe(false);
    expect(await status(app.id)).toEqual({ app_id: app.id, invited: 3, enrolled: 0, expired: 0, failed: 0 });
  });

  it('takes the import’s own CSV as the list, writes JSON lines by the name, and is audited without phones', async () => {
    const app = await server.createApp({ name: 'Jsonl Bank' });
    const users = await importUsers(app.id, 10, 2, 5_000_000);
    const csv = writeCsv(server, 'again.csv', users);
    const out = join(server.dir, 'links.jsonl');
    const { result, report } = await invite(app.id, [
      '--users',
      csv,
      '--via',
      'export',
      '--out',
      out,
      '--valid-days',
      '14',
    ]);
    expect(result.code).toBe(0);
    expect(report?.exported).toBe(2);
    const rows = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.authy_id)).toEqual(users.map((u) => u.authy_id));
    for (const r of rows)
      expect(Object.keys(r)).toEqual(['authy_id', 'phone', 'email', 'link', 'expires_at']);
    const listed = await runCli(['audit', 'list', '--action', 'enrollment.invite', '--json'], cliEnv(server));
    const entries = JSON.parse(listed.stdout) as Record<string, unknown>[];
    const entry = entries.find((e) => e.target_id === String(app.id));
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      action: 'enrollment.invite',
      target_type: 'app',
      after: {
        via: 'export',
        valid_days: 14,
        chosen: 'file',
        users: 2,
        exported: 2,
        queued: 0,
        failed: 0,
        not_in_app: 0,
      },
    });
    for (const u of users) {
      expect(listed.stdout).not.toContain(u.cellphone);
      expect(listed.stdout).not.toContain(u.email);
    }
    expect(listed.stdout).not.toContain('#invite=');
  });

  it('an id that is not the app’s user is reported, and nothing is written for it', async () => {
    const app = await server.createApp({ name: 'Stranger Bank' });
    const [user] = await importUsers(app.id, 20, 1, 5_000_000);
    const list = join(server.dir, 'stranger.txt');
    writeFileSync(list, `${user?.authy_id}\n987654321\n`);
    const { report } = await invite(app.id, [
      '--users',
      list,
      '--via',
      'export',
      '--out',
      join(server.dir, 's.csv'),
    ]);
    expect(report?.users.map((u) => [u.authy_id, u.state])).toEqual([
      [user?.authy_id, 'exported'],
      [987654321, 'not_in_app'],
    ]);
    expect(await invitationsOf(app.id)).toHaveLength(1);
  });

  it('refuses bad usage before touching anything', async () => {
    const app = await server.createApp({ name: 'Usage Bank' });
    const list = join(server.dir, 'usage.txt');
    writeFileSync(list, '1\n');
    for (const args of [
      ['--users', list, '--via', 'export'],
      ['--users', list, '--via', 'fax'],
      ['--users', list, '--valid-days', '15'],
      ['--users', list, '--valid-days', '0'],
      ['--users', list, '--not-enrolled'],
      [],
    ]) {
      const { result } = await invite(app.id, args);
      expect(result.code, args.join(' ')).toBe(2);
    }
    writeFileSync(list, '+15095550000\n');
    const { result } = await invite(app.id, ['--users', list]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('5095550000');
    expect(await invitationsOf(app.id)).toEqual([]);
  });
});

describe('enrollments invite --via sms', () => {
  it('queues one SMS per user through the message queue, carrying the link', async () => {
    const app = await server.createApp({ name: 'Sms Bank' });
    const users = await importUsers(app.id, 30, 2, 5_000_000);
    const list = join(server.dir, 'sms.txt');
    writeFileSync(list, `${users.map((u) => u.authy_id).join('\n')}\n`);
    const { result, report } = await invite(app.id, ['--users', list, '--via', 'sms']);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ via: 'sms', queued: 2, failed: 0, out: null });
    expect(result.stdout).not.toContain('#invite=');
    await server.app.messages.drain();
    const rows = await invitationsOf(app.id);
    for (const u of users) {
      const sent = (await server.app.services.outbox.list(500)).filter((m) => m.to === e164Of(u.cellphone));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body).toMatch(/^Sms Bank invites you to approve its sign-ins with Countersign: /);
      const token = tokenOfInvite(sent[0]?.body as string);
      const row = rows.find((r) => Number(r.user_id) === u.authy_id);
      expect(row?.token_digest).toBe(server.app.services.invitations.digest(token));
      // Sent by the worker, which reported it: the invitation no longer names a message.
      expect(row).toMatchObject({ via: 'sms', send_state: 'sent', message_id: null });
    }
  });

  it('a send the app’s SMS budget refuses is counted failed, and the run goes on', async () => {
    const app = await server.createApp({ name: 'Budget Bank', smsPerHour: 2 });
    const users = await importUsers(app.id, 40, 3, 5_000_000);
    const list = join(server.dir, 'budget.txt');
    writeFileSync(list, `${users.map((u) => u.authy_id).join('\n')}\n`);
    const { result, report } = await invite(app.id, ['--users', list, '--via', 'sms']);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ queued: 2, failed: 1 });
    expect(report?.users.map((u) => u.state)).toEqual(['queued', 'queued', 'failed']);
    expect(report?.users[2]?.reason).toMatch(/budget/);
    await server.app.messages.drain();
    const third = users[2] as FileUser;
    expect(
      (await server.app.services.outbox.list(500)).filter((m) => m.to === e164Of(third.cellphone)),
    ).toEqual([]);
    expect(await status(app.id)).toEqual({ app_id: app.id, invited: 2, enrolled: 0, expired: 0, failed: 1 });
  });
});

describe('re-inviting, --not-enrolled and the counts', () => {
  it('re-inviting replaces the link: one row per user, the old token’s digest gone', async () => {
    const app = await server.createApp({ name: 'Again Bank' });
    const [user] = await importUsers(app.id, 50, 1, 5_000_000);
    const list = join(server.dir, 'again.txt');
    writeFileSync(list, `${user?.authy_id}\n`);
    const out = join(server.dir, 'again.jsonl');
    const linkOf = () => (JSON.parse(readFileSync(out, 'utf8')) as { link: string }).link;
    await invite(app.id, ['--users', list, '--via', 'export', '--out', out]);
    const first = tokenOfInvite(linkOf());
    await invite(app.id, ['--users', list, '--via', 'export', '--out', out]);
    const second = tokenOfInvite(linkOf());
    expect(second).not.toBe(first);
    const rows = await invitationsOf(app.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_digest).toBe(server.app.services.invitations.digest(second));
  });

  it('--not-enrolled picks the app’s users without a live device answering it', async () => {
    const app = await server.createApp({ name: 'Pick Bank' });
    const users = await importUsers(app.id, 60, 3, 5_000_000);
    const [enrolled, revoked, bare] = users as [FileUser, FileUser, FileUser];
    for (const u of [enrolled, revoked]) {
      const link = await call(server, 'POST', `/protected/json/users/${u.authy_id}/enrollments`, {
        key: app.apiKey,
      });
      expect(link.status).toBe(200);
      const device = await enrollWithLink(server, (link.body.enrollment as { url: string }).url);
      if (u === revoked) await server.app.services.devices.revokeByOperator(device.id);
    }
    const { report } = await invite(app.id, [
      '--not-enrolled',
      '--via',
      'export',
      '--out',
      join(server.dir, 'pick.csv'),
    ]);
    expect(report?.users.map((u) => u.authy_id)).toEqual([revoked.authy_id, bare.authy_id]);
    const listed = await runCli(['audit', 'list', '--action', 'enrollment.invite', '--json'], cliEnv(server));
    const entry = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find(
      (e) => e.target_id === String(app.id),
    );
    expect(entry).toMatchObject({ after: { chosen: 'not_enrolled', users: 2 } });
  });

  it('status counts invited, enrolled, expired and failed sends', async () => {
    const app = await server.createApp({ name: 'Count Bank', smsPerHour: 3 });
    const users = await importUsers(app.id, 70, 4, 5_000_000);
    const list = join(server.dir, 'count.txt');
    writeFileSync(list, `${users.map((u) => u.authy_id).join('\n')}\n`);
    const { report } = await invite(app.id, ['--users', list, '--via', 'sms']);
    expect(report).toMatchObject({ queued: 3, failed: 1 });
    // One invitation used, one past its expiry (the device side writes the first; time passes for the second).
    const [used, old] = users as [FileUser, FileUser];
    await server.db
      .updateTable('enrollment_invitations')
      .set({ enrolled_at: Date.now() })
      .where('app_id', '=', app.id)
      .where('user_id', '=', Number(used.authy_id))
      .execute();
    await server.db
      .updateTable('enrollment_invitations')
      .set({ expires_at: Date.now() - 1 })
      .where('app_id', '=', app.id)
      .where('user_id', '=', Number(old.authy_id))
      .execute();
    expect(await status(app.id)).toEqual({ app_id: app.id, invited: 1, enrolled: 1, expired: 1, failed: 1 });
    const human = await runCli(['enrollments', 'status', '--app', String(app.id)], cliEnv(server));
    expect(human.stdout).toBe(`App ${app.id}: 1 invited, 1 enrolled, 1 expired, 1 failed sends.\n`);
  });

  it('an unknown app is exit code 1 for both commands', async () => {
    expect((await runCli(['enrollments', 'status', '--app', '999999'], cliEnv(server))).code).toBe(1);
    expect(
      (await runCli(['enrollments', 'invite', '--app', '999999', '--not-enrolled'], cliEnv(server))).code,
    ).toBe(1);
  });
});
