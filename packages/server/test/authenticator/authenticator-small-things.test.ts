// The authenticator's small things (issue 16, item 5), in headless Chromium against the real service: the
// notice never covers a request's answers and can be dismissed, "Online" means the service answered, an
// expired card says so before it goes, a copied code says it may be used already, long values wrap at
// 320 px, and the app speaks Spanish to a Spanish browser — with no serious axe finding in either language.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthyClient, authyClientModule } from '../compat/compat-support.js';
import { type AuthenticatorSuite, startAuthenticatorSuite } from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';

const SHOTS = 'authenticator-small-things';
/** Longer than a request takes to arrive over the event stream, shorter than the app's 10 s fallback poll. */
const LIVE_MS = 8_000;
const NARROW = { width: 320, height: 640 } as const;
const DESKTOP = { width: 1280, height: 800 } as const;

let server: TestServer;
let browser: Browser;
let bank: AuthyClient;
let bankKey: string;
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;
let phoneCounter = 0;

beforeAll(async () => {
  suite = await startAuthenticatorSuite();
  ({ server, browser, contexts } = suite);
  const app = await server.createApp({ name: 'Countersign Bank' });
  bankKey = app.apiKey;
  bank = new authyClientModule.Client({ key: bankKey }, { host: server.url, timeout: 10_000 });
}, 60_000);

afterAll(() => suite?.close());

/** Polls until the value matches; longer than `expect.poll`'s one-second default, still bounded. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 5_000) =>
  expect.poll(read, { timeout, interval: 100 });

const card = (page: Page, uuid: string): Locator => page.locator(`article[data-uuid="${uuid}"]`);
const liveRegion = (page: Page): Locator => page.locator('.toast[role="status"]');
const connection = (page: Page): Locator => page.locator('.topbar .connection');

/** Errors the page logged, except those of a connection the test cut on purpose. */
const unexpected = (problems: PageProblems) =>
  problems.messages.filter((message) => !/Failed to fetch|net::ERR_/.test(message));

interface Phone {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  authyId: number;
}

/** A new user of the bank, enrolled in a fresh browser profile with this locale and screen. */
async function enrolledPhone({
  locale = 'en-US',
  viewport,
  heading = /^Requests/,
}: {
  locale?: string;
  viewport?: { width: number; height: number };
  heading?: RegExp;
} = {}): Promise<Phone> {
  phoneCounter += 1;
  const created = await bank.registerUser({
    countryCode: 'US',
    email: 'user@example.com',
    phone: `509-555-${String(3000 + phoneCounter).padStart(4, '0')}`,
  });
  const authyId = (created.user as { id: number }).id;
  const response = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: bankKey,
  });
  expect(response.status, response.text).toBe(200);
  const url = new URL((response.body.enrollment as { url: string }).url);
  const { context, page, problems } = await openPhone(browser, {
    permissions: ['clipboard-read', 'clipboard-write'],
    origin: server.url,
    locale,
    ...(viewport !== undefined && { viewport }),
  });
  contexts.push(context);
  await page.goto(`${server.url}${url.pathname}${url.hash}`);
  await eventually(() => page.getByRole('heading', { name: heading }).count()).toBe(1);
  // The list was fetched once (it says there is nothing): a request made now arrives as a new one.
  await eventually(() => page.locator('section[aria-labelledby="requests-title"] .empty').count()).toBe(1);
  return { context, page, problems, authyId };
}

async function createRequest(
  authyId: number,
  message: string,
  { visible = {}, ttl = 120 }: { visible?: Record<string, string>; ttl?: number } = {},
): Promise<string> {
  const created = await bank.createApprovalRequest(
    { authyId, message, details: { visible, hidden: {} } },
    { ttl },
  );
  return (created.approval_request as { uuid: string }).uuid;
}

