// The authenticator's history, end to end in headless Chromium (issue 16, item 4): a request approved on the
// phone shows after a reload with its receipt verified in the browser; a receipt whose bytes or whose shown
// text were changed on the way shows as not verifying; a "this wasn't me" report says so; "Show older" pages
// through the rest; axe finds no critical or serious violation on the screen.
import type { Browser, BrowserContext, Locator, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticatorSuite, startAuthenticatorSuite } from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';
import { answerFor, deviceCall, enrollWithLink, type PendingRequest } from '../support/test-device.js';

const SHOTS = 'authenticator-history';
/** Longer than a request takes to arrive over the event stream, shorter than the app's 10 s fallback poll. */
const LIVE_MS = 8_000;

let server: TestServer;
let browser: Browser;
let app: { id: number; apiKey: string };
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;
let phoneNumber = 5_095_556_100;

beforeAll(async () => {
  suite = await startAuthenticatorSuite();
  ({ server, browser, contexts } = suite);
  app = await server.createApp({ name: 'History Bank', userVerification: 'off' });
}, 60_000);

afterAll(() => suite?.close());

const eventually = <T>(read: () => T | Promise<T>, timeout = 5_000) =>
  expect.poll(read, { timeout, interval: 100 });

async function newUser(): Promise<number> {
  phoneNumber += 1;
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: {
      user: { email: `ah${phoneNumber}@example.com`, cellphone: String(phoneNumber), country_code: '1' },
    },
  });
  return (response.body.user as { id: number }).id;
}

/** The app's enrollment link, at the origin the harness listens on. */
async function enrollmentLink(userId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.apiKey,
  });
  const url = new URL((response.body.enrollment as { url: string }).url);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function enrolledPhone(user?: number): Promise<{
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  userId: number;
}> {
  const userId = user ?? (await newUser());
  const { context, page, problems } = await openPhone(browser, { origin: server.url });
  contexts.push(context);
  await page.goto(await enrollmentLink(userId));
  await eventually(() => page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
  return { context, page, problems, userId };
}

async function createRequest(userId: number, message: string): Promise<string> {
  const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.apiKey,
    json: {
      message,
      details: { 'IP address': '203.0.113.9', Browser: 'Firefox 133 on Linux' },
      hidden_details: { risk: 'low' },
      seconds_to_expire: 300,
    },
  });
  expect(response.status, response.text).toBe(200);
  return (response.body.approval_request as { uuid: string }).uuid;
}

/** The page's service worker in its narrow form: what waiting for it to control the page reads. */
interface InPage {
  navigator: {
    serviceWorker: {
      ready: Promise<unknown>;
      controller: object | null;
      addEventListener(type: string, listener: () => void): void;
    };
  };
}

/** Waits until the service worker controls the page, so a reload offline is answered from its cache. */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { serviceWorker } = (globalThis as unknown as InPage).navigator;
    await serviceWorker.ready;
    if (serviceWorker.controller !== null) return;
    await new Promise<void>((resolve) => serviceWorker.addEventListener('controllerchange', resolve));
  });
}

const card = (page: Page, uuid: string): Locator => page.locator(`article[data-uuid="${uuid}"]`);
const historyEntry = (page: Page, uuid: string): Locator => page.locator(`.history li[data-uuid="${uuid}"]`);

/** Rewrites every history page the service sends, as something between it and the phone could. */
async function alterHistory(
  context: BrowserContext,
  change: (entry: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  await context.route(
    (url) => url.pathname === '/device/v1/history',
    async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { history: Record<string, unknown>[] };
      await route.fulfill({ response, json: { ...body, history: body.history.map(change) } });
    },
  );
}

/** One base64url character of the receipt's payload changed: the bytes the service signed are not these. */
function flipPayload(receipt: string): string {
  const [header, payload, signature] = receipt.split('.') as [string, string, string];
  const at = Math.floor(payload.length / 2);
  return `${header}.${payload.slice(0, at)}${payload[at] === 'A' ? 'B' : 'A'}${payload.slice(at + 1)}.${signature}`;
}

