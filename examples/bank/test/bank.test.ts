// The bank demo end to end, in headless Chromium: the real service on loopback (with the built authenticator
// at /authenticator/), the bank on a free port, and two browser contexts — the customer at the bank, and
// their phone running the authenticator. Nothing is mocked between them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  openPhone,
  type PageProblems,
  screenshot,
} from '../../../packages/server/test/support/browser.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/support/harness.js';
import { type RunningBank, startBank } from '../src/index.js';
import {
  axeFindings,
  contrastRatio,
  luminance,
  type PageColours,
  pageColours,
  pageHead,
} from './page-checks.js';

const SHOTS = 'bank';
/** Longer than a request takes to reach the phone's event stream, shorter than the authenticator's 10 s fallback poll. */
const PHONE_LIVE_MS = 8_000;
/** The second bank's approval requests expire this fast, to see expiry happen. */
const QUICK_EXPIRY_SECONDS = 4;

let server: TestServer;
let browser: Browser;
let bank: RunningBank;
let quickBank: RunningBank;
const dirs: string[] = [];
const contexts: BrowserContext[] = [];
let customers = 0;

async function bankAt(apiKey: string, approvalSeconds?: number): Promise<RunningBank> {
  const dataDir = mkdtempSync(join(tmpdir(), 'countersign-bank-'));
  dirs.push(dataDir);
  return startBank({
    port: 0,
    apiUrl: server.url,
    apiKey,
    dataDir,
    logLevel: 'silent',
    ...(approvalSeconds !== undefined && { approvalSeconds }),
  });
}

beforeAll(async () => {
  server = await startTestServer();
  const served = await fetch(`${server.url}/authenticator/`);
  await served.arrayBuffer();
  if (served.status !== 200) throw new Error(`GET /authenticator/ answered ${served.status}: is it built?`);
  // As `countersign dev` makes it: number matching with two digits.
  const app = await server.createApp({ name: 'Countersign Bank', numberMatching: '2' });
  bank = await bankAt(app.apiKey);
  quickBank = await bankAt(app.apiKey, QUICK_EXPIRY_SECONDS);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await bank?.close();
  await quickBank?.close();
  await server?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Polls the page (not the bank: the bank's pages never poll) until the value matches. Bounded; generous,
 * because the machine may be busy with other suites — an answer usually shows within a second.
 */
const eventually = <T>(read: () => T | Promise<T>, timeout = 10_000) =>
  expect.poll(read, { timeout, interval: 100 });

/** Errors a page logged on its own (uncaught errors, console errors, CSP violations), and failed subresources. */
const unexpected = (problems: PageProblems) => problems.messages;

interface Customer {
  readonly email: string;
  readonly password: string;
  readonly site: Page;
  readonly siteProblems: PageProblems;
  readonly phone: Page;
  readonly phoneProblems: PageProblems;
}

/**
 * A fresh browser context on a phone-sized screen. A page the bank answers with a 4xx on purpose (a form
 * shown again with its problem) makes Chromium log "Failed to load resource": such pages are judged by
 * their content, and every other resource by its response.
 */
async function open(): Promise<{ page: Page; problems: PageProblems }> {
  const { context, page, problems } = await openPhone(browser);
  contexts.push(context);
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') {
      failed.push(`${response.status()} ${response.url()}`);
    }
  });
  return {
    page,
    problems: {
      get messages() {
        const own = problems.messages.filter(
          (message) => !message.startsWith('console: Failed to load resource'),
        );
        return [...own, ...failed];
      },
    },
  };
}

/**
 * The code the service texted to `cellphone` (US, dashes allowed), read from its outbox, where the console
 * provider keeps what it would have sent (`countersign outbox`): the newest one.
 */
async function textedCode(cellphone: string): Promise<string> {
  const to = `+1${cellphone.replace(/-/g, '')}`;
  const sent = (await server.app.services.outbox.list(100)).filter((entry) => entry.to === to);
  const code = /\b(\d{6})\b/.exec(sent.at(-1)?.body ?? '')?.[1];
  if (code === undefined) throw new Error(`no code texted to ${to}`);
  return code;
}

