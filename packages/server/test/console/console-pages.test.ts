// The console's pages in headless Chromium against the real service: operators set up and sign in with
// Chromium's virtual authenticator through the pages themselves, and the data the pages show is made through
// the Authy API and a test device. What is checked is the page's side of the contract with the real routes:
// setup shows the codes once, sign-in uses the passkey, every change carries the CSRF token, a dangerous
// change runs the step-up and is retried, an ended session lands on sign-in, a viewer sees no change
// control, the live feed merges a real request as it is created and answered, a receipt is checked in the
// page against the published keys, charts draw under the strict CSP, and axe finds nothing serious with real
// rows in the tables.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/console/console-app.routes.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { axeFindings } from '../support/axe.js';
import { screenshot, watchPolicy } from '../support/browser.js';
import { call } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { addVirtualAuthenticator, type PasskeySuite, startPasskeySuite } from '../support/webauthn.js';

const RLO = '\u202e';
const APP_NAME = 'Countersign Bank';

let suite: PasskeySuite;
let origin: string;
let bank: { id: number; apiKey: string; accountSid: string };
let userId: number;
let device: TestDevice;
/** A request the device approved: it has a receipt. */
let approved: string;
const contexts: BrowserContext[] = [];
let operators = 0;

beforeAll(async () => {
  suite = await startPasskeySuite();
  origin = suite.origin;
  const served = await fetch(`${suite.server.url}/console/`);
  await served.arrayBuffer();
  if (served.status !== 200) {
    throw new Error(
      `GET /console/ answered ${served.status}: build it first (npm run build -w @countersign/console)`,
    );
  }
  // Its callbacks go to a host that does not resolve: each request leaves a callback event and failed attempts.
  bank = await suite.server.createApp({
    name: APP_NAME,
    callbackUrl: 'https://callbacks.example.test/countersign',
  });
  userId = await newUser('2015550101');
  const link = await call(suite.server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: bank.apiKey,
  });
  expect(link.status).toBe(200);
  device = await enrollWithLink(suite.server, (link.body.enrollment as { url: string }).url, 'Work phone');
  approved = await approvalRequest('Pay Bob');
  await answer(approved, 'approved');
  // A code sent by SMS: a row of the console provider's outbox.
  expect(
    (await call(suite.server, 'GET', `/protected/json/sms/${userId}?force=true`, { key: bank.apiKey }))
      .status,
  ).toBe(200);
}, 60_000);

afterAll(async () => {
  await suite?.close(contexts);
});

async function newUser(cellphone: string): Promise<number> {
  const created = await call(suite.server, 'POST', '/protected/json/users/new', {
    key: bank.apiKey,
    json: { user: { email: `user${cellphone}@example.com`, cellphone, country_code: '1' } },
  });
  expect(created.status).toBe(200);
  return (created.body.user as { id: number }).id;
}

async function approvalRequest(message: string): Promise<string> {
  const created = await call(suite.server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: bank.apiKey,
    json: { message, details: { Amount: '€ 120' }, hidden_details: { ip: 'HIDDEN-198.51.100.7' } },
  });
  expect(created.status).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

/** The test device answers `uuid` as a phone does: it reads the pending request, signs, and sends. */
async function answer(uuid: string, decision: 'approved' | 'denied'): Promise<void> {
  const listed = await deviceCall(suite.server, device, 'GET', '/device/v1/requests');
  expect(listed.status).toBe(200);
  const pending = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (pending === undefined) throw new Error(`request ${uuid} is not pending for the device`);
  const answered = await deviceCall(
    suite.server,
    device,
    'POST',
    `/device/v1/requests/${uuid}/answer`,
    answerFor(device, pending, decision),
  );
  expect(answered.status).toBe(200);
}

interface Visit {
  context: BrowserContext;
  page: Page;
  /** Every call the page made to the console's API: method, path, and its `x-csrf-token`. */
  calls: { method: string; path: string; csrf: string | undefined; body: string | null }[];
  problems: string[];
  refused: () => Promise<string[]>;
}

/** A fresh browser context that reaches nothing but the service, with a virtual authenticator. */
async function open(colorScheme: 'light' | 'dark' = 'light'): Promise<Visit> {
  const context = await suite.browser.newContext({
    colorScheme,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort(),
  );
  const page = await context.newPage();
  // The console's `window.confirm` before a Disable, Revoke, Delete or Remove: the test means it.
  page.on('dialog', (dialog) => void dialog.accept());
  const calls: Visit['calls'] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/console/api/')) return;
    calls.push({
      method: request.method(),
      path: url.pathname.slice('/console/api'.length),
      csrf: request.headers()['x-csrf-token'],
      body: request.postData(),
    });
  });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Refusals the console handles (no session yet, a step-up asked for) are logged by Chromium as failed loads.
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) problems.push(message.text());
  });
  const refused = await watchPolicy(page);
  await addVirtualAuthenticator(page);
  return { context, page, calls, problems, refused };
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });

