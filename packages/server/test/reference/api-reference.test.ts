/**
 * The API reference at `/docs` (issue 14): a real page in Chromium that shows every route of the OpenAPI
 * document, loads nothing from another host (it must work offline), runs under its Content-Security-Policy,
 * and passes axe-core with no critical or serious finding, in light and dark, on a desktop and a phone.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeFindings } from '../support/axe.js';
import { launchBrowser, PHONE_VIEWPORT, screenshot } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Visit {
  context: BrowserContext;
  page: Page;
  /** Requests to any other origin (all refused). */
  elsewhere: string[];
  /** Uncaught errors and console errors. */
  problems: string[];
  /** What the page's policy refused: `directive blocked-uri`. */
  refused: string[];
}

/** Opens `/docs` in a fresh context that can reach nothing but the service, once the reference is drawn. */
async function visit(options: { colorScheme: 'light' | 'dark'; phone?: boolean }): Promise<Visit> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme,
    viewport: options.phone === true ? PHONE_VIEWPORT : { width: 1280, height: 900 },
    ...(options.phone === true && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
  });
  context.setDefaultTimeout(15_000);
  const elsewhere: string[] = [];
  await context.route(
    (url) => url.origin !== server.url && url.protocol !== 'data:',
    (route) => {
      elsewhere.push(route.request().url());
      return route.abort();
    },
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(globalThis, { refusedByPolicy: seen });
    (
      globalThis as unknown as { document: { addEventListener(type: string, f: (e: never) => void): void } }
    ).document.addEventListener(
      'securitypolicyviolation',
      (event: { effectiveDirective: string; blockedURI: string }) => {
        seen.push(`${event.effectiveDirective} ${event.blockedURI}`);
      },
    );
  });
  await page.goto(`${server.url}/docs`);
  await page.getByRole('heading', { name: 'Countersign API', level: 1 }).waitFor();
  await page.waitForLoadState('networkidle');
  const refused = await page.evaluate(
    () => (globalThis as unknown as { refusedByPolicy: string[] }).refusedByPolicy,
  );
  return { context, page, elsewhere, problems, refused };
}

describe('/docs: the API reference (Scalar, served by the service itself)', () => {
  it('shows the routes of every part of the API, offline: nothing asked of another host, nothing broken', async () => {
    const { context, page, elsewhere, problems, refused } = await visit({ colorScheme: 'light' });
    for (const name of [
      'Register a user (one id per phone number)',
      'Verify a TOTP, SMS or voice token (each accepted once)',
      'Create a OneTouch approval request',
      'Server-sent events of an approval request until it is final',
      'Send a verification code to a phone number',
      'Answer an approval request with a signed decision',
      'Whether the process is alive',
    ]) {
      // The sidebar lists every operation, by its summary and method.
      const link = page.getByRole('link', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) });
      expect(await link.first().isVisible(), name).toBe(true);
    }
    await page.getByRole('link', { name: /^Answer an approval request with a signed decision/ }).click();
    await page.getByRole('heading', { name: 'Answer an approval request with a signed decision' }).waitFor();
    await screenshot(page, 'api-reference', '01-desktop-light', { fullPage: false });
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    // The renderer probes for `eval` once (zod's JIT check, in a try) and goes on without it.
    expect(refused.filter((r) => r !== 'script-src eval')).toEqual([]);
    await context.close();
  });

  it.each([
    { colorScheme: 'light', phone: false },
    { colorScheme: 'dark', phone: false },
    { colorScheme: 'light', phone: true },
    { colorScheme: 'dark', phone: true },
  ] as const)(
    'axe-core finds nothing critical or serious ($colorScheme, phone: $phone); it has a title and a viewport',
    async ({ colorScheme, phone }) => {
      const { context, page } = await visit({ colorScheme, phone });
      expect(await page.title()).toBe('Countersign API reference');
      expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toBe(
        'width=device-width, initial-scale=1',
      );
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      // The renderer follows the reader's colour scheme.
      expect(await page.locator('body').getAttribute('class')).toContain(`${colorScheme}-mode`);
      const findings = await axeFindings(page);
      expect(findings.rules).toBeGreaterThan(20);
      expect(findings.blocking).toEqual([]);
      await screenshot(page, 'api-reference', `02-${phone ? 'phone' : 'desktop'}-${colorScheme}`, {
        fullPage: false,
      });
      await context.close();
    },
  );

  it('is served with a strict policy: scripts from the service only, nothing loaded from elsewhere', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<script src="/docs/js/scalar.js"></script>');
    const script = await fetch(`${server.url}/docs/js/scalar.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
  });
});