describe('the history in the authenticator', () => {
  it('shows an approval after a reload with its receipt verified in the browser, and a report of "this wasn’t me"', async () => {
    const { page, problems, userId } = await enrolledPhone();
    const approved = await createRequest(userId, 'Log in to History Bank');
    await card(page, approved).getByRole('button', { name: 'Approve' }).waitFor({ timeout: LIVE_MS });
    await card(page, approved).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => card(page, approved).count()).toBe(0);

    await page.reload();
    const entry = historyEntry(page, approved);
    await entry.waitFor();
    await eventually(() => entry.textContent()).toContain('Receipt verified');
    const text = await entry.textContent();
    expect(text).toContain('Approved');
    expect(text).toContain('Log in to History Bank');
    expect(text).toContain('History Bank');
    expect(text).toContain('Answered on this device');
    // The app's context, as it sent it; never the hidden details.
    expect(text).toContain('203.0.113.9');
    expect(text).toContain('Firefox 133 on Linux');
    expect(text).not.toContain('risk');

    const reported = await createRequest(userId, 'Transfer $900 to Mallory');
    await card(page, reported).getByRole('button', { name: 'This wasn’t me' }).waitFor({ timeout: LIVE_MS });
    await card(page, reported).getByRole('button', { name: 'This wasn’t me' }).click();
    const report = historyEntry(page, reported);
    await report.waitFor();
    await eventually(() => report.textContent()).toContain('Receipt verified');
    expect(await report.textContent()).toContain('You reported: this wasn’t me');
    // Newest first.
    expect(
      await page.locator('.history li').evaluateAll((items) => items.map((i) => i.getAttribute('data-uuid'))),
    ).toEqual([reported, approved]);

    const { blocking, rules } = await axeFindings(page);
    expect(rules).toBeGreaterThan(20);
    expect(blocking).toEqual([]);
    await screenshot(page, SHOTS, 'history');
    expect(problems.messages).toEqual([]);
  });

  it('a second phone of the same user and app shows the first one’s answer, its receipt verified there too', async () => {
    const first = await enrolledPhone();
    const second = await enrolledPhone(first.userId);
    const uuid = await createRequest(first.userId, 'Log in from a new laptop');
    await card(first.page, uuid).getByRole('button', { name: 'Approve' }).waitFor({ timeout: LIVE_MS });
    await card(first.page, uuid).getByRole('button', { name: 'Approve' }).click();

    const entry = historyEntry(second.page, uuid);
    await entry.waitFor({ timeout: LIVE_MS });
    await eventually(() => entry.textContent()).toContain('Receipt verified');
    const text = await entry.textContent();
    expect(text).toContain('Approved');
    // The first phone by the name it enrolled with (its browser and system), not "this device".
    expect(text).toMatch(/Answered on Chrome/);
    expect(text).not.toContain('Answered on this device');
    expect(second.problems.messages).toEqual([]);
  });

  it('shows what another device of the enrollment answered, by its name, its receipt verified', async () => {
    const { page, problems, userId } = await enrolledPhone();
    const laptop = await enrollWithLink(server, await enrollmentLink(userId), 'Work laptop');
    const uuid = await createRequest(userId, 'Log in from the office');
    await card(page, uuid).waitFor({ timeout: LIVE_MS });
    const listed = await deviceCall(server, laptop, 'GET', '/device/v1/requests');
    const request = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid) as PendingRequest;
    const answered = await deviceCall(
      server,
      laptop,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(laptop, request, 'approved'),
    );
    expect(answered.status, answered.text).toBe(200);

    // Withdrawn from the phone's list, and in its history at once.
    const entry = historyEntry(page, uuid);
    await entry.waitFor({ timeout: LIVE_MS });
    await eventually(() => entry.textContent()).toContain('Receipt verified');
    expect(await entry.textContent()).toContain('Answered on Work laptop');
    expect(await entry.textContent()).not.toContain('this device');
    expect(problems.messages).toEqual([]);
  });

  it('offline, a reload still shows the history this phone kept, its receipts verified with the keys it kept', async () => {
    const { context, page, problems, userId } = await enrolledPhone();
    await controlled(page);
    const uuid = await createRequest(userId, 'Log in before the flight');
    await card(page, uuid).getByRole('button', { name: 'Approve' }).waitFor({ timeout: LIVE_MS });
    await card(page, uuid).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => historyEntry(page, uuid).textContent()).toContain('Receipt verified');

    await context.setOffline(true);
    await page.reload();
    const entry = historyEntry(page, uuid);
    await entry.waitFor();
    await eventually(() => entry.textContent()).toContain('Receipt verified');
    expect(await entry.textContent()).toContain('Answered on this device');
    expect(await page.locator('#history-title').locator('..').textContent()).toContain(
      'Showing the history kept on this device',
    );
    await screenshot(page, SHOTS, 'history-offline');
    await context.setOffline(false);
    expect(
      problems.messages.filter((m) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_/.test(m)),
    ).toEqual([]);
  });

  it('says a receipt does not verify when its bytes, or the text shown with it, were changed on the way', async () => {
    const { context, page, userId } = await enrolledPhone();
    const uuid = await createRequest(userId, 'Pay $25 to the plumber');
    await card(page, uuid).getByRole('button', { name: 'Approve' }).waitFor({ timeout: LIVE_MS });
    await card(page, uuid).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => historyEntry(page, uuid).textContent()).toContain('Receipt verified');

    await alterHistory(context, (entry) => ({ ...entry, receipt: flipPayload(entry.receipt as string) }));
    await page.reload();
    const entry = historyEntry(page, uuid);
    await eventually(() => entry.textContent()).toContain('Receipt does not verify');
    expect(await entry.textContent()).toContain('The service’s signature does not match its content.');
    expect(await entry.textContent()).not.toContain('Receipt verified');
    await screenshot(page, SHOTS, 'receipt-tampered');

    // The receipt intact, the text beside it changed: what is shown is not what the device signed.
    await context.unrouteAll({ behavior: 'wait' });
    await alterHistory(context, (entry) => ({ ...entry, message: 'Pay $2500 to the plumber' }));
    await page.reload();
    await eventually(() => entry.textContent()).toContain('Receipt does not verify');
    expect(await entry.textContent()).toContain('The device signed other text than what is shown here.');

    const { blocking } = await axeFindings(page);
    expect(blocking).toEqual([]);
  });

  it('lists the newest page first, and "Show older" adds the older pages until there are none', async () => {
    const phone = await enrolledPhone();
    const { context, userId } = phone;
    const laptop = await enrollWithLink(server, await enrollmentLink(userId), 'Work laptop');
    // The phone closed meanwhile, so it has kept none of them: it lists what the service pages.
    await phone.page.close();
    // One more than a page of the panel (20) and less than two: the last page is short.
    // Each answered before the next is made: a user has only so many pending at once.
    const uuids: string[] = [];
    for (let n = 1; n <= 27; n += 1) {
      const uuid = await createRequest(userId, `Log in, attempt ${n}`);
      uuids.push(uuid);
      const listed = await deviceCall(server, laptop, 'GET', '/device/v1/requests');
      const request = (listed.body.requests as PendingRequest[]).find(
        (r) => r.uuid === uuid,
      ) as PendingRequest;
      const answered = await deviceCall(
        server,
        laptop,
        'POST',
        `/device/v1/requests/${uuid}/answer`,
        answerFor(laptop, request, 'denied'),
      );
      expect(answered.status, answered.text).toBe(200);
    }

    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${server.url}/authenticator/`);
    const newestFirst = [...uuids].reverse();
    const shown = () =>
      page.locator('.history li').evaluateAll((items) => items.map((i) => i.getAttribute('data-uuid')));
    await eventually(shown).toEqual(newestFirst.slice(0, 20));
    const panel = page.locator('#history-title').locator('..');
    const more = page.getByRole('button', { name: 'Show older' });
    await more.waitFor();

    // The older page held on the way: the button says so and waits; cut off, the panel says why.
    const held: Route[] = [];
    await context.route(
      (url) => url.pathname === '/device/v1/history' && url.searchParams.has('cursor'),
      (route) => {
        held.push(route);
      },
    );
    await more.click();
    const loading = page.getByRole('button', { name: 'Loading…' });
    await eventually(() => loading.isDisabled()).toBe(true);
    await eventually(() => held.length).toBe(1);
    await held[0]?.abort('internetdisconnected');
    await eventually(() => panel.textContent()).toContain('Older requests cannot be fetched');
    expect(await shown()).toEqual(newestFirst.slice(0, 20));

    await more.click();
    await eventually(() => held.length).toBe(2);
    expect(await loading.count()).toBe(1);
    await held[1]?.continue();
    await eventually(shown).toEqual(newestFirst);
    await eventually(() => more.count()).toBe(0);
    expect(await loading.count()).toBe(0);
    expect(await panel.textContent()).not.toContain('Older requests cannot be fetched');
    const oldest = historyEntry(page, uuids[0] as string);
    await eventually(() => oldest.textContent()).toContain('Receipt verified');
    expect(await oldest.textContent()).toContain('Answered on Work laptop');
    expect(await oldest.textContent()).toContain('Denied');
    expect(problems.filter((m) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m))).toEqual([]);
    expect(phone.problems.messages).toEqual([]);
  });
});