/**
 * A new operator of `role`, added as `countersign operators add` does, who opens the setup link and registers
 * a passkey in the page; answers with the recovery codes the page showed, the session signed in.
 */
async function setUp(
  page: Page,
  role: 'admin' | 'viewer',
): Promise<{ email: string; codes: string[]; token: string }> {
  operators += 1;
  const email = `ops${operators}@example.test`;
  const added = await suite.server.app.services.operators.add(email, role);
  const token = added.setupUrl.split('#/setup/')[1] as string;
  const served = await page.goto(`${origin}/console/#/setup/${token}`);
  expect(served?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
  await heading(page, 'Set up your console account').waitFor();
  await page.getByText(`You were invited as ${email}`).waitFor();
  // The token left the address bar once read.
  expect(page.url()).not.toContain(token);
  await page.getByRole('button', { name: 'Register a passkey' }).click();
  await heading(page, 'Save your recovery codes').waitFor();
  const codes = await page
    .getByRole('list', { name: 'Recovery codes' })
    .getByRole('listitem')
    .allTextContents();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await heading(page, 'Overview').waitFor();
  return { email, codes, token };
}

/** The session's CSRF token, as the page reads it. */
async function csrfOf(context: BrowserContext): Promise<string> {
  const session = await context.request.get(`${origin}/console/api/session`);
  expect(session.status()).toBe(200);
  return ((await session.json()) as { csrf_token: string }).csrf_token;
}

/** An update of the operator's stored sessions (by email), as the time that passes would make it. */
async function updateSessionsOf(email: string) {
  const operator = await suite.server.db
    .selectFrom('operators')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return suite.server.db.updateTable('operator_sessions').where('operator_id', '=', operator.id);
}

describe('the console against the real service', () => {
  it('setup registers a passkey and shows ten codes once; sign-out, passkey sign-in; a key rotation runs the step-up and is retried, every change carrying the CSRF token', async () => {
    const { context, page, calls, problems, refused } = await open();
    const { email, codes, token } = await setUp(page, 'admin');
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    // Shown once: the codes are nowhere once saved, and the setup link is spent.
    await expect(page.getByText(codes[0] as string).count()).resolves.toBe(0);
    const again = await open();
    await again.page.goto(`${origin}/console/#/setup/${token}`);
    await heading(again.page, 'Set up your console account').waitFor();
    await again.page.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    await expect(again.page.getByRole('button', { name: 'Register a passkey' }).count()).resolves.toBe(0);
    await again.context.close();
    await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link').count()).resolves.toBe(
      9,
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in').waitFor();
    await page.getByText('You signed out.').waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await heading(page, 'Overview').waitFor();

    // The passkey's freshness has lapsed (five minutes, as the service keeps it): a rotation needs a step-up.
    await (await updateSessionsOf(email)).set({ fresh_until: 0 }).execute();
    const csrf = await csrfOf(context);
    await page.goto(`${origin}/console/#/apps/${bank.id}`);
    await heading(page, APP_NAME).waitFor();
    const before = calls.length;
    await page.getByRole('button', { name: 'Rotate the key' }).click();
    await page.getByText("The app's API key.").waitFor();
    const shownKey = (await page.locator('.secret code').textContent()) ?? '';
    expect(
      calls
        .slice(before)
        .filter((c) => c.method !== 'GET')
        .map((c) => `${c.method} ${c.path} ${c.csrf}`),
    ).toEqual([
      `POST /apps/${bank.id}/rotate-key ${csrf}`,
      `POST /step-up/options ${csrf}`,
      `POST /step-up ${csrf}`,
      `POST /apps/${bank.id}/rotate-key ${csrf}`,
    ]);
    expect(JSON.parse(calls.filter((c) => c.path.endsWith('/rotate-key')).at(-1)?.body ?? '')).toEqual({
      grace_seconds: 3600,
    });
    // The key shown is the app's new key: the Authy API takes it.
    const status = await call(suite.server, 'GET', `/protected/json/users/${userId}/status`, {
      key: shownKey,
    });
    expect(status.status).toBe(200);
    bank = { ...bank, apiKey: shownKey };
    expect(await refused()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a recovery-code sign-in offers a new passkey at once, and registers it', async () => {
    const first = await open();
    const { email, codes } = await setUp(first.page, 'admin');
    const { context, page, calls, problems } = await open();
    await page.goto(`${origin}/console/`);
    await heading(page, 'Sign in').waitFor();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Recovery code', { exact: true }).fill(` ${codes[3]} `);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByRole('heading', { name: 'You signed in with a recovery code' }).waitFor();
    expect(JSON.parse(calls.find((c) => c.path === '/sign-in/recovery')?.body ?? '')).toEqual({
      email,
      code: codes[3],
    });
    await page.getByRole('button', { name: 'Register a new passkey' }).click();
    await page.getByText('Your new passkey is registered.').waitFor();
    expect(calls.find((c) => c.path === '/passkeys')?.csrf).toBe(await csrfOf(context));
    const passkeys = await suite.server.db
      .selectFrom('operator_passkeys')
      .innerJoin('operators', 'operators.id', 'operator_passkeys.operator_id')
      .select('operator_passkeys.credential_id')
      .where('operators.email', '=', email)
      .execute();
    expect(passkeys).toHaveLength(2);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(
      page.getByRole('heading', { name: 'You signed in with a recovery code' }).count(),
    ).resolves.toBe(0);
    expect(problems).toEqual([]);
  });

  it('an ended session (401 60040) sends the operator to sign in, saying so', async () => {
    const { page } = await open();
    const { email } = await setUp(page, 'admin');
    await page.goto(`${origin}/console/#/apps`);
    await heading(page, 'Apps').waitFor();
    // The page has read all it reads: what ends the session is the change below, not a late read.
    await page.getByRole('region', { name: 'Apps' }).locator('tbody tr').first().waitFor();
    await page.waitForLoadState('networkidle');
    // The session is over on the server (idle past its end), while the page still shows the form.
    await (await updateSessionsOf(email)).set({ expires_at: 0 }).execute();
    await page.getByLabel('Name', { exact: true }).fill('Another app');
    await page.getByRole('button', { name: 'Create the app' }).click();
    await heading(page, 'Sign in').waitFor();
    await page.getByText('Your session ended. Sign in again.').waitFor();
    const apps = await suite.server.app.services.apps.list();
    expect(apps.map((app) => app.name)).not.toContain('Another app');
  });

  it('an admin creates an app: the body is the settings as the routes take them, with the CSRF token, and the key is shown once with a copy button', async () => {
    const { context, page, calls, problems } = await open();
    await setUp(page, 'admin');
    await page.goto(`${origin}/console/#/apps`);
    await heading(page, 'Apps').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('Countries codes may be sent to').fill('us, fr');
    await page.getByLabel('Codes sent per hour').fill('12');
    await page.getByRole('button', { name: 'Create the app' }).click();
    await page.getByText("The app's API key.").waitFor();
    await expect(page.getByRole('button', { name: 'Copy the key' }).isVisible()).resolves.toBe(true);
    const create = calls.find((c) => c.method === 'POST' && c.path === '/apps');
    expect(create?.csrf).toBe(await csrfOf(context));
    expect(JSON.parse(create?.body ?? '')).toEqual({
      name: 'Shop',
      number_matching: 'off',
      token_length: 7,
      callback_expired: false,
      sms_per_hour: 12,
      sms_countries: ['US', 'FR'],
      user_verification: 'preferred',
    });
    const shop = (await suite.server.app.services.apps.list()).find((app) => app.name === 'Shop');
    expect(shop).toMatchObject({ smsPerHour: 12, smsPerDay: null, smsCountries: ['FR', 'US'] });

    // A change sends only what changed: "default" gives the budget back to the server, "" removes nothing set.
    await page.goto(`${origin}/console/#/apps/${shop?.id}`);
    await heading(page, 'Shop').waitFor();
    await page.getByLabel('Codes sent per hour').fill('');
    await page.getByLabel('Countries codes may be sent to').fill('');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await page.getByText('Saved.').waitFor();
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(JSON.parse(patch?.body ?? '')).toEqual({ sms_per_hour: 'default', sms_countries: 'all' });
    expect(await suite.server.app.services.apps.find(shop?.id ?? 0)).toMatchObject({
      smsPerHour: null,
      smsCountries: null,
    });
    // Reads carry no token: it is for changes only.
    expect(calls.filter((c) => c.method === 'GET').every((c) => c.csrf === undefined)).toBe(true);
    expect(problems).toEqual([]);
  });

  it("a viewer sees an app's settings and a user's devices, and no control that changes them", async () => {
    const { page } = await open();
    await setUp(page, 'viewer');
    await page.goto(`${origin}/console/#/apps/${bank.id}`);
    await heading(page, APP_NAME).waitFor();
    await page.getByText('Code length').waitFor();
    // The app's Account SID, which /v2 clients need beside the key (issue 19).
    await expect(page.locator('main code').first().textContent()).resolves.toBe(bank.accountSid);
    await expect(page.locator('main input, main select, main button').count()).resolves.toBe(0);
    await page.goto(`${origin}/console/#/apps`);
    await heading(page, 'Apps').waitFor();
    await expect(page.getByRole('button', { name: 'Create the app' }).count()).resolves.toBe(0);
    await page.goto(`${origin}/console/#/users/${userId}`);
    await heading(page, `User ${userId}`).waitFor();
    await page.getByText('Work phone').waitFor();
    await expect(page.locator('main button').count()).resolves.toBe(0);
  });

  it('an admin unlocks a user locked out by wrong codes, and revokes a device after confirming', async () => {
    const { page, calls } = await open();
    await setUp(page, 'admin');
    const other = await newUser('2015550177');
    const link = await call(suite.server, 'POST', `/protected/json/users/${other}/enrollments`, {
      key: bank.apiKey,
    });
    const phone = await enrollWithLink(
      suite.server,
      (link.body.enrollment as { url: string }).url,
      'Old phone',
    );
    // Wrong TOTP codes through the Authy API until the user is locked out (the app's policy: 10).
    const seed = await suite.server.app.services.users.seed({ appId: bank.id, userId: other });
    const near = new Set([-1, 0, 1].map((d) => totpCode(seed, stepAt(Date.now()) + d, 7)));
    let wrong = 1_000_000;
    while (near.has(String(wrong))) wrong += 1;
    for (let i = 0; i < 10; i += 1) {
      const refused = await call(suite.server, 'GET', `/protected/json/verify/${wrong}/${other}`, {
        key: bank.apiKey,
      });
      expect(refused.status).toBe(401);
    }

    await page.goto(`${origin}/console/#/users/${other}`);
    await heading(page, `User ${other}`).waitFor();
    await page.getByText('+1 XXX-XXX-0177').waitFor();
    await page.locator('.status-locked').waitFor();
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('.status-unlocked').waitFor();
    expect(JSON.parse(calls.find((c) => c.path === `/users/${other}/unlock`)?.body ?? '')).toEqual({
      app_id: bank.id,
    });

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.status-revoked').waitFor();
    const stored = await suite.server.db
      .selectFrom('devices')
      .select('revoked_at')
      .where('id', '=', phone.id)
      .executeTakeFirstOrThrow();
    expect(stored.revoked_at).not.toBeNull();
  });

  it.each(['light', 'dark'] as const)(
    'the overview draws its counters and five charts under the CSP, and axe finds nothing serious (%s)',
    async (colorScheme) => {
      const { page, problems, refused } = await open(colorScheme);
      await setUp(page, 'viewer');
      await page.locator('.chart canvas').nth(4).waitFor();
      await expect(page.locator('.chart canvas').count()).resolves.toBe(5);
      // The service's own count of what the suite did: at least the request the device approved.
      const overview = await page.evaluate(async () => {
        const answer = await fetch('/console/api/overview?range=day');
        return (await answer.json()) as { totals: { approvals: { approved: number } } };
      });
      expect(overview.totals.approvals.approved).toBeGreaterThanOrEqual(1);
      const approvedCounter = page.getByRole('list', { name: 'Totals' }).getByRole('listitem').first();
      await expect(approvedCounter.textContent()).resolves.toBe(
        `${overview.totals.approvals.approved}Approved`,
      );
      const { blocking } = await axeFindings(page);
      expect(blocking).toEqual([]);
      expect(await refused()).toEqual([]);
      expect(problems).toEqual([]);
      await screenshot(page, 'console', `overview-${colorScheme}`);
    },
  );

  it('the request list merges a real request from the live feed as it is created and then approved', async () => {
    const { page, problems, refused } = await open();
    await setUp(page, 'viewer');
    await page.goto(`${origin}/console/#/requests`);
    await heading(page, 'Requests').waitFor();
    await page.locator('#live-count').getByText('Live', { exact: true }).waitFor();
    const rows = page.locator('tbody tr');
    const listed = await rows.count();
    expect(listed).toBeGreaterThan(0);

    const uuid = await approvalRequest('Sign in from Lyon');
    const row = page.locator(`tbody tr[data-uuid="${uuid}"]`);
    await row.locator('.status-pending').waitFor();
    await page.getByText('1 request arrived or changed since you opened this list.').waitFor();
    await expect(rows.first().getAttribute('data-uuid')).resolves.toBe(uuid);
    await answer(uuid, 'approved');
    await row.locator('.status-approved').waitFor();
    await expect(rows.count()).resolves.toBe(listed + 1);
    await page.getByText('1 request arrived or changed since you opened this list.').waitFor();
    expect(await refused()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("a request's detail marks a stored bidi control, verifies its real receipt in the page, and refuses a tampered one", async () => {
    // Stored before the service refused such text: the page must still show it harmless.
    await suite.server.db
      .updateTable('approval_requests')
      .set({ message: `Pay ${RLO}evil` })
      .where('uuid', '=', approved)
      .execute();
    const { page, problems, refused } = await open();
    await setUp(page, 'viewer');
    await page.goto(`${origin}/console/#/requests`);
    await heading(page, 'Requests').waitFor();
    await page.locator(`tbody tr[data-uuid="${approved}"] a`).first().click();
    await heading(page, 'Request').waitFor();
    await expect(page.locator('.message bdi').textContent()).resolves.toBe('Pay ⟨U+202E⟩evil');
    await page.getByText('Receipt verified').waitFor();
    await page.getByText('Work phone').waitFor();
    // The hidden details never reach the console.
    await expect(page.getByText('HIDDEN-198.51.100.7').count()).resolves.toBe(0);

    // The same receipt with one signature byte changed, as a tampering proxy would hand it to the page.
    await page.route(`${origin}/console/api/requests/${approved}`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { request: { receipt: string } };
      const [header, payload, signature] = body.request.receipt.split('.') as [string, string, string];
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      body.request.receipt = `${header}.${payload}.${flipped}`;
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${origin}/console/#/requests`);
    await heading(page, 'Requests').waitFor();
    await page.goto(`${origin}/console/#/requests/${approved}`);
    await page
      .getByText('Receipt not verified: The signature does not verify with the service’s published key.')
      .waitFor();
    expect(await refused()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('at 320 px the signed-in pages wrap instead of scrolling sideways (wide tables scroll inside a focusable region), with no serious axe finding, real rows in their tables', async () => {
    const { page } = await open();
    await setUp(page, 'admin');
    await page.setViewportSize({ width: 320, height: 640 });
    const pages = [
      ['#/overview', 'Overview', undefined],
      ['#/apps', 'Apps', 'Apps'],
      [`#/apps/${bank.id}`, APP_NAME, undefined],
      ['#/requests', 'Requests', 'Requests, newest first'],
      [`#/users/${userId}`, `User ${userId}`, undefined],
      ['#/outbox', 'Outbox', 'Outbox'],
      ['#/callbacks', 'Callbacks', 'Callbacks'],
      ['#/security', 'Security events', 'Security events, newest first'],
      ['#/audit', 'Audit log', 'Audit entries'],
      ['#/operators', 'Operators', 'Operators'],
    ] as const;
    for (const [hash, name, table] of pages) {
      await page.goto(`${origin}/console/${hash}`);
      await heading(page, name).waitFor();
      await page.waitForLoadState('networkidle');
      if (table !== undefined) {
        const region = page.getByRole('region', { name: table });
        await region.locator('tbody tr').first().waitFor();
        await expect(region.getAttribute('tabindex')).resolves.toBe('0');
      }
      const overflow = await page.evaluate(() => {
        const root = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow, hash).toBe(0);
      expect((await axeFindings(page)).blocking, hash).toEqual([]);
      await screenshot(page, 'console', `320-${hash.slice(2).replace('/', '-')}`);
    }
    // A callback's attempts, and the search's results: tables of real rows too.
    await page.goto(`${origin}/console/#/callbacks`);
    await page.getByRole('region', { name: 'Callbacks' }).locator('tbody a').first().click();
    await heading(page, 'Callback').waitFor();
    await page.getByRole('region', { name: 'Attempts' }).locator('tbody tr').first().waitFor();
    expect((await axeFindings(page)).blocking, '#/callbacks/:id').toEqual([]);

    await page.goto(`${origin}/console/#/users`);
    await heading(page, 'Users').waitFor();
    await page.getByLabel('Authy id, email or phone').fill(String(userId));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('region', { name: 'Users found' }).locator('tbody tr').first().waitFor();
    expect((await axeFindings(page)).blocking, '#/users').toEqual([]);
  });
});
