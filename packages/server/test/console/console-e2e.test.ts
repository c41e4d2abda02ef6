// The operator console end to end (issue 17, "What must show that it works"): the real service with the built
// console, Chromium with a virtual platform authenticator, the command line for the setup link, the Authy API
// for an app's traffic and a device of the test's own for the answers. The steps build on each other: one
// admin signs in once and works through the console as a person would.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { axeFindings } from '../support/axe.js';
import { watchPolicy } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { call } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { addVirtualAuthenticator, type PasskeySuite, startPasskeySuite } from '../support/webauthn.js';

const ADMIN = 'ada@example.com';
const VIEWER = 'vic@example.com';

let suite: PasskeySuite;
const contexts: BrowserContext[] = [];
let admin: Page;
let refusedByPolicy: () => Promise<string[]>;
let app: { id: number; key: string };
let userId: number;
let device: TestDevice;
let env: Record<string, string>;

beforeAll(async () => {
  suite = await startPasskeySuite();
  const served = await fetch(`${suite.origin}/console/`);
  await served.arrayBuffer();
  if (served.status !== 200) {
    throw new Error(
      `GET /console/ answered ${served.status}: build it first (npm run build -w @countersign/console)`,
    );
  }
  env = {
    DATABASE_URL: suite.server.config.databaseUrl,
    COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    PUBLIC_URL: suite.origin,
  };
}, 60_000);

afterAll(async () => {
  await suite?.close(contexts);
});

/** A page in a context of its own (its own cookies), with a platform authenticator that verifies the user. */
async function newPage(): Promise<Page> {
  const context = await suite.browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await addVirtualAuthenticator(page);
  return page;
}

/** Adds an operator with the command line, as an operator would, and gives the setup link it printed. */
async function setupLink(email: string, role: 'admin' | 'viewer'): Promise<string> {
  const added = await runCli(['operators', 'add', email, '--role', role, '--json'], env);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  return (JSON.parse(added.stdout) as { setup_url: string }).setup_url;
}

