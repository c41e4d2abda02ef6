// User verification in the authenticator (D14), end to end in headless Chromium against the real service:
// the service's PUBLIC_URL is the origin the phone opens (http://localhost:PORT), so its passkeys belong to
// that relying party. A phone with DevTools' virtual platform authenticator turns the screen lock on and
// approves with it, keyboard only; a phone without one answers with its device key alone where the app
// allows it, and is told why where the app requires the check.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserVerification } from '../../src/apps/app.js';
import { axeFindings } from '../support/axe.js';
import { openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';
import {
  addVirtualAuthenticator,
  type PasskeySuite,
  startPasskeySuite,
  virtualCredentials,
} from '../support/webauthn.js';

const SHOTS = 'authenticator-screen-lock';

let server: TestServer;
let browser: Browser;
let origin: string;
let phones = 0;
const contexts: BrowserContext[] = [];

let suite: PasskeySuite | undefined;

beforeAll(async () => {
  suite = await startPasskeySuite();
  ({ server, browser, origin } = suite);
}, 60_000);

afterAll(() => suite?.close(contexts));

const eventually = <T>(read: () => T | Promise<T>, timeout = 8_000) =>
  expect.poll(read, { timeout, interval: 100 });

interface Phone {
  page: Page;
  problems: PageProblems;
  key: string;
  appId: number;
  authyId: number;
  authenticator?: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
}

/** An app with the setting, a user, and a phone that opened the user's enrollment link. */
async function enrolledPhone(userVerification: UserVerification, { webAuthn = true } = {}): Promise<Phone> {
  const app = await server.createApp({ name: 'Euro Bank', userVerification });
  phones += 1;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: 'u@example.com', cellphone: `509-555-${3000 + phones}`, country_code: '1' } },
  });
  const authyId = (user.body.user as { id: number }).id;
  const link = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.apiKey,
  });
  const url = (link.body.enrollment as { url: string }).url;
  expect(new URL(url).origin).toBe(origin);
  const { context, page, problems } = await openPhone(browser);
  contexts.push(context);
  // The authenticator must exist before the app first asks whether a platform authenticator is there.
  await page.goto(`${origin}/healthz`);
  const authenticator = webAuthn ? await addVirtualAuthenticator(page) : undefined;
  await page.goto(url);
  await eventually(() => page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
  return { page, problems, key: app.apiKey, appId: app.id, authyId, ...(authenticator && { authenticator }) };
}

async function createRequest(phone: Phone, message: string): Promise<string> {
  const created = await call(server, 'POST', `/onetouch/json/users/${phone.authyId}/approval_requests`, {
    key: phone.key,
    json: { message, details: { Amount: '€500' }, seconds_to_expire: 120 },
  });
  expect(created.status, created.text).toBe(200);
  return (created.body.approval_request as { uuid: string }).uuid;
}

