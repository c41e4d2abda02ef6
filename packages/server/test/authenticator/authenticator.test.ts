// The authenticator end to end, in headless Chromium: the real service on loopback, the built app at
// /authenticator/, enrollment links from the API, requests made with the real `authy-client`, answers
// whose receipts verify against the service's JWKS, and the service worker's offline shell and push handler.
import { createECDH, createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthyClient, authyClientModule } from '../compat/compat-support.js';
import { decryptPush, startFakePushService } from '../push/fake-push-service.js';
import { launchBrowser, openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

const SHOTS = 'authenticator';
/** Longer than a request takes to arrive over the event stream, shorter than the app's 10 s fallback poll. */
const LIVE_MS = 8_000;

let server: TestServer;
let push: Awaited<ReturnType<typeof startFakePushService>>;
let browser: Browser;
let bank: AuthyClient;
let bankId: number;
let bankKey: string;
const contexts: BrowserContext[] = [];
let phoneCounter = 0;

beforeAll(async () => {
  push = await startFakePushService();
  // The push service on loopback is allowed as a subscription's endpoint.
  server = await startTestServer({ env: { COUNTERSIGN_PUSH_ALLOW: '127.0.0.1' } });
  const served = await fetch(`${server.url}/authenticator/`);
  await served.arrayBuffer();
  if (served.status !== 200) {
    throw new Error(
      `GET /authenticator/ answered ${served.status}: is the authenticator built, and registered in buildApp (registerAuthenticatorRoutes)?`,
    );
  }
  const app = await server.createApp({ name: 'Countersign Bank' });
  bankId = app.id;
  bankKey = app.apiKey;
  bank = new authyClientModule.Client({ key: bankKey }, { host: server.url, timeout: 10_000 });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  await push?.close();
});

/** A phone number no other test uses. */
function nextPhone(): string {
  phoneCounter += 1;
  return `509-555-${String(1000 + phoneCounter).padStart(4, '0')}`;
}

/** Registers a user with the app through authy-client and returns their Authy id. */
async function registerUser(client: AuthyClient): Promise<number> {
  const created = await client.registerUser({
    countryCode: 'US',
    email: 'user@example.com',
    phone: nextPhone(),
  });
  const id = (created.user as { id: unknown }).id;
  if (typeof id !== 'number') throw new Error(`registerUser gave no id: ${JSON.stringify(created)}`);
  return id;
}

/**
 * An enrollment link from the API. The service writes it under PUBLIC_URL, which the test server cannot
 * know before it listens on a random port: the path and fragment are kept, the origin is the server's.
 */
async function enrollmentLink(key: string, authyId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, { key });
  expect(response.status, response.text).toBe(200);
  const enrollment = response.body.enrollment as { url: string; qr_code: string; expires_at: string };
  const url = new URL(enrollment.url);
  expect(url.pathname).toBe('/authenticator/');
  expect(url.hash).toMatch(/^#enroll=[A-Za-z0-9_-]{43}$/);
  return `${server.url}${url.pathname}${url.hash}`;
}

interface Phone {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  authyId: number;
}

/** How a phone's browser is set up before the app opens. */
interface PhoneSetup {
  /** What the site may do; anything not listed is denied. */
  permissions?: string[];
  /** Runs before the page opens, e.g. to add an init script. */
  prepare?: (context: BrowserContext) => Promise<unknown>;
}

/** A fresh browser profile on a phone-sized screen, enrolled through the app's link (for a new user by default). */
async function enrolledPhone(
  client = bank,
  key = bankKey,
  user?: number,
  setup: PhoneSetup = {},
): Promise<Phone> {
  const authyId = user ?? (await registerUser(client));
  const link = await enrollmentLink(key, authyId);
  const { context, page, problems } = await openPhone(browser, {
    permissions: setup.permissions ?? ['notifications', 'clipboard-read', 'clipboard-write'],
    origin: server.url,
  });
  contexts.push(context);
  await setup.prepare?.(context);
  await page.goto(link);
  await eventually(() => page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
  return { context, page, problems, authyId };
}

/** Creates an approval request through authy-client; returns its uuid and the create response. */
async function createRequest(
  authyId: number,
  request: {
    message: string;
    visible?: Record<string, string>;
    hidden?: Record<string, string>;
    ttl?: number;
  },
  client = bank,
): Promise<{ uuid: string; created: Record<string, unknown> }> {
  const created = await client.createApprovalRequest(
    {
      authyId,
      message: request.message,
      details: { visible: request.visible ?? {}, hidden: request.hidden ?? {} },
    },
    { ttl: request.ttl ?? 120 },
  );
  const approval = created.approval_request as { uuid: string };
  return { uuid: approval.uuid, created: approval };
}

/** The request's status over the Authy API once it is final (bounded long poll). */
async function finalStatus(uuid: string, key = bankKey): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=5`, { key });
    const approval = response.body.approval_request as Record<string, unknown> | undefined;
    if (approval !== undefined && approval.status !== 'pending') return approval;
    if (Date.now() > deadline) throw new Error(`request ${uuid} is still pending: ${response.text}`);
  }
}

/** Polls until the value matches; longer than `expect.poll`'s one-second default, still bounded. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 5_000) =>
  expect.poll(read, { timeout, interval: 100 });

/** The card of one request. */
const card = (page: Page, uuid: string): Locator => page.locator(`article[data-uuid="${uuid}"]`);

/** What the page's live region says. */
const liveRegion = (page: Page): Locator => page.locator('.toast[role="status"]');

/** Errors the page logged, except those of a connection the test cut on purpose. */
function unexpected(problems: PageProblems): string[] {
  return problems.messages.filter(
    (message) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_/.test(message),
  );
}

/**
 * The browser globals the page scripts below touch, typed here because this program has no DOM library.
 * Those scripts run in the page; the casts vanish when they are compiled.
 */
interface InPage {
  mark?: string;
  workerMessages?: unknown[];
  subscribedWith?: { userVisibleOnly: boolean; applicationServerKey: number[] };
  PushManager: { prototype: Record<string, unknown> };
  navigator: {
    serviceWorker: {
      ready: Promise<{
        getNotifications(): Promise<{ title: string; body: string; data: unknown }[]>;
      }>;
      controller: object | null;
      addEventListener(type: string, listener: (event: { data: unknown }) => void): void;
    };
  };
}

/** A browser push subscription's JSON, as `PushSubscription.toJSON()` gives it. */
interface SubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/**
 * Runs in the page before the app: a push manager that subscribes without a push service (headless
 * Chromium has none), answering with `subscription` and keeping what it was asked for in `subscribedWith`.
 */
function stubPushManager(subscription: SubscriptionJson): void {
  const page = globalThis as unknown as InPage;
  let held: object | null = null;
  page.PushManager.prototype.getSubscription = async () => held;
  page.PushManager.prototype.subscribe = async (options: {
    userVisibleOnly: boolean;
    applicationServerKey: Uint8Array;
  }) => {
    page.subscribedWith = {
      userVisibleOnly: options.userVisibleOnly,
      applicationServerKey: [...options.applicationServerKey],
    };
    held = {
      endpoint: subscription.endpoint,
      options: { userVisibleOnly: true, applicationServerKey: options.applicationServerKey.slice().buffer },
      toJSON: () => subscription,
      unsubscribe: async () => true,
    };
    return held;
  };
}

interface ReceiptPayload {
  iss: string;
  sub: string;
  aud: string;
  status: string;
  reason: string | null;
  device_id: string;
  answer: Record<string, unknown>;
  device_signature: string;
  device_public_key: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
}

/**
 * Verifies a receipt: the service's signature against its published JWKS, then, inside it, the device's
 * own P-256 signature over the canonical answer, and that the answer hashes exactly what was displayed.
 */
async function verifyReceipt(
  receipt: string,
  expected: {
    uuid: string;
    appId: number;
    shown: { app_name: string; message: string; details: Record<string, string> };
  },
): Promise<ReceiptPayload> {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify<ReceiptPayload>(receipt, jwks, {
    issuer: server.config.publicUrl,
    audience: String(expected.appId),
    subject: expected.uuid,
  });
  expect(protectedHeader.alg).toBe('ES256');

  const devicePublicKey = createPublicKey({ key: payload.device_public_key, format: 'jwk' });
  const signed = Buffer.from(canonicalJson(payload.answer), 'utf8');
  const signature = Buffer.from(payload.device_signature, 'base64url');
  expect(verify('sha256', signed, { key: devicePublicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);

  const displayHash = createHash('sha256').update(canonicalJson(expected.shown), 'utf8').digest('base64url');
  expect(payload.answer).toMatchObject({
    purpose: 'countersign-answer',
    uuid: expected.uuid,
    device_id: payload.device_id,
    display_hash: displayHash,
  });
  return payload;
}

describe('the authenticator, end to end in Chromium', () => {
  it('a link opened on the phone enrolls it, clears the token from the address bar, and shows a code the API accepts', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    expect(new URL(page.url()).hash).toBe('');
    await eventually(() => liveRegion(page).textContent()).toContain(
      'This device is set up for Countersign Bank.',
    );
    await eventually(() => page.getByText('Nothing to approve.').count()).toBe(1);

    const codeRow = page.locator('.code').filter({ hasText: 'Countersign Bank' });
    await eventually(() => codeRow.count()).toBe(1);
    const shown = (await codeRow.locator('.code-value [aria-hidden="true"]').textContent()) ?? '';
    const code = shown.replace(/\s/g, '');
    expect(code).toMatch(/^\d{7}$/);
    // Read aloud digit by digit.
    expect(await codeRow.locator('.code-value .visually-hidden').textContent()).toBe(
      code.split('').join(' '),
    );
    const verified = await bank.verifyToken({ authyId, token: code });
    // Authy writes `success` of a verification as the string "true".
    expect(verified).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });

    // Notifications are allowed here but not yet set up: the panel offers to turn them on.
    const notifications = page.getByRole('region', { name: 'Notifications' });
    await eventually(() => notifications.getByRole('button', { name: 'Turn on notifications' }).count()).toBe(
      1,
    );
    expect(await notifications.locator('p').textContent()).toBe(
      'Get a notification when a request arrives, even while the authenticator is closed.',
    );

    await screenshot(page, SHOTS, '01-enrolled');

    // Another link opened in the open app changes only the fragment: it is noticed and enrolls one more
    // account, under a key of its own, beside the first.
    await page.goto(await enrollmentLink(bankKey, authyId));
    await eventually(() => liveRegion(page).textContent()).toBe('Added Countersign Bank.');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
    await eventually(() => page.locator('.account').count()).toBe(2);
    const devices = await server.db
      .selectFrom('devices')
      .select(['id', 'public_key'])
      .where('user_id', '=', authyId)
      .execute();
    expect(devices).toHaveLength(2);
    expect(devices[0]?.public_key).not.toBe(devices[1]?.public_key);
    expect(unexpected(problems)).toEqual([]);
  });

  it('a request from authy-client appears without a reload, shows what the app sent but never hidden details, and approving gives a verifiable receipt', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    // A reload would lose this mark.
    await page.evaluate(() => {
      (globalThis as unknown as InPage).mark = 'same page';
    });

    const shown = {
      app_name: 'Countersign Bank',
      message: 'Transfer $500 to bob@example.com',
      details: { Amount: '$500.00', Recipient: 'bob@example.com', Account: '1234' },
    };
    const { uuid } = await createRequest(authyId, {
      message: shown.message,
      visible: shown.details,
      hidden: { ip_address: '10.9.8.7', internal_ref: 'do-not-show' },
    });

    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).mark)).toBe('same page');
    // Announced as new when it arrives live, or counted when it lands with the app's first load (a slow
    // machine can finish enrolling after the request was made): either way a screen reader hears of it.
    await eventually(() => liveRegion(page).textContent()).toMatch(
      /^(New request from Countersign Bank: Transfer \$500 to bob@example\.com|1 request waiting\.)$/,
    );

    expect(await request.locator('.request-app').textContent()).toBe('Countersign Bank');
    expect(await request.getByRole('heading', { level: 3 }).textContent()).toBe(shown.message);
    for (const [name, value] of Object.entries(shown.details)) {
      expect(await request.locator('dt', { hasText: name }).locator('+ dd').textContent()).toBe(value);
    }
    expect(await request.locator('.request-time').textContent()).toMatch(/Expires in [12]:\d\d/);
    const pageText = (await page.locator('body').textContent()) ?? '';
    expect(pageText).not.toContain('10.9.8.7');
    expect(pageText).not.toContain('do-not-show');
    expect(pageText).not.toContain('ip_address');
    await screenshot(page, SHOTS, '02-request');

    // Keyboard only: Tab reaches Approve, Enter presses it.
    const approve = request.getByRole('button', { name: 'Approve' });
    for (let presses = 0; presses < 30; presses++) {
      if (await approve.evaluate((button) => button.matches(':focus'))) break;
      await page.keyboard.press('Tab');
    }
    expect(await approve.evaluate((button) => button.matches(':focus'))).toBe(true);
    await page.keyboard.press('Enter');

    const status = await finalStatus(uuid);
    expect(status.status).toBe('approved');
    await eventually(() => request.count()).toBe(0);
    await eventually(() => liveRegion(page).textContent()).toBe(
      'Approved: “Transfer $500 to bob@example.com”.',
    );
    // The card that had focus is gone: focus went to the section, not to the page body.
    expect(await page.locator('#requests-title').evaluate((heading) => heading.matches(':focus'))).toBe(true);

    const payload = await verifyReceipt(String(status.receipt), { uuid, appId: bankId, shown });
    expect(payload).toMatchObject({ status: 'approved', reason: null });
    expect(payload.answer).toMatchObject({ decision: 'approved', reason: null, number_match: null });
    await screenshot(page, SHOTS, '03-approved');
    expect(unexpected(problems)).toEqual([]);
  });

  it('Deny ends the request as denied, with a receipt that says so', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    const shown = { app_name: 'Countersign Bank', message: 'Sign in from Firefox on Linux', details: {} };
    const { uuid } = await createRequest(authyId, { message: shown.message });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    await request.getByRole('button', { name: 'Deny' }).click();

    const status = await finalStatus(uuid);
    expect(status.status).toBe('denied');
    const payload = await verifyReceipt(String(status.receipt), { uuid, appId: bankId, shown });
    expect(payload).toMatchObject({ status: 'denied', reason: 'denied' });
    await eventually(() => liveRegion(page).textContent()).toBe('Denied: “Sign in from Firefox on Linux”.');
    expect(unexpected(problems)).toEqual([]);
  });

  it('"This wasn’t me" denies with the reason not_me', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    const shown = {
      app_name: 'Countersign Bank',
      message: 'Add payee Mallory',
      details: { Payee: 'Mallory' },
    };
    const { uuid } = await createRequest(authyId, { message: shown.message, visible: shown.details });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    await request.getByRole('button', { name: 'This wasn’t me' }).click();

    const status = await finalStatus(uuid);
    expect(status).toMatchObject({ status: 'denied', reason: 'not_me' });
    const payload = await verifyReceipt(String(status.receipt), { uuid, appId: bankId, shown });
    expect(payload).toMatchObject({ status: 'denied', reason: 'not_me' });
    expect(payload.answer).toMatchObject({ decision: 'denied', reason: 'not_me' });
    await eventually(() => liveRegion(page).textContent()).toBe(
      'Denied and reported as not you: “Add payee Mallory”.',
    );
    expect(unexpected(problems)).toEqual([]);
  });

  it('text stored before the display rule (D11) is shown isolated, with a marker for each refused character instead of reordering, and approving signs the stored text', async () => {
    // An app renamed and a request written straight to the store, as data from before the rule would be.
    const legacy = await server.createApp({ name: 'Legacy Bank' });
    await server.db.updateTable('apps').set({ name: 'Old \u202eknaB' }).where('id', '=', legacy.id).execute();
    const client = new authyClientModule.Client(
      { key: legacy.apiKey },
      { host: server.url, timeout: 10_000 },
    );
    const { page, problems, authyId } = await enrolledPhone(client, legacy.apiKey);
    const app = await server.app.services.apps.find(legacy.id);
    if (app === undefined) throw new Error('the legacy app is gone');
    const shown = {
      app_name: 'Old \u202eknaB',
      message: 'Pay \u2067mallory\u2069 now',
      details: { Payee: 'mallory \u202e00.000,9$ :tnuomA\u202c', 'Memo\u200b': 'rent' },
    };
    const { uuid } = await server.app.services.approvals.create(app, String(authyId), {
      message: shown.message,
      details: shown.details,
      hiddenDetails: {},
      logos: [],
      secondsToExpire: 120,
    });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);

    const payee = request.locator('dt', { hasText: 'Payee' }).locator('+ dd');
    const expected: [Locator, string][] = [
      [request.locator('.request-app'), 'Old ⟨U+202E⟩knaB'],
      [request.getByRole('heading', { level: 3 }), 'Pay ⟨U+2067⟩mallory⟨U+2069⟩ now'],
      [request.locator('dt', { hasText: 'Payee' }), 'Payee'],
      [payee, 'mallory ⟨U+202E⟩00.000,9$ :tnuomA⟨U+202C⟩'],
      [request.locator('dt', { hasText: 'Memo' }), 'Memo⟨U+200B⟩'],
      [request.locator('dt', { hasText: 'Memo' }).locator('+ dd'), 'rent'],
    ];
    for (const [element, text] of expected) {
      expect(await element.textContent()).toBe(text);
      // Isolated: all of the value sits in one <bdi> of its own.
      expect(await element.locator(':scope > bdi').count()).toBe(1);
      expect(await element.locator(':scope > bdi').textContent()).toBe(text);
    }
    // None of the refused characters reached the page; each marker is named for a screen reader.
    const cardText = (await request.textContent()) ?? '';
    expect(cardText).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b]/);
    expect(await request.locator('.refused-character').count()).toBe(6);
    expect(
      await request.getByRole('img', { name: 'hidden character U+202E RIGHT-TO-LEFT OVERRIDE' }).count(),
    ).toBe(2);
    expect(await request.locator('.request-marked').textContent()).toContain('They are shown as ⟨U+…⟩.');

    // Drawn as stored, not reordered: the override no longer acts, so "tnuomA" runs left to right.
    const xOf = (char: string) =>
      payee.evaluate((dd, wanted) => {
        const nodes = [...(dd.querySelector('bdi')?.childNodes ?? [])];
        const text = nodes.find((node) => node.nodeType === 3 && node.textContent?.includes('tnuomA'));
        const at = text?.textContent?.lastIndexOf(wanted) ?? -1;
        if (text === undefined || at < 0) return Number.NaN;
        const range = dd.ownerDocument.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + 1);
        return range.getBoundingClientRect().left;
      }, char);
    expect(await xOf('t')).toBeLessThan(await xOf('A'));
    await screenshot(page, SHOTS, '11-marked');

    await request.getByRole('button', { name: 'Approve' }).click();
    const status = await finalStatus(uuid, legacy.apiKey);
    expect(status.status).toBe('approved');
    // The answer signed the text as stored, markers or not.
    await verifyReceipt(String(status.receipt), { uuid, appId: legacy.id, shown });
    await eventually(() => liveRegion(page).textContent()).toBe(
      'Approved: “Pay ⟨U+2067⟩mallory⟨U+2069⟩ now”.',
    );
    expect(unexpected(problems)).toEqual([]);
  });

  it('a request that runs out of time counts down, can no longer be answered, and ends as expired', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    const { uuid } = await createRequest(authyId, { message: 'Quick sign-in', ttl: 4 });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    expect(await request.locator('.request-time').textContent()).toMatch(/Expires in 0:0[1-5]/);

    // Once past its time the card either says so with its answers disabled, or is withdrawn by the service.
    const approve = request.getByRole('button', { name: 'Approve' });
    await eventually(async () => (await request.count()) === 0 || (await approve.isDisabled()), 10_000).toBe(
      true,
    );
    // The service may withdraw the card at any moment, which is also a right outcome: read with short waits.
    const label = await request
      .locator('.request-time strong')
      .textContent({ timeout: 1000 })
      .catch(() => null);
    if (label !== null) {
      expect(label).toBe('Expired');
      const denyDisabled = await request
        .getByRole('button', { name: 'Deny' })
        .isDisabled({ timeout: 1000 })
        .catch(() => null);
      if (denyDisabled !== null) expect(denyDisabled).toBe(true);
      await screenshot(page, SHOTS, '04-expired').catch(() => undefined);
    }
    expect((await finalStatus(uuid)).status).toBe('expired');
    expect(unexpected(problems)).toEqual([]);
  });

  it('number matching asks for the typed number, refuses an empty one, and a wrong one ends the request denied', async () => {
    const shopApp = await server.createApp({ name: 'Countersign Shop', numberMatching: '2' });
    const shop = new authyClientModule.Client({ key: shopApp.apiKey }, { host: server.url, timeout: 10_000 });
    const { page, problems, authyId } = await enrolledPhone(shop, shopApp.apiKey);
    const shown = { app_name: 'Countersign Shop', message: 'Pay $42 at Countersign Shop', details: {} };

    const first = await createRequest(authyId, { message: shown.message }, shop);
    const number = String(first.created.number_match);
    expect(number).toMatch(/^\d{2}$/);
    const request = card(page, first.uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    const input = request.getByRole('textbox', { name: 'Number shown by Countersign Shop' });
    expect(await input.getAttribute('inputmode')).toBe('numeric');
    // The number travels only to the app: the device never shows it.
    // Compared with the card's own text less its clock, which can hold any two digits by chance.
    const cardText = await request.evaluate((article) => {
      const copy = article.cloneNode(true) as typeof article;
      for (const clock of copy.querySelectorAll('.request-time')) clock.remove();
      return copy.textContent ?? '';
    });
    expect(cardText.replace(shown.message, '')).not.toMatch(new RegExp(`(^|\\D)${number}(\\D|$)`));

    await request.getByRole('button', { name: 'Approve' }).click();
    expect(await request.getByRole('alert').textContent()).toBe(
      'Type the number shown where you started this, then approve.',
    );
    expect(await input.evaluate((element) => element.matches(':focus'))).toBe(true);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, SHOTS, '05-number-match');

    await input.fill(number);
    await input.press('Enter');
    const approved = await finalStatus(first.uuid, shopApp.apiKey);
    expect(approved.status).toBe('approved');
    const payload = await verifyReceipt(String(approved.receipt), {
      uuid: first.uuid,
      appId: shopApp.id,
      shown,
    });
    expect(payload.answer).toMatchObject({ decision: 'approved', number_match: number });

    const second = await createRequest(authyId, { message: 'Pay $99 at Countersign Shop' }, shop);
    const wrong = String((Number(second.created.number_match) + 1) % 100).padStart(2, '0');
    const secondCard = card(page, second.uuid);
    await eventually(() => secondCard.count(), LIVE_MS).toBe(1);
    await secondCard.getByRole('textbox', { name: 'Number shown by Countersign Shop' }).fill(wrong);
    await secondCard.getByRole('button', { name: 'Approve' }).click();
    const mismatched = await finalStatus(second.uuid, shopApp.apiKey);
    expect(mismatched).toMatchObject({ status: 'denied', reason: 'number_mismatch' });
    await eventually(() => liveRegion(page).textContent()).toBe(
      'The number did not match, so “Pay $99 at Countersign Shop” was denied.',
    );
    expect(unexpected(problems)).toEqual([]);
  });

  it('lists the user’s devices, removes another one at once, and removing this one returns it to setup', async () => {
    const phone = await enrolledPhone();
    const other = await enrolledPhone(bank, bankKey, phone.authyId);
    const { page } = phone;

    const toggle = page.getByRole('button', { name: 'Devices' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const rows = page.locator('.device');
    await eventually(() => rows.count()).toBe(2);
    const self = rows.filter({ has: page.locator('.badge', { hasText: 'This device' }) });
    expect(await self.count()).toBe(1);
    const otherRow = rows.filter({ hasNot: page.locator('.badge') });
    await otherRow.getByRole('button', { name: 'Remove…' }).click();
    const confirm = otherRow.getByRole('button', { name: /^Remove .* now$/ });
    expect(await confirm.evaluate((button) => button.matches(':focus'))).toBe(true);
    await screenshot(page, SHOTS, '08-devices');
    await confirm.click();
    await eventually(() => rows.count()).toBe(1);
    await eventually(() => liveRegion(page).textContent()).toMatch(
      /was removed\. It can no longer answer requests\.$/,
    );

    // The removed phone is refused at once: its stream ends and its next fetch is turned away.
    await createRequest(phone.authyId, { message: 'Seen only by the remaining phone' });
    await eventually(() => other.page.getByRole('alert').textContent(), LIVE_MS).toContain(
      'The service no longer recognises this device',
    );
    expect(await other.page.getByRole('heading', { name: 'Seen only by the remaining phone' }).count()).toBe(
      0,
    );
    await eventually(
      () => page.getByRole('heading', { name: 'Seen only by the remaining phone' }).count(),
      LIVE_MS,
    ).toBe(1);

    await self.getByRole('button', { name: 'Remove…' }).click();
    await self.getByRole('button', { name: /^Remove this device/ }).click();
    await eventually(() => page.getByRole('heading', { name: 'Set up this authenticator' }).count()).toBe(1);
    await eventually(() => liveRegion(page).textContent()).toBe(
      'This device was removed. Its key is gone; open a new enrollment link to set it up again.',
    );
    expect(unexpected(phone.problems)).toEqual([]);
  });

  it('where notifications are blocked for the site, the panel says so and how to allow them, and focus stays on its button', async () => {
    // Granting only the clipboard denies notifications, as a user who blocked them for the site has.
    const { page, problems } = await enrolledPhone(bank, bankKey, undefined, {
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const blocked =
      'Notifications are blocked for this site. Allow them in this browser’s site settings, then try again.';
    const notifications = page.getByRole('region', { name: 'Notifications' });
    await eventually(() => notifications.locator('p').textContent()).toBe(blocked);
    const button = notifications.getByRole('button', { name: 'Turn on notifications' });
    await button.focus();
    await page.keyboard.press('Enter');
    await eventually(() => liveRegion(page).textContent()).toBe(blocked);
    expect(await button.evaluate((element) => element.matches(':focus'))).toBe(true);
    expect(await button.getAttribute('aria-disabled')).toBeNull();
    await screenshot(page, SHOTS, '09-notifications-blocked');
    expect(unexpected(problems)).toEqual([]);
  });

  it('turning notifications on subscribes under the service’s key and gives the service the subscription, which the next request is pushed to', async () => {
    // The browser's side of a subscription: its P-256 key pair and auth secret, and an endpoint on loopback.
    const receiver = createECDH('prime256v1');
    receiver.generateKeys();
    const auth = randomBytes(16);
    const path = `/push/${randomBytes(8).toString('hex')}`;
    const subscription: SubscriptionJson = {
      endpoint: `${push.url}${path}`,
      expirationTime: null,
      keys: { p256dh: receiver.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
    const { page, problems, authyId } = await enrolledPhone(bank, bankKey, undefined, {
      prepare: (context) => context.addInitScript(stubPushManager, subscription),
    });
    const notifications = page.getByRole('region', { name: 'Notifications' });
    const button = notifications.getByRole('button', { name: 'Turn on notifications' });
    await eventually(() => button.count()).toBe(1);
    await button.click();

    const on =
      'Notifications are on: this device tells you when a request arrives, even while the authenticator is closed.';
    await eventually(() => liveRegion(page).textContent()).toBe(on);
    expect(await notifications.locator('p').textContent()).toBe(on);
    expect(await button.count()).toBe(0);
    // The button went away: focus is on the panel's heading, not lost on the page body.
    await eventually(() =>
      page.locator('#notifications-title').evaluate((heading) => heading.matches(':focus')),
    ).toBe(true);
    const { public_key: vapidKey } = (await call(server, 'GET', '/device/v1/push-key')).body as {
      public_key: string;
    };
    expect(await page.evaluate(() => (globalThis as unknown as InPage).subscribedWith)).toEqual({
      userVisibleOnly: true,
      applicationServerKey: [...Buffer.from(vapidKey, 'base64url')],
    });
    await screenshot(page, SHOTS, '10-notifications-on');

    const { uuid } = await createRequest(authyId, { message: 'Pushed to the phone' });
    const [message] = (await push.waitFor(1, 5_000)).filter((received) => received.path === path);
    if (message === undefined) throw new Error('no push arrived');
    expect(JSON.parse(decryptPush(message.body, receiver, auth))).toEqual({ type: 'request', uuid });
    expect(unexpected(problems)).toEqual([]);
  });

  it('a browser without Web Push is told notifications cannot work there, and offered no button', async () => {
    const { page, problems } = await enrolledPhone(bank, bankKey, undefined, {
      prepare: (context) =>
        context.addInitScript(() => {
          Reflect.deleteProperty(globalThis, 'PushManager');
        }),
    });
    const notifications = page.getByRole('region', { name: 'Notifications' });
    await eventually(() => notifications.locator('p').textContent()).toMatch(
      /^This browser cannot show the authenticator’s notifications/,
    );
    expect(await notifications.getByRole('button').count()).toBe(0);
    expect(unexpected(problems)).toEqual([]);
  });

  it('a used enrollment link is refused with what to do, and the app stays on the setup screen', async () => {
    const authyId = await registerUser(bank);
    const link = await enrollmentLink(bankKey, authyId);
    const first = await openPhone(browser);
    contexts.push(first.context);
    await first.page.goto(link);
    await eventually(() => first.page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);

    const second = await openPhone(browser);
    contexts.push(second.context);
    await second.page.goto(link);
    const alert = second.page.getByRole('alert');
    await eventually(() => alert.count()).toBe(1);
    expect(await alert.textContent()).toBe(
      'This link has expired or was already used. Ask the app for a new one.',
    );
    expect(await second.page.getByRole('heading', { name: 'Set up this authenticator' }).count()).toBe(1);
    expect(new URL(second.page.url()).hash).toBe('');
    await screenshot(second.page, SHOTS, '06-link-used');
  });
});

describe('the service worker', () => {
  /** Waits until the page is controlled by the authenticator's service worker. */
  async function controlled(page: Page): Promise<void> {
    await page.evaluate(async () => {
      const { serviceWorker } = (globalThis as unknown as InPage).navigator;
      await serviceWorker.ready;
      if (serviceWorker.controller !== null) return;
      await new Promise((resolve) => serviceWorker.addEventListener('controllerchange', resolve));
    });
  }

  it('keeps the app shell: offline, a reload still opens the app, codes still work, and it says it is offline', async () => {
    const { context, page, problems } = await enrolledPhone();
    await controlled(page);
    const pageLoads = () => server.logs.filter((line) => line.includes('"url":"/authenticator/"')).length;
    const before = pageLoads();
    expect(before).toBeGreaterThan(0);

    await context.setOffline(true);
    await page.reload();
    await eventually(() => page.getByText('You’re offline.', { exact: false }).count()).toBe(1);
    await eventually(() => page.locator('.code').count()).toBe(1);
    expect(
      (await page.locator('.code-value [aria-hidden="true"]').textContent())?.replace(/\s/g, ''),
    ).toMatch(/^\d{7}$/);
    // The page came from the worker's cache: the service never saw the reload.
    expect(pageLoads()).toBe(before);
    await screenshot(page, SHOTS, '07-offline');

    await context.setOffline(false);
    await eventually(() => page.getByText('You’re offline.', { exact: false }).count()).toBe(0);
    await eventually(() => page.getByText('Nothing to approve.').count()).toBe(1);
    expect(unexpected(problems)).toEqual([]);
  });

  it('turns a push into a neutral notification, whatever the payload says, and tells open windows', async () => {
    const { page } = await enrolledPhone();
    await controlled(page);
    await page.evaluate(() => {
      const seen: unknown[] = [];
      const inPage = globalThis as unknown as InPage;
      inPage.workerMessages = seen;
      inPage.navigator.serviceWorker.addEventListener('message', (event) => seen.push(event.data));
    });

    const cdp = await page.context().newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${server.url}/authenticator/` && !r.isDeleted);
        if (ours !== undefined) resolve(ours.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const uuid = '6f1d0c0e-8a2b-4c3d-9e4f-0a1b2c3d4e5f';
    const deliver = async () =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId: await registrationId,
        // A payload that (wrongly) carries content: the worker must still show only its neutral words.
        data: JSON.stringify({ type: 'request', uuid, message: 'Transfer $500 to bob@example.com' }),
      });

    const notifications = async () =>
      page.evaluate(async () => {
        const registration = await (globalThis as unknown as InPage).navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          data: n.data,
        }));
      });
    // A loaded machine can take seconds to wake the service worker, and DevTools has been seen to drop a push
    // delivered while the worker was starting (CI): the push is delivered again, up to three times, until
    // the notification shows. Its tag makes a second delivery replace the first notification, not add one.
    let shown: Awaited<ReturnType<typeof notifications>> = [];
    for (let delivery = 0; delivery < 3 && shown.length === 0; delivery += 1) {
      await deliver();
      const until = Date.now() + LIVE_MS;
      while (shown.length === 0 && Date.now() < until) {
        shown = await notifications();
        if (shown.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(shown).toEqual([
      { title: 'New request to review', body: 'Open Countersign to approve or deny it.', data: { uuid } },
    ]);
    // Every push the worker handled told the open window, with the uuid and nothing of the payload's text.
    const messages = () => page.evaluate(() => (globalThis as unknown as InPage).workerMessages ?? []);
    await eventually(async () => (await messages()).length > 0, 2 * LIVE_MS).toBe(true);
    for (const message of await messages()) expect(message).toEqual({ type: 'push', uuid });
    await cdp.detach();
  }, 60_000); // three deliveries of 8 s at most, then the window's message
});