/** Fills the registration form and submits it; the page is then "Verify your cellphone". */
async function startRegistration(
  site: Page,
  at: RunningBank,
  email: string,
  password: string,
  cellphone: string,
) {
  await site.goto(`${at.url}/register`);
  await site.getByLabel('Email', { exact: true }).fill(email);
  await site.getByLabel('Password', { exact: true }).fill(password);
  await site.getByLabel('Cellphone', { exact: true }).fill(cellphone);
  await site.getByLabel('Country code', { exact: true }).fill('1');
  await site.getByRole('button', { name: 'Continue' }).click();
  await eventually(() => site.getByRole('heading', { name: 'Verify your cellphone', level: 1 }).count()).toBe(
    1,
  );
}

/** Types the code texted to `cellphone`; the page is then "Set up your authenticator". */
async function verifyPhone(site: Page, cellphone: string) {
  await site.getByLabel('Code', { exact: true }).fill(await textedCode(cellphone));
  await site.getByRole('button', { name: 'Verify and create account' }).click();
  await eventually(() =>
    site.getByRole('heading', { name: 'Set up your authenticator', level: 1 }).count(),
  ).toBe(1);
}

/** Registers: the form, then the code texted to the cellphone; the page is then "Set up your authenticator". */
async function register(site: Page, at: RunningBank, email: string, password: string, cellphone: string) {
  await startRegistration(site, at, email, password, cellphone);
  await verifyPhone(site, cellphone);
}

/**
 * Opens the bank's enrollment link on the phone. The service writes links under its PUBLIC_URL, which the
 * test server cannot know before it listens on a random port: the path and fragment are kept, the origin is
 * the server's.
 */
