// Adding a device from another in the web authenticator, end to end in headless Chromium (issue 16, item
// 3a): a phone context enrolled by the bank's link opens "Add another device" and shows a link and its QR
// code; a second context opens the link, both show one comparison code, the first approves, and the second
// answers the bank's next request itself — the receipt names the second device.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticatorSuite, startAuthenticatorSuite } from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { openPhone, screenshot } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';

const SHOTS = 'authenticator-admission';

let server: TestServer;
let browser: Browser;
let bank: { id: number; apiKey: string };
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;

beforeAll(async () => {
  suite = await startAuthenticatorSuite();
  ({ server, browser, contexts } = suite);
  bank = await server.createApp({ name: 'Countersign Bank', userVerification: 'preferred' });
}, 60_000);

afterAll(() => suite?.close());

/** A link of the service, its origin pointed at where the test server listens (it learns its port after PUBLIC_URL). */
const here = (url: string) => {
  const parsed = new URL(url);
  return `${server.url}${parsed.pathname}${parsed.hash}`;
};

const eventually = <T>(read: () => T | Promise<T>, timeout = 8_000) =>
  expect.poll(read, { timeout, interval: 100 });

/** The user's devices as the app's status lists them. */
async function deviceIds(authyId: number): Promise<string[]> {
  const status = await call(server, 'GET', `/protected/json/users/${authyId}/status`, { key: bank.apiKey });
  return (status.body.status as { detailed_devices: Array<{ device_id: string }> }).detailed_devices.map(
    (d) => d.device_id,
  );
}

async function blocking(page: Page) {
  const { blocking } = await axeFindings(page);
  return blocking;
}

describe('the authenticator adds a device from another', () => {
  it('the second browser, let in by the first, answers a request under its own device id', async () => {
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key: bank.apiKey,
      json: { user: { email: 'ada@example.com', cellphone: '5095553001', country_code: '1' } },
    });
    const authyId = (user.body.user as { id: number }).id;
    const enrollment = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
      key: bank.apiKey,
    });

    const first = await openPhone(browser);
    contexts.push(first.context);
    await first.page.goto(here((enrollment.body.enrollment as { url: string }).url));
    await eventually(() => first.page.locator('.account-name').allTextContents()).toEqual([
      'Countersign Bank',
    ]);

    const before = await deviceIds(authyId);
    expect(before).toHaveLength(1);
    await first.page.getByRole('button', { name: /^Devices/ }).click();
    await first.page.getByRole('button', { name: 'Add another device' }).click();
    const shownLink = first.page.locator('a[data-admission-link]');
    await eventually(() => shownLink.count()).toBe(1);
    const link = String(await shownLink.getAttribute('href'));
    expect(link).toMatch(/\/authenticator\/#admit=[A-Za-z0-9_-]{43}$/);
    await expect(
      first.page.getByRole('img', { name: 'QR code of the link for the new device' }).count(),
    ).resolves.toBe(1);
    expect(await blocking(first.page)).toEqual([]);
    await screenshot(first.page, SHOTS, 'link');

    const second = await openPhone(browser);
    contexts.push(second.context);
    await second.page.goto(here(link));
    const joinCode = second.page.locator('[data-admission-code]');
    await eventually(() => joinCode.count()).toBe(1);
    // The token left the address bar at once.
    expect(new URL(second.page.url()).hash).toBe('');
    const code = String(await joinCode.textContent());
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(await blocking(second.page)).toEqual([]);
    await screenshot(second.page, SHOTS, 'joining');

    // The first browser shows the same code, computed from the key the second one claimed with.
    const holderCode = first.page.locator('[data-admission-code]');
    await eventually(() => holderCode.textContent(), 10_000).toBe(code);
    expect(await blocking(first.page)).toEqual([]);
    await screenshot(first.page, SHOTS, 'compare');
    await first.page.getByRole('button', { name: 'Approve', exact: true }).click();

    await eventually(() => second.page.locator('.account-name').allTextContents(), 10_000).toEqual([
      'Countersign Bank',
    ]);
    await eventually(() => first.page.locator('.device-name').count()).toBe(2);

    const created = await call(server, 'POST', `/onetouch/json/users/${authyId}/approval_requests`, {
      key: bank.apiKey,
      json: { message: 'Log in from the new phone', seconds_to_expire: 120 },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const request = second.page.locator(`article[data-uuid="${uuid}"]`);
    await eventually(() => request.count(), 15_000).toBe(1);
    await request.getByRole('button', { name: 'Approve' }).click();

    let status: Record<string, unknown> = {};
    await eventually(async () => {
      const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, {
        key: bank.apiKey,
      });
      status = response.body.approval_request as Record<string, unknown>;
      return status.status;
    }, 10_000).toBe('approved');
    const payload = JSON.parse(
      Buffer.from(String(status.receipt).split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { device_id: string };
    // The answer came from the second browser's own device: the app now sees two, and the receipt names
    // the one that was not there before.
    const after = await deviceIds(authyId);
    expect(after).toHaveLength(2);
    expect(after).toContain(payload.device_id);
    expect(before).not.toContain(payload.device_id);
  });
});
