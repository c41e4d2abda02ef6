// Adding a device from another on the command line: `countersign device add-device` in one state folder
// prints a link, `countersign device join` in another claims it, both print one code, the first approves,
// and the second answers the app's request under its own key. Both run in this process at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let app: { id: number; apiKey: string };
let dir: string;
let phone = 5_095_552_100;

beforeAll(async () => {
  // The real clock: the devices keep their own time, and signed calls must be within 60 s of the service.
  server = await startTestServer();
  app = await server.createApp({ name: 'Cli Bank', userVerification: 'off' });
});
afterAll(() => server?.close());

beforeEach((context) => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-admission-cli-'));
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
});

/** A link of the service, pointed at where it listens (the harness learns its port after PUBLIC_URL). */
const here = (url: string) => `${server.url}${url.slice(server.config.publicUrl.length)}`;

/** A user of the app, and a state folder enrolled for it with the app's link. */
async function holding(): Promise<{ authyId: number; state: string }> {
  phone += 1;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: `c${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  const authyId = (user.body.user as { id: number }).id;
  const link = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.apiKey,
  });
  const state = join(dir, 'old');
  const enrolled = await runCli(
    ['device', 'enroll', here((link.body.enrollment as { url: string }).url), '--state', state],
    {},
  );
  expect(enrolled.code, enrolled.stderr).toBe(0);
  return { authyId, state };
}

/** The JSON lines a command printed. */
const jsonLines = (result: CliResult) =>
  result.stdout
    .trimEnd()
    .split('\n')
    .map((text) => JSON.parse(text) as Record<string, unknown>);

/**
 * Runs `add-device` and, once it printed its link, `join` in `joining`; gives both results. Without
 * `--yes`, `typed` is what the person types when asked, given the code `join` printed.
 */
async function addAndJoin(
  state: string,
  joining: string,
  addArgs: string[] = ['--yes'],
  typed: (shown: string) => string = (shown) => shown,
) {
  let shownCode: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => {
    shownCode = resolve;
  });
  let joined: Promise<CliResult> | undefined;
  let linkSeen: (url: string) => void = () => undefined;
  const link = new Promise<string>((resolve) => {
    linkSeen = resolve;
  });
  const added = runCli(
    ['device', 'add-device', '--state', state, '--json', ...addArgs],
    {},
    {
      onOut: (out) => {
        const first = out.split('\n')[0] ?? '';
        if (out.includes('\n')) linkSeen((JSON.parse(first) as { url: string }).url);
      },
      ask: async () => typed(await code),
    },
  );
  // `add-device` may also fail before printing a link: then nothing is joined.
  const first = await Promise.race([link, added.then(() => undefined)]);
  if (first !== undefined) {
    joined = runCli(
      ['device', 'join', here(first), '--state', joining, '--json'],
      {},
      {
        onOut: (out) => {
          if (out.includes('\n'))
            shownCode(String((JSON.parse(out.split('\n')[0] ?? '') as { code: string }).code));
        },
      },
    );
  }
  return { added: await added, joined: await joined };
}

describe('countersign device add-device and join', () => {
  it('the joined state folder holds the same app under its own device and approves its request', async () => {
    const { authyId, state } = await holding();
    const joining = join(dir, 'new');
    const { added, joined } = await addAndJoin(state, joining);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(joined?.stderr).toBe('');
    expect(joined?.code).toBe(0);
    const [opened, approved] = jsonLines(added);
    const [claimed, enrolled] = jsonLines(joined as CliResult);
    expect(opened?.url).toMatch(/\/authenticator\/#admit=[A-Za-z0-9_-]{43}$/);
    // One code on both screens; one device id on both sides.
    expect(approved).toMatchObject({
      status: 'approved',
      code: claimed?.code,
      device_id: claimed?.device_id,
      platform: 'cli',
    });
    expect(enrolled).toEqual({
      account_id: claimed?.account_id,
      device_id: claimed?.device_id,
      accounts: [{ app_id: app.id, app_name: 'Cli Bank', authy_id: authyId }],
    });

    const created = await call(server, 'POST', `/onetouch/json/users/${authyId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Sign in from the new laptop', seconds_to_expire: 120 },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const answered = await runCli(['device', 'approve', uuid, '--state', joining, '--json'], {});
    expect(answered.stderr).toBe('');
    expect(JSON.parse(answered.stdout)).toEqual({ uuid, status: 'approved' });
    const status = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: app.apiKey });
    const receipt = (status.body.approval_request as { receipt: string }).receipt;
    const payload = JSON.parse(Buffer.from(receipt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload.device_id).toBe(claimed?.device_id);
  });

  it('asked, the person types the code the new device shows: the right one lets it in, another refuses it', async () => {
    const { state } = await holding();
    const right = await addAndJoin(state, join(dir, 'right'), []);
    expect(right.added.code, right.added.stderr).toBe(0);
    expect(jsonLines(right.added)[1]).toMatchObject({ status: 'approved' });
    expect(right.joined?.code).toBe(0);

    const wrong = await addAndJoin(state, join(dir, 'wrong'), [], (shown) =>
      shown === '000000' ? '000001' : '000000',
    );
    expect(wrong.added).toMatchObject({
      code: 1,
      stderr: 'countersign: the code does not match: the new device was not let in\n',
    });
    expect(wrong.joined).toMatchObject({
      code: 1,
      stderr: 'countersign: the other device refused to let this one in\n',
    });
    const refused = await addAndJoin(state, join(dir, 'refused'), [], () => '');
    expect(refused.added.stderr).toBe('countersign: refused: the new device was not let in\n');
    expect(refused.joined?.code).toBe(1);
  });

  it('without --yes and nobody at a terminal to type the code, add-device opens nothing', async () => {
    const { state } = await holding();
    const result = await runCli(['device', 'add-device', '--state', state], {});
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'countersign: nobody can type the new device’s code here: add --yes to approve the device that claims the link\n',
    });
  });

  it('join refuses a link that is not an admission link, and a spent one', async () => {
    const { state } = await holding();
    const wrong = await runCli(
      ['device', 'join', `${server.url}/authenticator/#enroll=x`, '--state', join(dir, 'x')],
      {},
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('#admit=TOKEN');
    const { added } = await addAndJoin(state, join(dir, 'first'));
    const [opened] = jsonLines(added);
    const again = await runCli(
      ['device', 'join', here(String(opened?.url)), '--state', join(dir, 'second')],
      {},
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The admission link is invalid, used or expired');
  });
});