async function enroll(site: Page, phone: Page): Promise<void> {
  const href = await site.getByRole('link', { name: 'Open the enrollment link' }).getAttribute('href');
  const link = new URL(href ?? '');
  expect(link.pathname).toBe('/authenticator/');
  expect(link.hash).toMatch(/^#enroll=[A-Za-z0-9_-]{43}$/);
  await phone.goto(`${server.url}${link.pathname}${link.hash}`);
  await eventually(() => phone.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
}

/** A new customer of `at`, registered, with their phone enrolled through the bank's link. */
async function newCustomer(at: RunningBank = bank): Promise<Customer> {
  customers += 1;
  const email = `customer${customers}@example.com`;
  const password = 'correct horse battery staple';
  const site = await open();
  const phone = await open();
  await register(site.page, at, email, password, `509-555-${String(2000 + customers)}`);
  await enroll(site.page, phone.page);
  return {
    email,
    password,
    site: site.page,
    siteProblems: site.problems,
    phone: phone.page,
    phoneProblems: phone.problems,
  };
}

/** Submits the transfer form; the page is then the transfer's own, waiting for the phone. */
async function transfer(site: Page, at: RunningBank, payee: string, account: string, amount: string) {
  await site.goto(`${at.url}/transfers`);
  await site.getByLabel('Payee email', { exact: true }).fill(payee);
  await site.getByLabel('Account number', { exact: true }).fill(account);
  await site.getByLabel('Amount', { exact: true }).fill(amount);
  await site.getByRole('button', { name: 'Send for approval' }).click();
  await eventually(() =>
    site.getByRole('heading', { name: 'Approve the transfer on your phone' }).count(),
  ).toBe(1);
}

/** Marks the page; a reload would lose the mark. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { mark?: string }).mark = 'same page';
  });
}

const marked = (page: Page) => page.evaluate(() => (globalThis as unknown as { mark?: string }).mark);

/** The request's card on the phone, found by its message. */
const card = (phone: Page, message: string) => phone.locator('article').filter({ hasText: message });

/** The value beside a term in a description list. */
const detail = (scope: Page | ReturnType<Page['locator']>, term: string) =>
  scope
    .locator('dt')
    .filter({ hasText: new RegExp(`^${term}$`) })
    .locator('+ dd');

/** Text on the page that needs a contrast of at least 4.5:1 (WCAG 2 AA): all of it, large or not. */
const READABLE = 4.5;

/**
 * What every page of the bank must be, read in light and then in dark (the page is left in light): a title,
 * the viewport, a description; colours that follow the reader's scheme, with the body text and every
 * visible text at 4.5:1 or more; and no critical or serious finding of axe-core.
 */
async function checkPage(page: Page, label: string): Promise<void> {
  const head = await pageHead(page);
  expect(head.title, label).toMatch(/^\S.* · Countersign Bank$/);
  expect(head.viewport, label).toBe('width=device-width, initial-scale=1');
  expect(head.description?.length ?? 0, `${label}: description`).toBeGreaterThanOrEqual(50);
  expect(head.description?.length ?? 0, `${label}: description`).toBeLessThanOrEqual(160);
  const seen: Partial<Record<'light' | 'dark', PageColours>> = {};
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const colours = await pageColours(page);
    seen[scheme] = colours;
    const where = `${label}, ${scheme}`;
    expect(colours.scheme, where).toBe('light dark');
    expect(contrastRatio(colours.text, colours.background), `${where}: body text`).toBeGreaterThanOrEqual(
      READABLE,
    );
    expect(colours.texts.length, where).toBeGreaterThan(0);
    const faint = colours.texts
      .map((t) => ({ ...t, ratio: contrastRatio(t.color, t.background) }))
      .filter((t) => t.ratio < READABLE);
    expect(faint, where).toEqual([]);
    const axe = await axeFindings(page);
    expect(axe.blocking, where).toEqual([]);
    expect(axe.contrastChecked, `${where}: axe checked the contrast`).toBe(true);
  }
  const { light, dark } = seen as Record<'light' | 'dark', PageColours>;
  // Dark is dark: a darker canvas than in light, with lighter text on it.
  expect(luminance(dark.background), label).toBeLessThan(luminance(light.background));
  expect(luminance(dark.text), label).toBeGreaterThan(luminance(dark.background));
  expect(luminance(light.text), label).toBeLessThan(luminance(light.background));
  await page.emulateMedia({ colorScheme: 'light' });
}

// Each test is a customer's whole visit (register, enroll a phone, sign in, then the page under test, with
// axe on each screen): 5–25 s on a quiet machine, more when other Chromium suites share its two cores.
describe('the bank, end to end in Chromium', { timeout: 60_000 }, () => {
  it('registration needs the code texted to the cellphone, refuses a wrong one, then shows "Set up your authenticator" with both QR codes; a transfer before enrolling says why it cannot go', async () => {
    const site = await open();
    const { page } = site;
    await startRegistration(page, bank, 'early@example.com', 'a long enough password', '509-555-1999');
    // The number is shown masked; nothing is signed in yet.
    expect(await page.locator('main').textContent()).toContain(
      'We texted a 6-digit code to +1 ending in 1999.',
    );
    expect(await page.locator('main').textContent()).not.toContain('5551999');
    await screenshot(page, SHOTS, '00-verify-phone');
    const code = await textedCode('509-555-1999');
    await page.getByLabel('Code', { exact: true }).fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify and create account' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain(
      'Code: That code is not the one we texted. Check the message and try again.',
    );
    expect(await page.getByRole('heading', { name: 'Verify your cellphone', level: 1 }).count()).toBe(1);
    await verifyPhone(page, '509-555-1999');
    expect(await page.getByText('No phone is set up yet.').count()).toBe(1);
    expect(
      await page.getByRole('img', { name: 'QR code of your enrollment link' }).getAttribute('src'),
    ).toMatch(/^data:image\/png;base64,/);
    expect(
      await page.getByRole('img', { name: 'QR code for an authenticator app' }).getAttribute('src'),
    ).toMatch(/^data:image\/png;base64,/);
    await screenshot(page, SHOTS, '01-setup');

    await page.goto(`${bank.url}/transfers`);
    await page.getByLabel('Payee email', { exact: true }).fill('bob@example.com');
    await page.getByLabel('Account number', { exact: true }).fill('12345678');
    await page.getByLabel('Amount', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Send for approval' }).click();
    await eventually(() => page.getByRole('alert').first().textContent()).toContain(
      'Your authenticator is not set up yet, so there is nowhere to send the approval.',
    );
    // What was typed is kept, to send once the phone is set up.
    expect(await page.getByLabel('Payee email', { exact: true }).inputValue()).toBe('bob@example.com');
    expect(unexpected(site.problems)).toEqual([]);
  });

  it('the setup page turns to "Your phone is ready" by itself when the phone enrolls, and offers a transfer next', async () => {
    const site = await open();
    const phone = await open();
    await register(site.page, bank, 'waiting@example.com', 'a long enough password', '509-555-1998');
    const { page } = site;
    await mark(page);
    expect(await page.getByText('No phone is set up yet.').count()).toBe(1);

    await enroll(page, phone.page);
    await eventually(() => page.getByRole('heading', { name: 'Your phone is ready', level: 2 }).count()).toBe(
      1,
    );
    expect(await marked(page)).toBe('same page');
    expect(await page.getByText('No phone is set up yet.').count()).toBe(0);
    // The link it showed was used: it is gone, and a fresh page makes another.
    expect(await page.getByRole('link', { name: 'Open the enrollment link' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Get a new enrollment link' }).getAttribute('href')).toBe(
      '/setup',
    );
    expect(await page.locator('#live-status').textContent()).toBe(
      'Your phone is set up. You can make a transfer now.',
    );
    await screenshot(page, SHOTS, '01-setup-ready');

    await page.getByRole('link', { name: 'Make a transfer' }).click();
    await eventually(() => page.getByRole('heading', { name: 'Transfers', level: 1 }).count()).toBe(1);
    expect(unexpected(site.problems)).toEqual([]);
    expect(unexpected(phone.problems)).toEqual([]);
  });

  it('a transfer shows the number to match and turns approved when the phone approves, without a reload, with a verified receipt', async () => {
    const customer = await newCustomer();
    const { site, phone } = customer;
    await transfer(site, bank, 'bob@example.com', '1234 5678', '1,250.50');
    await mark(site);
    const number = (await site.locator('[data-number-match]').textContent()) ?? '';
    expect(number).toMatch(/^\d{2}$/);
    expect(await site.locator('.badge').textContent()).toBe('Waiting for approval');
    await screenshot(site, SHOTS, '02-transfer-pending');

    // The phone shows exactly what the bank sent: the workshop's message and details.
    const request = card(phone, 'Transfer money to bob@example.com');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    expect(await request.getByRole('heading', { level: 3 }).textContent()).toBe(
      'Transfer money to bob@example.com',
    );
    const sent = {
      From: customer.email,
      To: 'bob@example.com',
      'Account Number': '12345678',
      'US Dollar Amount': '$1,250.50',
    };
    for (const [term, value] of Object.entries(sent))
      expect(await detail(request, term).textContent()).toBe(value);
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(number);
    await screenshot(phone, SHOTS, '03-phone-request');
    await request.getByRole('button', { name: 'Approve' }).click();

    await eventually(() => site.getByRole('heading', { name: 'Transfer approved' }).count()).toBe(1);
    expect(await marked(site)).toBe('same page');
    expect(await site.locator('.badge').textContent()).toBe('Approved');
    expect(await site.locator('[data-number-match]').count()).toBe(0);
    for (const [term, value] of Object.entries(sent))
      expect(await detail(site, term).textContent()).toBe(value);
    expect(await detail(site, 'Decided').locator('time').getAttribute('datetime')).toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );
    expect(await site.locator('.receipt').textContent()).toMatch(/^Receipt verified\./);
    expect(await site.locator('#live-status').textContent()).toBe(
      'Approved: transfer of $1,250.50 to bob@example.com.',
    );
    await screenshot(site, SHOTS, '04-transfer-approved');

    await site.goto(`${bank.url}/transfers`);
    const row = site.locator('.history li').filter({ hasText: 'bob@example.com' });
    expect(await row.count()).toBe(1);
    expect(await row.locator('.history-amount').textContent()).toBe('$1,250.50');
    expect(await row.locator('.badge').textContent()).toBe('Approved');
    await screenshot(site, SHOTS, '05-history');
    expect(unexpected(customer.siteProblems)).toEqual([]);
    expect(unexpected(customer.phoneProblems)).toEqual([]);
  });

  it('a transfer denied on the phone turns denied, live, and its receipt still verifies', async () => {
    const customer = await newCustomer();
    const { site, phone } = customer;
    await transfer(site, bank, 'mallory@example.com', '99999999', '5000');
    await mark(site);
    const request = card(phone, 'Transfer money to mallory@example.com');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    await request.getByRole('button', { name: 'Deny' }).click();

    await eventually(() => site.getByRole('heading', { name: 'Transfer denied' }).count()).toBe(1);
    expect(await marked(site)).toBe('same page');
    expect(await site.locator('.badge').textContent()).toBe('Denied');
    expect(await site.locator('.outcome').textContent()).toBe(
      'You denied it in your authenticator. Nothing happened.',
    );
    expect(await site.locator('.receipt').textContent()).toMatch(/^Receipt verified\./);
    await screenshot(site, SHOTS, '06-transfer-denied');

    await site.goto(`${bank.url}/transfers`);
    const row = site.locator('.history li').filter({ hasText: 'mallory@example.com' });
    expect(await row.locator('.badge').textContent()).toBe('Denied');
    expect(unexpected(customer.siteProblems)).toEqual([]);
  });

  it('a transfer nobody answers counts down and turns expired, live', async () => {
    const customer = await newCustomer(quickBank);
    const { site, phone } = customer;
    await transfer(site, quickBank, 'slow@example.com', '55555555', '1');
    await mark(site);
    expect(await site.locator('time[data-countdown]').textContent()).toMatch(/^in 0:0[1-4]$/);
    await eventually(() => card(phone, 'Transfer money to slow@example.com').count(), PHONE_LIVE_MS).toBe(1);

    await eventually(
      () => site.getByRole('heading', { name: 'Transfer expired' }).count(),
      (QUICK_EXPIRY_SECONDS + 6) * 1000,
    ).toBe(1);
    expect(await marked(site)).toBe('same page');
    expect(await site.locator('.badge').textContent()).toBe('Expired');
    expect(await site.locator('.outcome').textContent()).toBe(
      'Nobody answered in time, so it expired. Nothing happened.',
    );
    expect(await site.locator('.receipt').count()).toBe(0);
    await screenshot(site, SHOTS, '07-transfer-expired');
    expect(unexpected(customer.siteProblems)).toEqual([]);
  });

  /** Logs out, then gives the password: the page is then "Confirm it’s you". */
  async function logOutAndIn(customer: Customer): Promise<void> {
    const { site } = customer;
    await site.getByRole('button', { name: 'Log out' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Log in', level: 1 }).count()).toBe(1);
    await site.getByLabel('Email', { exact: true }).fill(customer.email);
    await site.getByLabel('Password', { exact: true }).fill(customer.password);
    await site.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Confirm it’s you' }).count()).toBe(1);
  }

  const signedIn = (site: Page) => site.getByRole('heading', { name: 'Transfers', level: 1 }).count();

  it('logging in takes the password, then a push approved on the phone with the number signs in on its own', async () => {
    const customer = await newCustomer();
    const { site, phone } = customer;

    // A wrong password: the same words whether or not the account exists; nothing is signed in.
    await site.getByRole('button', { name: 'Log out' }).click();
    await site.getByLabel('Email', { exact: true }).fill(customer.email);
    await site.getByLabel('Password', { exact: true }).fill('not the password');
    await site.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => site.getByRole('alert').textContent()).toContain(
      'That email and password do not match an account.',
    );
    await site.goto(`${bank.url}/transfers`);
    expect(new URL(site.url()).pathname).toBe('/login');

    await site.getByLabel('Email', { exact: true }).fill(customer.email);
    await site.getByLabel('Password', { exact: true }).fill(customer.password);
    await site.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Confirm it’s you' }).count()).toBe(1);
    // The password alone signs nobody in.
    await site.goto(`${bank.url}/transfers`);
    expect(new URL(site.url()).pathname).toBe('/login');
    await site.goto(`${bank.url}/login/verify`);

    await site.getByRole('button', { name: 'Send a push to my phone' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Check your phone' }).count()).toBe(1);
    const number = (await site.locator('[data-number-match]').textContent()) ?? '';
    expect(number).toMatch(/^\d{2}$/);
    await screenshot(site, SHOTS, '08-login-push');
    const request = card(phone, 'Log in to Countersign Bank');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    expect(await detail(request, 'Email').textContent()).toBe(customer.email);
    // Where the login comes from: the address the bank saw, and the browser its User-Agent names.
    expect(await detail(request, 'IP address').textContent()).toBe('127.0.0.1');
    const major = browser.version().split('.')[0];
    expect(await detail(request, 'Browser').textContent()).toBe(`Chrome ${major} on Linux`);
    // A place only where it is known without a GeoIP database: loopback never left this machine.
    expect(await detail(request, 'Place').textContent()).toBe('Local network');
    await screenshot(phone, SHOTS, '08-phone-login-request');
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(number);
    await request.getByRole('button', { name: 'Approve' }).click();
    // The page follows the push and finishes the login by itself.
    await eventually(() => signedIn(site)).toBe(1);
    expect(unexpected(customer.siteProblems)).toEqual([]);
  });

  it('a TOTP code from the authenticator, or a texted code, completes the login; a wrong code is refused', async () => {
    const customer = await newCustomer();
    const { site } = customer;

    await logOutAndIn(customer);
    await signInWithCode(customer);

    await logOutAndIn(customer);
    await site.getByRole('button', { name: 'Text me a code' }).click();
    await eventually(() => site.getByRole('status').first().textContent()).toMatch(
      /^We texted a code to .+\. Enter it below\.$/,
    );
    const [sms] = await server.app.services.outbox.list(1);
    const code = /\d{6,8}/.exec(sms?.body ?? '')?.[0] ?? '';
    expect(code).not.toBe('');
    await site.getByLabel('Code', { exact: true }).fill(code === '0000000' ? '1111111' : '0000000');
    await site.getByRole('button', { name: 'Verify code' }).click();
    await eventually(() => site.getByRole('alert').textContent()).toContain('That code is not valid.');
    await site.getByLabel('Code', { exact: true }).fill(code);
    await site.getByRole('button', { name: 'Verify code' }).click();
    await eventually(() => signedIn(site)).toBe(1);
    expect(unexpected(customer.siteProblems)).toEqual([]);
  });

  /** On "Confirm it’s you" of a login: signs in with the TOTP code the phone shows. */
  async function signInWithCode(customer: Customer): Promise<void> {
    const { site, phone } = customer;
    const shown = await phone
      .locator('.code')
      .filter({ hasText: 'Countersign Bank' })
      .locator('.code-value [aria-hidden="true"]')
      .textContent();
    await site.getByLabel('Code', { exact: true }).fill((shown ?? '').replace(/\s/g, ''));
    await site.getByRole('button', { name: 'Verify code' }).click();
    await eventually(() => signedIn(site)).toBe(1);
  }

  it('the security page lists the enrolled phone; adding a device asks for the password again, even when signed in', async () => {
    const customer = await newCustomer();
    const { site } = customer;
    await logOutAndIn(customer);
    await signInWithCode(customer);

    await site.getByRole('link', { name: 'Security' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Security', level: 1 }).count()).toBe(1);
    const devices = site.locator('.devices > li');
    expect(await devices.count()).toBe(1);
    // The name the authenticator gave itself from its browser, and what kind of device it is.
    expect(await devices.getByRole('heading', { level: 3 }).textContent()).toBe('Chrome on Linux');
    expect(await detail(devices, 'Kind').textContent()).toBe('The Countersign authenticator, in a browser');
    expect(await detail(devices, 'Set up').textContent()).toBe('With an enrollment link from the bank');
    expect(await detail(devices, 'Added').locator('time').getAttribute('datetime')).toMatch(/^\d{4}-/);
    await screenshot(site, SHOTS, '10-security');
    await checkPage(site, 'security, one device');

    await site.getByRole('link', { name: 'Add a device' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Confirm it’s you', level: 1 }).count()).toBe(1);
    expect(await site.getByRole('link', { name: 'Open the enrollment link' }).count()).toBe(0);
    expect(await site.getByRole('img').count()).toBe(0);
    await checkPage(site, 'confirm it’s you, to add a device');
    await site.getByLabel('Password', { exact: true }).fill('not my password');
    await site.getByRole('button', { name: 'Continue' }).click();
    await eventually(() => site.getByRole('alert').textContent()).toContain(
      'That password is not right. Try again.',
    );
    expect(await site.getByRole('link', { name: 'Open the enrollment link' }).count()).toBe(0);
    await checkPage(site, 'confirm it’s you, wrong password');

    await site.getByLabel('Password', { exact: true }).fill(customer.password);
    await site.getByRole('button', { name: 'Continue' }).click();
    await eventually(() =>
      site.getByRole('heading', { name: 'Set up your authenticator', level: 1 }).count(),
    ).toBe(1);
    expect(await site.getByText('Your authenticator is set up.').count()).toBe(1);
    expect(await site.getByRole('link', { name: 'Open the enrollment link' }).getAttribute('href')).toMatch(
      /#enroll=[A-Za-z0-9_-]{43}$/,
    );
    expect(unexpected(customer.siteProblems)).toEqual([]);
  });

  it('a request approved on the enrolled phone, with the number, confirms adding a device instead of the password', async () => {
    const customer = await newCustomer();
    const { site, phone } = customer;
    await logOutAndIn(customer);
    await signInWithCode(customer);
    await site.goto(`${bank.url}/setup`);
    await eventually(() => site.getByRole('heading', { name: 'Confirm it’s you', level: 1 }).count()).toBe(1);
    await site.getByRole('button', { name: 'Send a request to my phone' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Check your phone' }).count()).toBe(1);
    await checkPage(site, 'confirm it’s you, waiting for the phone');
    const number = (await site.locator('[data-number-match]').textContent()) ?? '';
    expect(number).toMatch(/^\d{2}$/);

    const request = card(phone, 'Add a device to your Countersign Bank account');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    expect(await detail(request, 'IP address').textContent()).toBe('127.0.0.1');
    expect(await detail(request, 'Browser').textContent()).toMatch(/^Chrome \d+ on Linux$/);
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(number);
    await request.getByRole('button', { name: 'Approve' }).click();
    // The page follows the request and goes on to the enrollment link by itself.
    await eventually(() =>
      site.getByRole('heading', { name: 'Set up your authenticator', level: 1 }).count(),
    ).toBe(1);
    expect(await site.getByRole('link', { name: 'Open the enrollment link' }).count()).toBe(1);
    expect(unexpected(customer.siteProblems)).toEqual([]);
    expect(unexpected(customer.phoneProblems)).toEqual([]);
  });

  it('a mistyped number denies the transfer and offers "Send again": the same transfer goes as a new request the phone can approve', async () => {
    const customer = await newCustomer();
    const { site, phone } = customer;
    await transfer(site, bank, 'ivan@example.com', '11112222', '75');
    const path = new URL(site.url()).pathname;
    const first = (await site.locator('[data-number-match]').textContent()) ?? '';
    const mistyped = String((Number(first) + 1) % 100).padStart(2, '0');
    const request = card(phone, 'Transfer money to ivan@example.com');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(mistyped);
    await request.getByRole('button', { name: 'Approve' }).click();

    await eventually(() => site.getByRole('heading', { name: 'Transfer denied' }).count()).toBe(1);
    expect(await site.locator('.outcome').textContent()).toBe(
      'The number typed in the authenticator did not match the one shown here, so it was denied.',
    );
    await screenshot(site, SHOTS, '11-transfer-number-mismatch');
    await checkPage(site, 'transfer, number mistyped');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(0);

    await site.getByRole('button', { name: 'Send again' }).click();
    await eventually(() =>
      site.getByRole('heading', { name: 'Approve the transfer on your phone' }).count(),
    ).toBe(1);
    // The same transfer, nothing retyped: its page, its details, a new number.
    expect(new URL(site.url()).pathname).toBe(path);
    expect(await detail(site, 'US Dollar Amount').textContent()).toBe('$75.00');
    expect(await site.getByText('Sent again: the number on your phone is a new one.').count()).toBe(1);
    const number = (await site.locator('[data-number-match]').textContent()) ?? '';
    expect(number).toMatch(/^\d{2}$/);
    await mark(site);

    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    expect(await detail(request, 'To').textContent()).toBe('ivan@example.com');
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(number);
    await request.getByRole('button', { name: 'Approve' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Transfer approved' }).count()).toBe(1);
    expect(await marked(site)).toBe('same page');
    expect(await site.locator('.receipt').textContent()).toMatch(/^Receipt verified\./);

    await site.goto(`${bank.url}/transfers`);
    const rows = site.locator('.history li').filter({ hasText: 'ivan@example.com' });
    expect(await rows.count()).toBe(1);
    expect(await rows.locator('.badge').textContent()).toBe('Approved');
    expect(unexpected(customer.siteProblems)).toEqual([]);
    expect(unexpected(customer.phoneProblems)).toEqual([]);
  });

  it('the contrast these tests compute is WCAG 2’s', () => {
    expect(contrastRatio('rgb(0, 0, 0)', 'rgb(255, 255, 255)')).toBe(21);
    expect(contrastRatio('rgb(255, 255, 255)', 'rgb(118, 118, 118)')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('rgba(27, 36, 48, 1)', 'rgb(27, 36, 48)')).toBe(1);
  });

  it('every page has its title, viewport and description, follows a dark or light scheme with readable text, and passes axe in both', async () => {
    const visitor = (await open()).page;
    await visitor.goto(`${bank.url}/`);
    await checkPage(visitor, 'welcome');
    await visitor.goto(`${bank.url}/register`);
    await checkPage(visitor, 'create account');
    await visitor.getByRole('button', { name: 'Continue' }).click();
    await eventually(() => visitor.locator('.field-error').count()).toBeGreaterThan(0);
    await checkPage(visitor, 'create account, with problems');
    await visitor.goto(`${bank.url}/login`);
    await checkPage(visitor, 'log in');
    await visitor.goto(`${bank.url}/nowhere`);
    await checkPage(visitor, 'not found');

    customers += 1;
    const email = `customer${customers}@example.com`;
    const password = 'correct horse battery staple';
    const { page: site, problems } = await open();
    const { page: phone } = await open();
    const cellphone = `509-555-${String(2000 + customers)}`;
    await startRegistration(site, bank, email, password, cellphone);
    await checkPage(site, 'verify your cellphone');
    await site.getByRole('button', { name: 'Verify and create account' }).click();
    await eventually(() => site.locator('.field-error').count()).toBe(1);
    await checkPage(site, 'verify your cellphone, with a problem');
    await site.getByRole('button', { name: 'Send the code again' }).click();
    await eventually(() => site.getByRole('status').first().textContent()).toContain('We texted a new code');
    await checkPage(site, 'verify your cellphone, sent again');
    await verifyPhone(site, cellphone);
    await checkPage(site, 'set up, waiting');
    await enroll(site, phone);
    await eventually(() => site.getByRole('heading', { name: 'Your phone is ready' }).count()).toBe(1);
    await checkPage(site, 'set up, ready');

    await transfer(site, bank, 'bob@example.com', '12345678', '20');
    await checkPage(site, 'transfer, waiting');
    const number = (await site.locator('[data-number-match]').textContent()) ?? '';
    const request = card(phone, 'Transfer money to bob@example.com');
    await eventually(() => request.count(), PHONE_LIVE_MS).toBe(1);
    await request.getByRole('textbox', { name: 'Number shown by Countersign Bank' }).fill(number);
    await request.getByRole('button', { name: 'Approve' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Transfer approved' }).count()).toBe(1);
    await checkPage(site, 'transfer, approved');
    // For people to look at (test-results only; docs/images keeps the light one).
    await site.emulateMedia({ colorScheme: 'dark' });
    await screenshot(site, SHOTS, '09-transfer-approved-dark');
    await site.emulateMedia({ colorScheme: 'light' });
    await site.goto(`${bank.url}/transfers`);
    await checkPage(site, 'transfers');
    await site.goto(`${bank.url}/security`);
    await checkPage(site, 'security');

    await site.getByRole('button', { name: 'Log out' }).click();
    await site.getByLabel('Email', { exact: true }).fill(email);
    await site.getByLabel('Password', { exact: true }).fill(password);
    await site.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => site.getByRole('heading', { name: 'Confirm it’s you' }).count()).toBe(1);
    await checkPage(site, 'confirm it’s you');
    expect(unexpected(problems)).toEqual([]);
  }, 180_000);
});
