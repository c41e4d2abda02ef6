// An app's invitation in the web authenticator, end to end in headless Chromium (issue 20, part 3; D15): an
// imported user opens the invitation link, reads which app invites and where the code goes, has the code
// texted, types it from the outbox, and ends with the app's account listed; a used link is explained.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastMessageTo } from '../compat/compat-support.js';
import { type AuthenticatorSuite, startAuthenticatorSuite } from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { openPhone } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import type { TestServer } from '../support/harness.js';
import { cliEnv, e164Of, emailOf, importFile, phoneOf, writeCsv } from '../users/import-support.js';

let server: TestServer;
let browser: Browser;
let bank: { id: number; apiKey: string };
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;

beforeAll(async () => {
  suite = await startAuthenticatorSuite();
  ({ server, browser, contexts } = suite);
  bank = await server.createApp({ name: 'Invited Bank' });
}, 60_000);

afterAll(() => suite?.close());

const eventually = <T>(read: () => T | Promise<T>, timeout = 8_000) =>
  expect.poll(read, { timeout, interval: 100 });

describe('the authenticator opens an app’s invitation', () => {
  it('says which app invites and where the code goes, texts it, enrolls with it, and lists the account', async () => {
    const user = { authy_id: 7_000_001, email: emailOf(1), cellphone: phoneOf(1), country_code: '1' };
    const { result } = await importFile(server, bank.id, writeCsv(server, 'invited.csv', [user]));
    expect(result.code).toBe(0);
    const list = join(server.dir, 'invited.txt');
    writeFileSync(list, `${user.authy_id}\n`);
    const out = join(server.dir, 'invited.jsonl');
    const invited = await runCli(
      ['enrollments', 'invite', '--app', String(bank.id), '--users', list, '--via', 'export', '--out', out],
      cliEnv(server),
    );
    expect(invited.code).toBe(0);
    const { link } = JSON.parse(readFileSync(out, 'utf8')) as { link: string };
    const url = `${server.url}/authenticator/${new URL(link).hash}`;

    const phone = await openPhone(browser);
    contexts.push(phone.context);
    await phone.page.goto(url);
    const text = phone.page.locator('[data-invitation]');
    await eventually(() => text.textContent()).toBe(
      `Invited Bank invited you to approve its sign-ins and payments with this device. We will text a code to +1 XXX-XXX-${phoneOf(1).slice(-4)}.`,
    );
    // The token left the address bar.
    expect(phone.page.url()).not.toContain('#invite=');
    expect((await axeFindings(phone.page)).blocking).toEqual([]);

    await phone.page.getByRole('button', { name: 'Text me the code' }).click();
    const codeField = phone.page.getByLabel('The code we texted you');
    await eventually(() => codeField.count()).toBe(1);
    const { code } = await lastMessageTo(server, e164Of(phoneOf(1)));
    await codeField.fill(code);
    await phone.page.getByRole('button', { name: 'Add this device' }).click();
    await eventually(() => phone.page.locator('.account-name').allTextContents()).toEqual(['Invited Bank']);

    // The same link again: explained plainly.
    const again = await openPhone(browser);
    contexts.push(again.context);
    await again.page.goto(url);
    await eventually(() => again.page.getByRole('alert').textContent()).toBe(
      'This invitation has expired, was replaced by a newer one, or was already used. Ask the app for a new one.',
    );
  });
});
