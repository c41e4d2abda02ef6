// The device side of enrollment invitations (issue 20, part 3; D15): the link names the app and the user,
// the code sent to the phone binds; unknown, expired, replaced and used links get one answer; an invitation
// enrolls once under concurrency; the code's budgets hold; and the real `authy-client` reaches the device
// the invited user enrolled — on SQLite and PostgreSQL alike.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@countersign/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthyClient,
  authyClientModule,
  lastMessageTo,
  messagesTo,
  UUID,
} from '../compat/compat-support.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { answerFor, deviceCall, newKeyPair, type PendingRequest, signText } from '../support/test-device.js';
import { cliEnv, e164Of, emailOf, importFile, phoneOf, writeCsv } from '../users/import-support.js';

let server: TestServer;
let app: { id: number; apiKey: string };
let client: AuthyClient;

beforeAll(async () => {
  server = await startTestServer();
  app = await server.createApp({ name: 'Invite Bank' });
  client = new authyClientModule.Client({ key: app.apiKey }, { host: server.url, timeout: 10_000 });
});
afterAll(async () => {
  await server?.close();
});

const idOf = (i: number) => 6_000_000 + i;

/** Imports user `i` of the test's phone range and invites them by export; gives the invitation's token. */
async function invited(i: number): Promise<string> {
  const user = { authy_id: idOf(i), email: emailOf(i), cellphone: phoneOf(i), country_code: '1' };
  const { result } = await importFile(server, app.id, writeCsv(server, `user-${i}.csv`, [user]));
  expect(result.code).toBe(0);
  return reinvite(i);
}

async function reinvite(i: number): Promise<string> {
  const list = join(server.dir, `ids-${i}.txt`);
  writeFileSync(list, `${idOf(i)}\n`);
  const out = join(server.dir, `links-${i}.jsonl`);
  const invite = await runCli(
    ['enrollments', 'invite', '--app', String(app.id), '--users', list, '--via', 'export', '--out', out],
    cliEnv(server),
  );
  expect(invite.code).toBe(0);
  const { link } = JSON.parse(readFileSync(out, 'utf8')) as { link: string };
  return /#invite=([A-Za-z0-9_-]+)$/.exec(link)?.[1] as string;
}

/** The enrollment body a device sends: the invitation, the code, a new key and its proof of possession. */
function enrollment(token: string, code: string) {
  const { publicJwk, privateKey } = newKeyPair();
  const proof = signText(
    privateKey,
    canonicalJson({
      purpose: 'countersign-invitation-enrollment',
      invitation: token,
      code,
      public_key: publicJwk,
    }),
  );
  return {
    body: { invitation: token, code, public_key: publicJwk, name: 'Invited phone', platform: 'cli', proof },
    privateKey,
  };
}

const show = (token: string) => call(server, 'GET', `/device/v1/invitations/${token}`);
const askCode = (token: string) => call(server, 'POST', `/device/v1/invitations/${token}/code`, { json: {} });
const enroll = (body: unknown) => call(server, 'POST', '/device/v1/enrollments', { json: body });