/** Opens a setup link, registers the passkey, reads the ten codes once and goes on into the console. */
async function setUp(page: Page, link: string): Promise<string[]> {
  await page.goto(link);
  await page.getByRole('button', { name: 'Register a passkey' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  const codes = await page
    .getByRole('list', { name: 'Recovery codes' })
    .getByRole('listitem')
    .allTextContents();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
  return codes.map((code) => code.trim());
}

/** A console API call made from inside the page, as a script of the page (or an attacker in it) could. */
function fetchInPage(
  page: Page,
  method: string,
  path: string,
  { csrf, body }: { csrf?: boolean; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return page.evaluate(
    async ({ method, path, csrf, body }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (csrf) {
        const session = (await (await fetch('/console/api/session')).json()) as { csrf_token: string };
        headers['x-csrf-token'] = session.csrf_token;
      }
      const response = await fetch(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },
    { method, path, csrf: csrf === true, body },
  );
}

async function audited(action: string, targetId: string) {
  const entries = await suite.server.app.services.audit.list({ action, limit: 100 });
  return entries.find((e) => e.target_id === targetId);
}

async function pendingOf(uuid: string): Promise<PendingRequest> {
  const listed = await deviceCall(suite.server, device, 'GET', '/device/v1/requests');
  expect(listed.status).toBe(200);
  const found = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (found === undefined) throw new Error(`request ${uuid} is not pending for the device`);
  return found;
}

async function expectNoSeriousAxeFinding(page: Page): Promise<void> {
  const { blocking } = await axeFindings(page);
  expect(blocking).toEqual([]);
}

describe('the operator console in Chromium', { timeout: 60_000 }, () => {
  it('a setup link from the command line registers a passkey, and the passkey signs in again after sign-out', async () => {
    admin = await newPage();
    refusedByPolicy = await watchPolicy(admin);
    const codes = await setUp(admin, await setupLink(ADMIN, 'admin'));
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    // The codes are shown once: a reload of the console does not show them again.
    await admin.reload();
    await admin.getByRole('navigation', { name: 'Console' }).waitFor();
    expect(await admin.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);

    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
    await admin.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await admin.getByRole('navigation', { name: 'Console' }).waitFor();
    const signIns = await suite.server.db
      .selectFrom('security_events')
      .select('detail')
      .where('type', '=', 'operator_sign_in')
      .execute();
    expect(signIns.map((e) => JSON.parse(e.detail) as { method: string; operator: string })).toEqual(
      expect.arrayContaining([{ operator: ADMIN, method: 'passkey', from: expect.any(String) }]),
    );
    await expectNoSeriousAxeFinding(admin);
  });

  it('an admin creates an app, whose key (shown once) works against the Authy API', async () => {
    await admin.goto(`${suite.origin}/console/#/apps`);
    await admin.getByLabel('Name', { exact: true }).fill('Console Bank');
    await admin.getByRole('button', { name: 'Create the app' }).click();
    const key = (await admin.locator('.secret code').first().textContent())?.trim() ?? '';
    expect(key).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const row = await suite.server.db
      .selectFrom('apps')
      .select('id')
      .where('name', '=', 'Console Bank')
      .executeTakeFirstOrThrow();
    app = { id: row.id, key };
    const registered = await call(suite.server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'grace@example.com', cellphone: '5095550188', country_code: '1' } },
    });
    expect(registered.status).toBe(200);
    userId = (registered.body.user as { id: number }).id;
    expect(await audited('app.create', String(app.id))).toMatchObject({ actor: `operator:${ADMIN}` });
    await expectNoSeriousAxeFinding(admin);
  });

  it('sees a request arrive in the live feed and then be answered by the device', async () => {
    const enrollment = await call(suite.server, 'POST', `/protected/json/users/${userId}/enrollments`, {
      key: app.key,
    });
    expect(enrollment.status).toBe(200);
    device = await enrollWithLink(
      suite.server,
      (enrollment.body.enrollment as { url: string }).url,
      'Grace phone',
    );

    await admin.goto(`${suite.origin}/console/#/requests`);
    await admin.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    // Once the feed is open, what happens arrives by it alone (the list is not read again until it reopens).
    await expect.poll(() => admin.locator('#live-count').textContent(), { timeout: 10_000 }).toMatch(/^Live/);
    const created = await call(suite.server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.key,
      json: { message: 'Transfer $500 to bob@example.com', details: { Account: '1234' } },
    });
    expect(created.status).toBe(200);
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const row = admin.locator(`tbody tr[data-uuid="${uuid}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('pending');

    const answered = await deviceCall(
      suite.server,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, await pendingOf(uuid), 'approved'),
    );
    expect(answered.status).toBe(200);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('approved');
    await row.getByRole('link').first().click();
    await admin.getByText(/^Receipt verified/).waitFor();
    await expectNoSeriousAxeFinding(admin);
  });

  it('unlocks a user locked out by wrong codes, who can then verify again', async () => {
    const user = await suite.server.app.services.users.find(
      (await suite.server.app.services.apps.find(app.id)) as App,
      String(userId),
    );
    const seed = await suite.server.app.services.users.seed(user);
    const verify = (token: string) =>
      call(suite.server, 'GET', `/protected/json/verify/${token}/${userId}`, { key: app.key });
    const right = () => totpCode(seed, stepAt(Date.now()), 7);
    const near = new Set([-1, 0, 1].map((d) => totpCode(seed, stepAt(Date.now()) + d, 7)));
    let wrong = 1_000_000;
    while (near.has(String(wrong))) wrong += 1;
    let locked = false;
    for (let i = 0; i < 20 && !locked; i += 1) locked = (await verify(String(wrong))).status === 429;
    const refused = await verify(right());
    expect(refused.status).toBe(429);

    await admin.goto(`${suite.origin}/console/#/users/${userId}`);
    await admin.getByRole('heading', { name: `User ${userId}` }).waitFor();
    await admin.getByRole('button', { name: 'Unlock' }).first().click();
    await expect.poll(async () => (await verify(right())).status, { timeout: 10_000 }).toBe(200);
    expect(await audited('user.unlock', String(userId))).toMatchObject({ actor: `operator:${ADMIN}` });
  });

  it("revokes the user's device, whose next answer is refused", async () => {
    const created = await call(suite.server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.key,
      json: { message: 'Sign in', details: { From: 'Lisbon' } },
    });
    expect(created.status).toBe(200);
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const pending = await pendingOf(uuid);

    await admin.goto(`${suite.origin}/console/#/users/${userId}`);
    await admin.getByRole('heading', { name: `User ${userId}` }).waitFor();
    await admin
      .getByRole('button', { name: /^Revoke/ })
      .first()
      .click();
    await expect
      .poll(
        async () =>
          (await suite.server.app.services.devices.listForOperator({ userId }))[0]?.revokedAt ?? null,
        {
          timeout: 10_000,
        },
      )
      .not.toBeNull();
    const answer = await deviceCall(
      suite.server,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending, 'approved'),
    );
    expect(answer.status).toBe(401);
    const status = await call(suite.server, 'GET', `/onetouch/json/approval_requests/${uuid}`, {
      key: app.key,
    });
    expect((status.body.approval_request as { status: string }).status).toBe('pending');
    expect(await audited('device.revoke', device.id)).toMatchObject({ actor: `operator:${ADMIN}` });
  });

  it('refuses a change without the CSRF token even from the console page, and a session gone stale', async () => {
    const forged = await fetchInPage(admin, 'POST', '/console/api/apps', { body: { name: 'No token' } });
    expect(forged.status).toBe(403);
    expect(forged.body.error_code).toBe('60031');
    const withToken = await fetchInPage(admin, 'POST', '/console/api/apps', {
      csrf: true,
      body: { name: 'With token' },
    });
    expect(withToken.status).toBe(201);

    // 31 minutes without a request, written where the service keeps it: the next look at the console ends it.
    await suite.server.db
      .updateTable('operator_sessions')
      .set({ last_seen_at: Date.now() - 31 * 60_000 })
      .execute();
    await admin.reload();
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
    const stale = await fetchInPage(admin, 'GET', '/console/api/apps');
    expect(stale.status).toBe(401);
    expect(stale.body.error_code).toBe('60040');
    expect(await refusedByPolicy()).toEqual([]);
  });

  it("refuses a viewer's every change on the server, sent straight from its page with its own token", async () => {
    const viewer = await newPage();
    await setUp(viewer, await setupLink(VIEWER, 'viewer'));
    await viewer.goto(`${suite.origin}/console/#/users/${userId}`);
    await viewer.getByRole('heading', { name: `User ${userId}` }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
    const attempts: [string, string, unknown][] = [
      ['POST', '/console/api/apps', { name: 'Viewer app' }],
      ['PATCH', `/console/api/apps/${app.id}`, { name: 'Renamed' }],
      ['POST', `/console/api/apps/${app.id}/rotate-key`, { grace_seconds: 0 }],
      ['POST', `/console/api/apps/${app.id}/disable`, {}],
      ['POST', `/console/api/users/${userId}/unlock`, {}],
      ['POST', `/console/api/users/${userId}/reveal-phone`, {}],
      ['DELETE', `/console/api/users/${userId}?app_id=${app.id}`, undefined],
      ['POST', `/console/api/devices/${device.id}/revoke`, {}],
      ['POST', '/console/api/operators', { email: 'eve@example.com', role: 'admin' }],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await fetchInPage(viewer, method, path, { csrf: true, body });
      expect([method, path, answer.status, answer.body.error_code]).toEqual([method, path, 403, '60031']);
    }
    const apps = await suite.server.db.selectFrom('apps').select(['name', 'disabled_at']).execute();
    expect(apps.map((a) => a.name)).not.toContain('Viewer app');
    expect(apps.find((a) => a.name === 'Console Bank')?.disabled_at).toBeNull();
    await expectNoSeriousAxeFinding(viewer);
  });
});