async function receiptOf(phone: Phone, uuid: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=5`, {
      key: phone.key,
    });
    const approval = response.body.approval_request as { status: string; receipt?: string };
    if (approval.status !== 'pending') {
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(String(approval.receipt), jwks, {
        issuer: origin,
        audience: String(phone.appId),
        subject: uuid,
      });
      return payload as Record<string, unknown>;
    }
    if (Date.now() > deadline) throw new Error(`request ${uuid} is still pending`);
  }
}

/** Presses Tab until `target` has focus (at most 40 times), then asserts it does. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    if (await target.evaluate((element) => element.matches(':focus'))) break;
    await page.keyboard.press('Tab');
  }
  expect(await target.evaluate((element) => element.matches(':focus'))).toBe(true);
}

const panel = (page: Page) => page.getByRole('region', { name: 'Screen lock' });
const liveRegion = (page: Page) => page.locator('.toast[role="status"]');
const card = (page: Page, uuid: string) => page.locator(`article[data-uuid="${uuid}"]`);

describe('screen lock for approvals (D14), in Chromium', () => {
  it('keyboard only: turning the screen lock on registers a passkey, and approving a request that requires it uses the passkey; the receipt says uv: true; axe finds nothing serious', async () => {
    const phone = await enrolledPhone('required');
    const { page } = phone;
    const turnOn = panel(page).getByRole('button', { name: 'Use screen lock' });
    await eventually(() => turnOn.count()).toBe(1);
    expect(await panel(page).locator('p').textContent()).toContain('fingerprint, face or screen lock');
    expect((await axeFindings(page)).blocking).toEqual([]);
    await screenshot(page, SHOTS, '01-screen-lock-off');

    await tabTo(page, turnOn);
    await page.keyboard.press('Enter');
    const on = 'Screen lock is on: approving asks for your fingerprint, face or screen lock.';
    await eventually(() => liveRegion(page).textContent()).toBe(on);
    expect(await panel(page).locator('p').textContent()).toBe(on);
    expect(await turnOn.count()).toBe(0);
    await eventually(() =>
      page.locator('#screen-lock-title').evaluate((heading) => heading.matches(':focus')),
    ).toBe(true);
    const [credential] = await virtualCredentials(phone.authenticator ?? never());
    expect(credential?.rpId).toBe('localhost');
    expect((await axeFindings(page)).blocking).toEqual([]);
    await screenshot(page, SHOTS, '02-screen-lock-on');

    const uuid = await createRequest(phone, 'Transfer €500 to Bob');
    const approve = card(page, uuid).getByRole('button', { name: 'Approve' });
    await eventually(() => approve.count()).toBe(1);
    expect((await axeFindings(page)).blocking).toEqual([]);
    await tabTo(page, approve);
    await page.keyboard.press('Enter');
    await eventually(() => liveRegion(page).textContent()).toBe('Approved: “Transfer €500 to Bob”.');

    const receipt = await receiptOf(phone, uuid);
    expect(receipt).toMatchObject({ status: 'approved', uv: true });
    expect((receipt.passkey as { credential_id: string }).credential_id).toBe(
      Buffer.from(credential?.credentialId ?? '', 'base64').toString('base64url'),
    );
    // The passkey signed once to register and once to approve.
    const [after] = await virtualCredentials(phone.authenticator ?? never());
    expect(after?.signCount).toBeGreaterThan(credential?.signCount ?? 0);
    expect(phone.problems.messages).toEqual([]);
  });

  it('without WebAuthn: the panel says approvals rely on the device alone; a preferred app’s approval falls back to the device key and the receipt says uv: false, no_passkey', async () => {
    const phone = await enrolledPhone('preferred', { webAuthn: false });
    const { page } = phone;
    await eventually(() => panel(page).locator('p').textContent()).toContain(
      'This browser cannot check your fingerprint, face or screen lock',
    );
    expect(await panel(page).getByRole('button').count()).toBe(0);
    expect((await axeFindings(page)).blocking).toEqual([]);
    await screenshot(page, SHOTS, '03-screen-lock-unavailable');

    const uuid = await createRequest(phone, 'Pay the rent');
    const approve = card(page, uuid).getByRole('button', { name: 'Approve' });
    await eventually(() => approve.count()).toBe(1);
    await approve.click();
    await eventually(() => liveRegion(page).textContent()).toBe('Approved: “Pay the rent”.');
    expect(await receiptOf(phone, uuid)).toMatchObject({
      status: 'approved',
      uv: false,
      uv_missing: 'no_passkey',
    });
    expect(phone.problems.messages).toEqual([]);
  });

  it('without WebAuthn, an app that requires the check refuses the approval: the card says why and the request stays pending', async () => {
    const phone = await enrolledPhone('required', { webAuthn: false });
    const { page } = phone;
    const uuid = await createRequest(phone, 'Pay the rent');
    const approve = card(page, uuid).getByRole('button', { name: 'Approve' });
    await eventually(() => approve.count()).toBe(1);
    await approve.click();
    await eventually(() => card(page, uuid).getByRole('alert').textContent()).toBe(
      'This app asks you to approve with your screen lock. Turn it on under Screen lock, then approve again.',
    );
    const status = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: phone.key });
    expect((status.body.approval_request as { status: string }).status).toBe('pending');
    expect((await axeFindings(page)).blocking).toEqual([]);
    await screenshot(page, SHOTS, '04-required-refused');
    // The refusal is the service's 403, which the console reports as a failed load.
    expect(phone.problems.messages.filter((m) => !m.includes('403'))).toEqual([]);
  });
});

describe('codes behind the screen lock (a user setting), in Chromium', () => {
  it('once chosen, codes hide until the screen lock opens them, also after a reload; unticking the choice asks for the screen lock', async () => {
    const phone = await enrolledPhone('preferred');
    const { page } = phone;
    const codeValue = page.locator('.code-value');
    await eventually(() => codeValue.count()).toBe(1);
    // No passkey yet: nothing to lock with, and no choice offered.
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await panel(page).getByRole('button', { name: 'Use screen lock' }).click();
    const choice = panel(page).getByRole('checkbox', { name: 'Also ask before showing codes' });
    await eventually(() => choice.count()).toBe(1);
    expect(await choice.isChecked()).toBe(false);
    const before = (await virtualCredentials(phone.authenticator ?? never()))[0]?.signCount ?? 0;

    await tabTo(page, choice);
    await page.keyboard.press('Space');
    await eventually(() => liveRegion(page).textContent()).toBe('Codes are locked behind the screen lock.');
    expect(await choice.isChecked()).toBe(true);
    const show = page.getByRole('button', { name: 'Show codes' });
    await eventually(() => show.count()).toBe(1);
    expect(await codeValue.count()).toBe(0);
    expect((await axeFindings(page)).blocking).toEqual([]);
    await screenshot(page, SHOTS, '05-codes-locked');

    await page.reload();
    await eventually(() => show.count()).toBe(1);
    expect(await codeValue.count()).toBe(0);
    await tabTo(page, show);
    await page.keyboard.press('Enter');
    await eventually(() => codeValue.count()).toBe(1);
    expect((await codeValue.textContent())?.replace(/\D/g, '')).toMatch(/^\d{14}$/);
    // The screen lock was asked: the passkey signed once more.
    const opened = (await virtualCredentials(phone.authenticator ?? never()))[0]?.signCount ?? 0;
    expect(opened).toBeGreaterThan(before);

    await choice.click();
    await eventually(() => liveRegion(page).textContent()).toBe('Codes show without the screen lock.');
    expect(await choice.isChecked()).toBe(false);
    expect((await virtualCredentials(phone.authenticator ?? never()))[0]?.signCount).toBeGreaterThan(opened);
    await page.reload();
    await eventually(() => codeValue.count()).toBe(1);
    expect(phone.problems.messages).toEqual([]);
  });
});

function never(): never {
  throw new Error('the phone has no virtual authenticator');
}