describe('an invitation names the app and the user; the phone’s code binds', () => {
  it('shows the app and the masked phone, texts a code, and enrolls the app-initiated kind that OneTouch reaches', async () => {
    const token = await invited(0);
    const shown = await show(token);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      app_name: 'Invite Bank',
      phone: `+1 XXX-XXX-${phoneOf(0).slice(-4)}`,
      success: true,
    });
    expect(shown.text).not.toContain(phoneOf(0).replace(/\D/g, ''));

    // The link alone enrolls nothing: without the code sent to the phone, no device.
    const guessed = enrollment(token, '000000');
    expect((await enroll(guessed.body)).status).toBe(400);

    const asked = await askCode(token);
    expect(asked.status).toBe(200);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(0)));
    const { body, privateKey } = enrollment(token, code);
    const enrolled = await enroll(body);
    expect(enrolled.status).toBe(200);
    const deviceId = enrolled.body.device_id as string;
    expect(enrolled.body.accounts).toMatchObject([
      { app_id: app.id, app_name: 'Invite Bank', authy_id: idOf(0) },
    ]);
    const device = await server.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', deviceId)
      .executeTakeFirstOrThrow();
    expect(Number(device.enrolled_app_id)).toBe(app.id);
    expect(Number(device.user_id)).toBe(idOf(0));

    // Used: the link now gets the one answer of an unknown link.
    for (const response of [
      await show(token),
      await askCode(token),
      await enroll(enrollment(token, code).body),
    ])
      expect([response.status, response.body.error_code]).toEqual([404, '60035']);
    const status = await runCli(['enrollments', 'status', '--app', String(app.id), '--json'], cliEnv(server));
    expect(JSON.parse(status.stdout)).toMatchObject({ enrolled: 1 });

    // The real authy-client: a OneTouch request for the imported id reaches the invited device.
    const created = await client.createApprovalRequest({
      authyId: idOf(0),
      message: 'Sign in to Invite Bank',
    });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    expect(uuid).toMatch(UUID);
    const mine = { id: deviceId, privateKey };
    const listed = await deviceCall(server, mine, 'GET', '/device/v1/requests');
    const pending = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
    if (pending === undefined) throw new Error('the request is not pending for the invited device');
    const answered = await deviceCall(
      server,
      mine,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(mine, pending, 'approved'),
    );
    expect(answered.status).toBe(200);
    expect((await client.getApprovalRequest({ id: uuid })).approval_request).toMatchObject({
      uuid,
      status: 'approved',
    });
  });

  it('a wrong code is refused as a wrong phone code is; the right one still works after', async () => {
    const token = await invited(1);
    expect((await askCode(token)).status).toBe(200);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(1)));
    const wrong = code === '123456' ? '654321' : '123456';
    const refused = await enroll(enrollment(token, wrong).body);
    expect([refused.status, refused.body.error_code]).toEqual([401, '60036']);
    expect((await enroll(enrollment(token, code).body)).status).toBe(200);
  });

  it('re-inviting replaces the link: the old token is unknown, the new one works', async () => {
    const old = await invited(2);
    expect((await show(old)).status).toBe(200);
    const fresh = await reinvite(2);
    for (const response of [await show(old), await askCode(old)])
      expect([response.status, response.body.error_code]).toEqual([404, '60035']);
    expect((await show(fresh)).status).toBe(200);
  });

  it('an expired invitation, and an unknown one, get the same answer as a used one', async () => {
    const token = await invited(3);
    expect((await askCode(token)).status).toBe(200);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(3)));
    await server.db
      .updateTable('enrollment_invitations')
      .set({ expires_at: Date.now() - 1 })
      .where('user_id', '=', idOf(3))
      .execute();
    for (const response of [
      await show(token),
      await askCode(token),
      await enroll(enrollment(token, code).body),
    ])
      expect([response.status, response.body.error_code]).toEqual([404, '60035']);
    const unknown = 'A'.repeat(43);
    const [a, b] = [await show(unknown), await show(token)];
    expect(a.text).toBe(b.text);
    expect((await show('short')).status).toBe(404);
  });

  it('of 10 concurrent enrollments with the right code, exactly one enrolls a device', async () => {
    const token = await invited(4);
    expect((await askCode(token)).status).toBe(200);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(4)));
    const results = await Promise.all(Array.from({ length: 10 }, () => enroll(enrollment(token, code).body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const devices = await server.db
      .selectFrom('devices')
      .select('id')
      .where('user_id', '=', idOf(4))
      .execute();
    expect(devices).toHaveLength(1);
  });

  it('codes go out within the phone-enrollment budget: past it nothing is sent and no code completes', async () => {
    const token = await invited(5);
    for (let k = 0; k < 5; k++) expect((await askCode(token)).status).toBe(200);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(5)));
    expect(await messagesTo(server, e164Of(phoneOf(5)))).toBe(5);
    // The sixth answers alike, sends nothing, and leaves a code that can never complete.
    expect((await askCode(token)).status).toBe(200);
    await server.app.messages.drain();
    expect(await messagesTo(server, e164Of(phoneOf(5)))).toBe(5);
    const refused = await enroll(enrollment(token, code).body);
    expect(refused.status).toBe(401);
  });

  it('countersign device enroll takes an invitation link, says who invites, asks for the texted code, and enrolls', async () => {
    const token = await invited(6);
    const dir = mkdtempSync(join(tmpdir(), 'countersign-invite-cli-'));
    try {
      const questions: string[] = [];
      const enrolled = await runCli(
        [
          'device',
          'enroll',
          `${server.url}/authenticator/#invite=${token}`,
          '--state',
          join(dir, 'state'),
          '--json',
        ],
        {},
        {
          ask: async (question) => {
            questions.push(question);
            return (await lastMessageTo(server, e164Of(phoneOf(6)))).code;
          },
        },
      );
      expect(enrolled.code, enrolled.stderr).toBe(0);
      expect(questions).toEqual([
        `Invite Bank invited you to approve its sign-ins and payments with this device. We texted a code to +1 XXX-XXX-${phoneOf(6).slice(-4)}. Code: `,
      ]);
      expect(JSON.parse(enrolled.stdout)).toMatchObject({
        accounts: [{ app_id: app.id, app_name: 'Invite Bank', authy_id: idOf(6) }],
      });
      // Used: the same link again fails, and leaves no account behind.
      const again = await runCli(
        [
          'device',
          'enroll',
          `${server.url}/authenticator/#invite=${token}`,
          '--state',
          join(dir, 'state'),
          '--json',
        ],
        {},
        { ask: async () => '000000' },
      );
      expect(again.code).not.toBe(0);
      const accounts = await runCli(['device', 'accounts', '--state', join(dir, 'state'), '--json'], {});
      expect(JSON.parse(accounts.stdout)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