/** The request's status once it is no longer pending, from the API's long poll (bounded). */
async function finalStatus(uuid: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=5`, {
      key: bankKey,
    });
    const status = (response.body.approval_request as { status: string }).status;
    if (status !== 'pending') return status;
  }
  throw new Error(`request ${uuid} is still pending`);
}

/**
 * Makes the app fetch its requests now, as it does when the page comes back to the foreground. (Page
 * scripts are strings here: this program has no DOM library.)
 */
const lookAgain = (page: Page) => page.evaluate('document.dispatchEvent(new Event("visibilitychange"))');

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (box === null) throw new Error('not on screen');
  return box;
}

async function noSeriousAxeFinding(page: Page, what: string): Promise<void> {
  const { blocking, rules } = await axeFindings(page);
  expect(rules).toBeGreaterThan(20);
  expect(blocking, what).toEqual([]);
}

describe('the authenticator’s small things', () => {
  for (const [size, viewport] of [
    ['a 320 px phone', NARROW],
    ['a desktop', DESKTOP],
  ] as const) {
    it(`on ${size}, the new-request notice never covers the answers or the amount, and can be dismissed by its button or Escape`, async () => {
      const { page, problems, authyId } = await enrolledPhone({ viewport });
      // Details enough that the answers sit below the first screen, where a toast at the bottom would be.
      const details = Object.fromEntries(
        Array.from({ length: 14 }, (_, index) => [`Line ${index + 1}`, `Detail ${index + 1}`]),
      );
      const uuid = await createRequest(authyId, 'Transfer to Bob', {
        visible: { Amount: '€1,250.00', ...details },
      });
      const request = card(page, uuid);
      await eventually(() => request.count(), LIVE_MS).toBe(1);
      await eventually(() => liveRegion(page).textContent()).toBe(
        'New request from Countersign Bank: Transfer to Bob',
      );
      const notice = page.locator('.notice');
      const parts = [
        request.getByRole('button', { name: 'Approve' }),
        request.getByRole('button', { name: 'Deny' }),
        request.getByRole('button', { name: 'This wasn’t me' }),
        request.locator('.details'),
      ];
      // As the page opens, and scrolled so the answers sit at the bottom of the screen, where a toast goes.
      for (const block of ['start', 'end']) {
        await page.evaluate(
          `document.querySelector('article[data-uuid="${uuid}"] .actions').scrollIntoView({ block: '${block}' })`,
        );
        const noticeBox = await boxOf(notice);
        expect(noticeBox.height).toBeGreaterThan(0);
        for (const part of parts) expect(overlap(noticeBox, await boxOf(part)), block).toBe(false);
      }
      await page.evaluate('window.scrollTo(0, 0)');
      await noSeriousAxeFinding(page, `request with a notice on ${size}`);
      await screenshot(page, SHOTS, `notice-${viewport.width}`, { fullPage: false });

      // Escape dismisses it, wherever focus is.
      await page.keyboard.press('Escape');
      await eventually(() => liveRegion(page).textContent()).toBe('');
      expect(await page.getByRole('button', { name: 'Dismiss this message' }).count()).toBe(0);

      // The next one is dismissed from the keyboard with its button.
      const second = await createRequest(authyId, 'Sign in from Firefox');
      await eventually(() => card(page, second).count(), LIVE_MS).toBe(1);
      const dismiss = page.getByRole('button', { name: 'Dismiss this message' });
      await eventually(() => dismiss.count()).toBe(1);
      await dismiss.focus();
      await page.keyboard.press('Enter');
      await eventually(() => liveRegion(page).textContent()).toBe('');

      // The card never moved under a notice: it can still be answered.
      await request.getByRole('button', { name: 'Approve' }).click();
      expect(await finalStatus(uuid)).toBe('approved');
      expect(unexpected(problems)).toEqual([]);
    });
  }

  it('says Online only while the service answers: requests that fail turn it Offline, answers turn it back', async () => {
    const { context, page, problems } = await enrolledPhone();
    await eventually(() => connection(page).textContent()).toBe('Online');

    // The service stops answering this browser (the open event stream aside); the next look fails.
    await context.route('**/device/v1/**', (route) => route.abort('connectionrefused'));
    await lookAgain(page);
    await eventually(() => connection(page).textContent()).toBe('Offline');
    await eventually(() => page.getByText('You’re offline.', { exact: false }).count()).toBe(1);
    await noSeriousAxeFinding(page, 'offline');
    await screenshot(page, SHOTS, 'offline', { fullPage: false });

    await context.unroute('**/device/v1/**');
    await lookAgain(page);
    await eventually(() => connection(page).textContent()).toBe('Online');
    expect(await page.getByText('You’re offline.', { exact: false }).count()).toBe(0);

    // Unprompted, the app's own poll (every 10 s) finds a service that stopped answering.
    await context.route('**/device/v1/**', (route) => route.abort('connectionrefused'));
    await eventually(() => connection(page).textContent(), 15_000).toBe('Offline');
    await context.unroute('**/device/v1/**');
    expect(unexpected(problems)).toEqual([]);
  });

  it('an expired card says it expired, aloud and on screen, with its answers disabled, before it goes', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    const uuid = await createRequest(authyId, 'Quick sign-in', { ttl: 4 });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);

    await eventually(() => liveRegion(page).textContent(), 8_000).toBe(
      'Expired: “Quick sign-in”. It can no longer be answered.',
    );
    // Said while the card still shows, not after it went.
    expect(await request.count()).toBe(1);
    expect(await request.locator('.request-time strong').textContent()).toBe('Expired');
    expect(await request.locator('.request-expired-text').textContent()).toBe(
      'This request ran out of time and can no longer be answered.',
    );
    expect(await request.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await request.getByRole('button', { name: 'Deny' }).isDisabled()).toBe(true);
    await noSeriousAxeFinding(page, 'expired card');
    await screenshot(page, SHOTS, 'expired', { fullPage: false });

    // The service has it expired and no longer lists it; the card stays a moment, still saying so.
    expect(await finalStatus(uuid)).toBe('expired');
    await lookAgain(page);
    expect(await request.locator('.request-time strong').textContent()).toBe('Expired');
    // Then it goes.
    await eventually(() => request.count(), 20_000).toBe(0);
    expect(unexpected(problems)).toEqual([]);
  });

  it('a copied code says it may be used already and counts down to the next; the service refuses it again with 60019', async () => {
    const { page, problems, authyId } = await enrolledPhone();
    const row = page.locator('.code').filter({ hasText: 'Countersign Bank' });
    await eventually(() => row.count()).toBe(1);
    expect(await row.locator('.code-used').count()).toBe(0);

    // Copied in the last seconds of its 30 s step, the code (and its note) would change before the note is
    // read: copy early in a step.
    const secondsLeft = () => 30 - (Math.floor(Date.now() / 1000) % 30);
    await eventually(secondsLeft, 25_000).toBeGreaterThanOrEqual(12);
    await row.getByRole('button', { name: /^Copy/ }).click();
    const copied = (await page.evaluate<string>('navigator.clipboard.readText()')).trim();
    expect(copied).toMatch(/^\d{7}$/);
    await eventually(() => row.locator('.code-used').textContent()).toMatch(
      /^Already used\? Wait for the next code in \d+ s\.$/,
    );

    const first = await call(server, 'GET', `/protected/json/verify/${copied}/${authyId}`, { key: bankKey });
    expect(first.status, first.text).toBe(200);
    const again = await call(server, 'GET', `/protected/json/verify/${copied}/${authyId}`, { key: bankKey });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({
      error_code: '60019',
      message: 'Token is invalid. Token was used recently.',
    });
    expect(unexpected(problems)).toEqual([]);
  }, 60_000);

  it('long values wrap inside a 320 px screen: no horizontal scroll', async () => {
    const { page, problems, authyId } = await enrolledPhone({ viewport: NARROW });
    // The longest the service accepts (200 characters a message and a detail value), with no place to break.
    const unbroken = 'x'.repeat(200);
    // Through the API itself: authy-client refuses a message this long before sending it.
    const created = await call(server, 'POST', `/onetouch/json/users/${authyId}/approval_requests`, {
      key: bankKey,
      json: {
        message: 'M'.repeat(200),
        details: { [`Reference${'R'.repeat(60)}`]: unbroken, Amount: '€9,999.99' },
        seconds_to_expire: 120,
      },
    });
    expect(created.status, created.text).toBe(200);
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    await eventually(() => card(page, uuid).count(), LIVE_MS).toBe(1);

    // An account label as long as a name may be, with no place to break.
    const account = page.locator('.account').first();
    await account.getByRole('button', { name: /^Rename/ }).click();
    await account.getByRole('textbox').fill('L'.repeat(100));
    await account.getByRole('button', { name: 'Save' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe(`Renamed to ${'L'.repeat(100)}.`);
    await page.getByRole('button', { name: /^Devices/ }).click();
    await eventually(() => page.locator('.device').count()).toBe(1);

    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await screenshot(page, SHOTS, 'wrap-320');
    expect(unexpected(problems)).toEqual([]);
  });

  it('a Spanish browser gets the app in Spanish, which still approves; no serious axe finding', async () => {
    const { page, problems, authyId } = await enrolledPhone({ locale: 'es-ES', heading: /^Solicitudes/ });
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('es');
    await eventually(() => page.getByText('No hay nada que aprobar.').count()).toBe(1);
    await eventually(() => connection(page).textContent()).toBe('En línea');
    expect(await page.getByRole('heading', { name: 'Cuentas' }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Añadir una cuenta' }).count()).toBe(1);

    // What the app sent is never translated; the words around it are.
    const uuid = await createRequest(authyId, 'Transfer to Bob', { visible: { Amount: '€1,250.00' } });
    const request = card(page, uuid);
    await eventually(() => request.count(), LIVE_MS).toBe(1);
    await eventually(() => liveRegion(page).textContent()).toBe(
      'Nueva solicitud de Countersign Bank: Transfer to Bob',
    );
    expect(await request.getByRole('heading', { level: 3 }).textContent()).toBe('Transfer to Bob');
    expect(await request.locator('.request-time').textContent()).toMatch(/^Caduca en \d+:\d\d/);
    await noSeriousAxeFinding(page, 'requests in Spanish');

    const row = page.locator('.code').filter({ hasText: 'Countersign Bank' });
    await row.getByRole('button', { name: /^Copiar/ }).click();
    await eventually(() => row.locator('.code-used').textContent()).toMatch(
      /^¿Ya lo usaste\? Espera al siguiente código dentro de \d+ s\.$/,
    );
    await noSeriousAxeFinding(page, 'codes in Spanish');
    await screenshot(page, SHOTS, 'spanish');

    await request.getByRole('button', { name: 'Aprobar' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Aprobada: «Transfer to Bob».');
    expect(await finalStatus(uuid)).toBe('approved');
    expect(unexpected(problems)).toEqual([]);
  });
});
