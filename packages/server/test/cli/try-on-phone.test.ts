/**
 * The README's "Try it on your phone" recipe, run as written: `countersign dev --public-url` behind Caddy
 * (Debian's package) with `examples/phone/Caddyfile`, and a phone that reaches the laptop by a name on the
 * network (Chromium's host resolver maps it to loopback). Over HTTPS the authenticator enrolls from the
 * app's link; over plain HTTP it says it needs HTTPS instead of failing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPhone, screenshot } from '../support/browser.js';
import { freePort } from '../support/processes.js';

const REPO = join(import.meta.dirname, '../../../..');
const BIN = join(REPO, 'packages/server/bin/countersign.js');
const CADDYFILE = join(REPO, 'examples/phone/Caddyfile');
/** What the phone calls the laptop: not loopback, so plain HTTP to it is not a secure context. */
const PHONE_HOST = 'laptop.test';
const KEY_LINE = /^ {2}Dev API key: {4}([0-9a-f]{48})$/m;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let browser: Browser;
const children: ChildProcess[] = [];
let servicePort: number;
let httpsPort: number;
let apiKey: string;
const output = { dev: '', caddy: '' };

function start(command: string, args: string[], env: NodeJS.ProcessEnv, log: 'dev' | 'caddy'): ChildProcess {
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output[log] += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output[log] += chunk;
  });
  children.push(child);
  return child;
}

async function until(what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}:\n${output.dev}\n${output.caddy}`);
}

/** base64 SHA-256 of a certificate's public key: what Chromium's SPKI allow list takes. */
function spkiHash(file: string): string {
  const der = new X509Certificate(readFileSync(file)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

beforeAll(async () => {
  if (!existsSync('/usr/bin/caddy'))
    throw new Error('Caddy is not installed: apt-get install caddy (the README recipe needs it)');
  dir = mkdtempSync(join(tmpdir(), 'countersign-phone-'));
  servicePort = await freePort();
  httpsPort = await freePort();
  const publicUrl = `https://${PHONE_HOST}:${httpsPort}`;
  start(
    process.execPath,
    [
      BIN,
      'dev',
      '--data',
      join(dir, 'data'),
      '--bank-port',
      String(await freePort()),
      '--public-url',
      publicUrl,
    ],
    { PATH: process.env.PATH ?? '', PORT: String(servicePort) },
    'dev',
  );
  await until('the dev banner', () => KEY_LINE.test(output.dev));
  apiKey = KEY_LINE.exec(output.dev)?.[1] ?? '';
  start(
    '/usr/bin/caddy',
    ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'],
    {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'caddy-data'),
      XDG_CONFIG_HOME: join(dir, 'caddy-config'),
      PHONE_HOST,
      PHONE_PORT: String(httpsPort),
      COUNTERSIGN_PORT: String(servicePort),
    },
    'caddy',
  );
  const authority = join(dir, 'caddy-data/caddy/pki/authorities/local');
  await until('Caddy’s certificate', () => output.caddy.includes('certificate obtained successfully'));
  // The phone trusts Caddy's authority, as the README has the user install its root on the phone.
  browser = await launchBrowser([
    `--host-resolver-rules=MAP ${PHONE_HOST} 127.0.0.1`,
    `--ignore-certificate-errors-spki-list=${spkiHash(join(authority, 'intermediate.crt'))},${spkiHash(join(authority, 'root.crt'))}`,
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(10_000)]),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

async function registerUser(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${servicePort}/protected/json/users/new`, {
    method: 'POST',
    headers: { 'x-authy-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      user: { email: 'phone@example.com', cellphone: '2015550177', country_code: '1' },
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { user: { id: number } }).user.id;
}

describe('Try it on your phone (README): countersign dev behind Caddy', () => {
  it('the enrollment link names the public HTTPS address, and a phone opening it through Caddy is enrolled', async () => {
    const id = await registerUser();
    const created = await fetch(`http://127.0.0.1:${servicePort}/protected/json/users/${id}/enrollments`, {
      method: 'POST',
      headers: { 'x-authy-api-key': apiKey },
    });
    const { enrollment } = (await created.json()) as { enrollment: { url: string } };
    expect(enrollment.url.startsWith(`https://${PHONE_HOST}:${httpsPort}/authenticator/#enroll=`)).toBe(true);

    const { context, page, problems } = await openPhone(browser);
    await page.goto(enrollment.url);
    expect(await page.evaluate('window.isSecureContext')).toBe(true);
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toContain('This device is set up for Countersign Bank.');
    await screenshot(page, 'phone', '01-enrolled-over-caddy');
    expect(problems.messages).toEqual([]);
    await context.close();
  });

  it('over plain HTTP from the network, the authenticator says it needs HTTPS and how to get it', async () => {
    const { context, page } = await openPhone(browser);
    await page.goto(`http://${PHONE_HOST}:${servicePort}/authenticator/`);
    expect(await page.evaluate('window.isSecureContext')).toBe(false);
    const heading = page.getByRole('heading', { level: 2 });
    await expect.poll(() => heading.textContent()).toBe('This page needs HTTPS');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(`http://${PHONE_HOST}:${servicePort}`);
    expect(text).toContain(
      `PHONE_HOST=${PHONE_HOST} COUNTERSIGN_PORT=${servicePort} caddy run --config examples/phone/Caddyfile`,
    );
    expect(text).toContain(`npm start -- --public-url https://${PHONE_HOST}:8443`);
    expect(text).toContain('Try it on your phone');
    await screenshot(page, 'phone', '02-needs-https');
    await context.close();
  });
});
