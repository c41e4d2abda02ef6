// Backups end to end in headless Chromium (issue 16, item 3 b–c): a phone enrolled by an app's link and
// holding a third-party TOTP account is told which app it alone answers, downloads an encrypted backup, and
// a fresh browser context restores it — refusing a wrong passphrase and a damaged file first, adding
// nothing — to show the same code as RFC 6238 computed here with node:crypto, and the app to enroll with again.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { memoryStorage, Wallet } from '@countersign/device';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthyClient, authyClientModule } from '../compat/compat-support.js';
import {
  type AuthenticatorSuite,
  awayFromStepEdge,
  startAuthenticatorSuite,
} from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';

const SHOTS = 'authenticator-backup';
const PASSPHRASE = 'correct horse battery staple';
/** RFC 6238's SHA-1 seed, pasted as a link. */
const SEED = Buffer.from('12345678901234567890');
const FORGE = 'otpauth://totp/Forge:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge';

let server: TestServer;
let browser: Browser;
let bank: { id: number; key: string; client: AuthyClient };
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;

beforeAll(async () => {
  suite = await startAuthenticatorSuite();
  ({ server, browser, contexts } = suite);
  const created = await server.createApp({ name: 'Countersign Bank' });
  const client = new authyClientModule.Client({ key: created.apiKey }, { host: server.url, timeout: 10_000 });
  bank = { id: created.id, key: created.apiKey, client };
}, 60_000);

afterAll(() => suite?.close());

function rfc6238(ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', SEED).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const eventually = <T>(read: () => T | Promise<T>, timeout = 10_000) =>
  expect.poll(read, { timeout, interval: 100 });
const liveRegion = (page: Page): Locator => page.locator('.toast[role="status"]');
const accountNames = (page: Page) => page.locator('.account-name').allTextContents();

/** The code the account shows, digits only, equal to RFC 6238's at some moment around the read. */
async function expectRfcCode(page: Page, name: string) {
  const row = page.locator('.account').filter({ has: page.locator('.account-name', { hasText: name }) });
  await awayFromStepEdge(30);
  const before = Date.now();
  const text = await row.locator('.code-value [aria-hidden="true"]').first().textContent();
  const after = Date.now();
  expect([rfc6238(before), rfc6238(after)]).toContain((text ?? '').replace(/\s/g, ''));
}

async function expectNoBlockingViolations(page: Page, what: string) {
  const { blocking, rules } = await axeFindings(page);
  expect(rules).toBeGreaterThan(20);
  expect(blocking, what).toEqual([]);
}

async function expectNoProblems(problems: PageProblems) {
  expect(problems.messages.filter((message) => !/net::ERR_/.test(message))).toEqual([]);
}

async function enrollmentLink(authyId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: bank.key,
  });
  expect(response.status, response.text).toBe(200);
  const url = new URL((response.body.enrollment as { url: string }).url);
  return `${server.url}${url.pathname}${url.hash}`;
}

