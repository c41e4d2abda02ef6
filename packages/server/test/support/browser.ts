import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** The system Chromium (`apt-get install chromium`); browsers are never downloaded by the tests. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other artifacts, at the repository root (ignored by the linter and by git). */
export const RESULTS_DIR = fileURLToPath(new URL('../../../../test-results/', import.meta.url));

/** The phone the authenticator is designed for. */
export const PHONE_VIEWPORT = { width: 360, height: 740 } as const;

/**
 * Starts headless Chromium with nothing that talks to the internet. Close it in `afterAll`. `extraArgs`
 * adds switches (a host resolver rule, a certificate to trust).
 */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
    timeout: 20_000,
  });
}

/** What a page reported on its own: uncaught errors, console errors, CSP violations. */
export interface PageProblems {
  readonly messages: string[];
}

/**
 * A fresh context (its own storage, service workers and permissions) with a phone-sized viewport (or
 * `viewport`), in US English (or `locale`, which sets the browser's languages), and a page in it whose
 * uncaught errors and console errors are collected, so a test can assert there were none.
 */
export async function openPhone(
  browser: Browser,
  options: {
    permissions?: string[];
    origin?: string;
    locale?: string;
    viewport?: { width: number; height: number };
  } = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? PHONE_VIEWPORT,
    locale: options.locale ?? 'en-US',
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    serviceWorkers: 'allow',
  });
  context.setDefaultTimeout(10_000);
  if (options.permissions !== undefined) {
    await context.grantPermissions(
      options.permissions,
      options.origin === undefined ? {} : { origin: options.origin },
    );
  }
  const page = await context.newPage();
  const problems: PageProblems = { messages: [] };
  page.on('pageerror', (error) => problems.messages.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.messages.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

/**
 * Saves a screenshot as `test-results/<folder>/<name>.png` and returns its path: the full page, or with
 * `fullPage: false` what the viewport shows (for pages tens of screens long).
 */
export async function screenshot(
  page: Page,
  folder: string,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<string> {
  const dir = join(RESULTS_DIR, folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Starts recording what the page's Content-Security-Policy refuses (`directive blocked-uri`), from before its
 * first script on every navigation; the returned function reads what was refused in the current document.
 * The listener goes in through the DevTools protocol, which the policy does not govern.
 */
export async function watchPolicy(page: Page): Promise<() => Promise<string[]>> {
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
  return () => page.evaluate(() => (globalThis as unknown as { refusedByPolicy: string[] }).refusedByPolicy);
}