describe('backups in Chromium', () => {
  let backupPath: string;
  let backupText: string;

  it('names the app only this phone answers, refuses mismatched passphrases, and downloads an encrypted backup', async () => {
    const registered = await bank.client.registerUser({
      countryCode: 'US',
      email: 'ada@example.com',
      phone: '509-555-3001',
    });
    const phone = await openPhone(browser);
    contexts.push(phone.context);
    const { page } = phone;
    const authyId = (registered.user as { id: number }).id;
    await page.goto(await enrollmentLink(authyId));
    await eventually(() => liveRegion(page).textContent()).toBe(
      'This device is set up for Countersign Bank.',
    );
    await page.getByLabel('Or paste a link').fill(FORGE);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => accountNames(page)).toEqual(['Countersign Bank', 'Forge (ada)']);

    await page.getByRole('button', { name: 'Backup', exact: true }).click();
    await eventually(() => page.locator('.backup-only-here').textContent()).toBe(
      'If you lose this phone, you can no longer answer: Countersign Bank. Add another device or ask the app to enroll you again.',
    );
    await expectNoBlockingViolations(page, 'the backup panel');

    const first = page.getByLabel('Passphrase', { exact: true });
    const again = page.getByLabel('Passphrase again');
    const download = page.getByRole('button', { name: 'Download the backup' });
    await first.fill('too short');
    await again.fill('too short');
    await download.click();
    await eventually(() => page.locator('#backup-error').textContent()).toBe(
      'The passphrase needs at least 10 characters.',
    );
    await first.fill(PASSPHRASE);
    await again.fill(`${PASSPHRASE}!`);
    await download.click();
    await eventually(() => page.locator('#backup-error').textContent()).toBe(
      'The two passphrases differ. Type the same one twice.',
    );
    expect(await first.getAttribute('aria-invalid')).toBe('true');
    await expectNoBlockingViolations(page, 'the backup panel with an error');

    await again.fill(PASSPHRASE);
    const started = performance.now();
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    // What the user waits for, Argon2id most of it; reported, never asserted.
    console.info(
      `backup in Chromium: ${Math.round(performance.now() - started)} ms from the click to the download`,
    );
    expect(file.suggestedFilename()).toMatch(/^countersign-backup-\d{4}-\d{2}-\d{2}\.json$/);
    backupPath = await file.path();
    backupText = readFileSync(backupPath, 'utf8');
    const parsed = JSON.parse(backupText) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      format: 'countersign-backup',
      version: 1,
      kdf: { name: 'argon2id', memory_kib: 65_536, iterations: 3, parallelism: 1 },
      cipher: { name: 'AES-256-GCM' },
    });
    expect(backupText).not.toContain('GEZDGNBVGY3TQOJQ');
    expect(backupText).not.toContain('Forge');
    await eventually(() => liveRegion(page).textContent()).toBe(
      'Backup downloaded. Keep the file and its passphrase somewhere other than this phone.',
    );
    expect(await first.inputValue()).toBe('');
    await screenshot(page, SHOTS, '01-backup');

    // A second device of the user answers the bank too (a CLI's, through the device library): no warning.
    const tablet = new Wallet({ storage: memoryStorage(), name: 'Tablet', platform: 'cli' });
    await tablet.enrollWithLink(await enrollmentLink(authyId));
    const panel = page.getByRole('button', { name: 'Backup', exact: true });
    await panel.click();
    await panel.click();
    await eventually(() => page.locator('#backup-body .hint').first().textContent()).toBe(
      'Every app this authenticator answers has another device of yours too.',
    );
    expect(await page.locator('.backup-only-here').count()).toBe(0);
    await expectNoProblems(phone.problems);
  });

  it('a fresh browser refuses a wrong passphrase and a damaged file, adding nothing, then restores the same code and lists the app to enroll with again', async () => {
    const phone = await openPhone(browser);
    contexts.push(phone.context);
    const { page } = phone;
    await page.goto(`${server.url}/authenticator/`);
    await page.getByRole('heading', { name: 'Restore from a backup' }).waitFor();
    await expectNoBlockingViolations(page, 'the welcome screen with restore');

    const fileInput = page.getByLabel('Backup file');
    const passphrase = page.getByLabel('The backup’s passphrase');
    const restore = page.getByRole('button', { name: 'Restore', exact: true });
    const error = page.locator('#restore-error');

    await fileInput.setInputFiles(backupPath);
    await passphrase.fill('not the passphrase at all');
    await restore.click();
    await eventually(() => error.textContent()).toBe(
      'This passphrase does not open the backup. Nothing was added; check it and try again.',
    );
    expect(await page.locator('.account').count()).toBe(0);
    await expectNoBlockingViolations(page, 'a wrong passphrase');
    await screenshot(page, SHOTS, '02-wrong-passphrase');

    await fileInput.setInputFiles({
      name: 'cut.json',
      mimeType: 'application/json',
      buffer: Buffer.from(backupText.slice(0, backupText.length - 40)),
    });
    await passphrase.fill(PASSPHRASE);
    await restore.click();
    await eventually(() => error.textContent()).toBe(
      'This file is not a Countersign backup, or it is damaged or cut short. Nothing was added; choose the file again.',
    );
    expect(await page.locator('.account').count()).toBe(0);
    await expect(page.getByRole('heading', { name: 'Set up this authenticator' }).count()).resolves.toBe(1);

    await fileInput.setInputFiles(backupPath);
    await passphrase.fill(PASSPHRASE);
    await restore.click();
    const result = page.locator('.restore-result');
    await eventually(() => result.locator('p').first().textContent()).toBe('Restored 1 account.');
    expect(await result.locator('.restore-reenroll li').allTextContents()).toEqual([
      `Countersign Bank (${new URL(server.url).host})`,
    ]);
    expect(await error.count()).toBe(0);
    await expectNoBlockingViolations(page, 'the restore result');
    await screenshot(page, SHOTS, '03-restored');

    await page.getByRole('button', { name: 'Continue' }).click();
    await eventually(() => accountNames(page)).toEqual(['Forge (ada)']);
    await expectRfcCode(page, 'Forge');
    // The restored account survives a reload: it is in this browser's storage.
    await page.reload();
    await eventually(() => accountNames(page)).toEqual(['Forge (ada)']);
    await expectRfcCode(page, 'Forge');
    await screenshot(page, SHOTS, '04-home');
    await expectNoProblems(phone.problems);
  });
});
