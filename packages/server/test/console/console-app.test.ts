// Serving the operator console (issue 17, item 2): the page and its files at /console/ under the strict CSP,
// never in place of a route of its API below /console/api/, and a 503 while it is not built; then, in
// headless Chromium against the real service, the built page signs out to its sign-in page with no CSP
// violation and no critical or serious axe finding, in light and dark.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_CSP,
  defaultConsoleRoot,
  registerConsoleAppRoutes,
} from '../../src/console/console-app.routes.js';
import { installErrorHandling } from '../../src/http/error-handler.js';
import { axeFindings } from '../support/axe.js';
import { launchBrowser, screenshot, watchPolicy } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const NOT_BUILT_MESSAGE =
  'The console is not built on this server. Build it with `npm run build -w @countersign/console` and reload.';
const NOT_BUILT = {
  message: NOT_BUILT_MESSAGE,
  success: false,
  errors: { message: NOT_BUILT_MESSAGE },
  error_code: '60000',
};
const NOT_FOUND = {
  message: 'Not found',
  success: false,
  errors: { message: 'Not found' },
  error_code: '60000',
};

const folders: string[] = [];
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder shaped like the console's build output. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'countersign-console-'));
  folders.push(root);
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Console</title>');
  writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"Countersign Console"}');
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log(1);');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  return root;
}

/**
 * The service's router settings, its error handler, the console, and a route of its API as another feature
 * registers it (after the console), to show the console never answers in its place.
 */
async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  apps.push(app);
  installErrorHandling(app);
  await registerConsoleAppRoutes(app, { root });
  app.get('/console/api/session', async () => ({ operator: null }));
  app.get('/console/api/apps/:id', async () => ({ app: null }));
  app.post('/console/api/sign-out', async (_request, reply) => reply.status(204).send());
  await app.ready();
  return app;
}

describe('serving the console', () => {
  it('answers /console and /console/ with the page, revalidated, under the console CSP', async () => {
    const app = await serve(fakeBuild());
    for (const url of ['/console', '/console/']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.body).toBe('<!doctype html><title>Console</title>');
    }
  });

  it('the CSP refuses everything not named, names only this origin, and lets no script write HTML', () => {
    const directives = new Map(
      CONSOLE_CSP.split('; ').map((directive) => {
        const [name = '', ...values] = directive.split(' ');
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const name of ['script-src', 'style-src', 'img-src', 'connect-src', 'manifest-src']) {
      expect(directives.get(name), name).toEqual(["'self'"]);
    }
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('require-trusted-types-for')).toEqual(["'script'"]);
    expect(directives.has('worker-src')).toBe(false);
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it('serves hashed assets as immutable and the manifest revalidated', async () => {
    const app = await serve(fakeBuild());
    const asset = await app.inject({ method: 'GET', url: '/console/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const manifest = await app.inject({ method: 'GET', url: '/console/manifest.webmanifest' });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('leaves /console/api/ to the API: its routes answer, and an unknown one is the 404 envelope, not the page', async () => {
    const app = await serve(fakeBuild());
    expect((await app.inject({ method: 'GET', url: '/console/api/session' })).json()).toEqual({
      operator: null,
    });
    expect((await app.inject({ method: 'GET', url: '/console/api/apps/7' })).json()).toEqual({ app: null });
    expect((await app.inject({ method: 'POST', url: '/console/api/sign-out' })).statusCode).toBe(204);
    for (const [method, url] of [
      ['GET', '/console/api/nope'],
      ['GET', '/console/api/apps/7/nope'],
      ['GET', '/console/api'],
      ['POST', '/console/api/nope'],
      ['DELETE', '/console/api/apps/7/nope'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json(), `${method} ${url}`).toEqual(NOT_FOUND);
    }
  });

  it('answers unknown files, folders, dotfiles and escapes from the folder with the 404 envelope', async () => {
    const app = await serve(fakeBuild());
    for (const url of [
      '/console/nope.js',
      '/console/assets',
      '/console/assets/nope.js',
      '/console/.env',
      '/console/..%2f..%2fpackage.json',
      '/console/assets/..%2f.env',
      '/console/assets/..%2f..%2fpackage.json',
      '/console/assets/sub/.hidden.js',
      '/console/../package.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/apps/index.html',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual(NOT_FOUND);
    }
  });

  it('without a build answers 503 with what to do, keeps the API answering, and recovers once built', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'countersign-console-')), 'dist');
    folders.push(join(root, '..'));
    const app = await serve(root);
    for (const url of ['/console', '/console/', '/console/manifest.webmanifest', '/console/assets/a.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(503);
      expect(response.json(), url).toEqual(NOT_BUILT);
    }
    expect((await app.inject({ method: 'GET', url: '/console/api/session' })).json()).toEqual({
      operator: null,
    });
    expect((await app.inject({ method: 'GET', url: '/console/api/nope' })).statusCode).toBe(404);

    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Built</title>');
    const built = await app.inject({ method: 'GET', url: '/console/' });
    expect(built.statusCode).toBe(200);
    expect(built.body).toContain('Built');
  });
});

describe('the built console', () => {
  const root = defaultConsoleRoot();
  const built = existsSync(join(root, 'index.html'));

  it('is built (run `npm run build -w @countersign/console`)', () => {
    expect(built).toBe(true);
  });

  it('has no inline script or style, which the CSP would block', () => {
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/assets\/[^"]+\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('has a manifest an install prompt accepts: scope, start URL, standalone, 192 and 512 px icons', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'manifest.webmanifest'), 'utf8')) as {
      scope: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string }[];
    };
    expect(manifest.scope).toBe('/console/');
    expect(manifest.start_url).toBe('/console/');
    expect(manifest.display).toBe('standalone');
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) expect(existsSync(join(root, icon.src)), icon.src).toBe(true);
  });
});

describe('the console in Chromium, signed out', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    const served = await fetch(`${server.url}/console/`);
    await served.arrayBuffer();
    if (served.status !== 200) {
      await server.close();
      throw new Error(
        `GET /console/ answered ${served.status}: build it first (npm run build -w @countersign/console)`,
      );
    }
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * Opens `/console/` in a fresh context that reaches nothing but the service, collecting page errors,
   * console errors and what the CSP refused. The service answers its session route 401 (no session), as it
   * does for any browser not signed in.
   */
  async function visit(colorScheme: 'light' | 'dark', viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ colorScheme, viewport, locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    const elsewhere: string[] = [];
    await context.route(
      (url) => url.origin !== server.url,
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort();
      },
    );
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // The session's 401 is how a signed-out browser learns it; anything else logged is a problem.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    const refusedSoFar = await watchPolicy(page);
    const served = await page.goto(`${server.url}/console/`);
    expect(served?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    const refused = await refusedSoFar();
    return { context, page, problems, refused, elsewhere };
  }

  it('with no session opens on the sign-in page: a passkey button and a labelled recovery-code form, nothing refused by the CSP', async () => {
    const { context, page, problems, refused, elsewhere } = await visit('light');
    try {
      await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).resolves.toBe(
        true,
      );
      await expect(page.getByLabel('Email', { exact: true }).isVisible()).resolves.toBe(true);
      await expect(page.getByLabel('Recovery code', { exact: true }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Use a recovery code' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('main').count()).resolves.toBe(1);
      // The page and its icons, styles and script all came from the service, under its policy.
      expect(refused).toEqual([]);
      expect(problems).toEqual([]);
      expect(elsewhere).toEqual([]);
      expect(await page.title()).toBe('Countersign Console');
      await screenshot(page, 'console', 'sign-in-light');
    } finally {
      await context.close();
    }
  });

  it('the sign-in page is keyboard-complete: Tab reaches the passkey button, then the recovery form', async () => {
    const { context, page } = await visit('light');
    try {
      const focused = async () =>
        page.evaluate(() => {
          const element = (
            globalThis as unknown as {
              document: { activeElement: { id: string; textContent: string } | null };
            }
          ).document.activeElement;
          return element === null ? '' : element.id || (element.textContent ?? '').trim();
        });
      const reached: string[] = [];
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press('Tab');
        reached.push(await focused());
      }
      expect(reached).toEqual([
        'Sign in with a passkey',
        'recovery-email',
        'recovery-code',
        'Use a recovery code',
      ]);
    } finally {
      await context.close();
    }
  });

  it.each(['light', 'dark'] as const)(
    'axe finds nothing critical or serious on the sign-in page (%s), which fits 320 px without scrolling sideways',
    async (colorScheme) => {
      const { context, page, refused } = await visit(colorScheme, { width: 320, height: 640 });
      try {
        const { blocking, rules } = await axeFindings(page);
        expect(blocking).toEqual([]);
        expect(rules).toBeGreaterThan(20);
        const overflow = await page.evaluate(() => {
          const root = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        expect(overflow).toBe(0);
        expect(refused).toEqual([]);
        await screenshot(page, 'console', `sign-in-320-${colorScheme}`);
      } finally {
        await context.close();
      }
    },
  );
});
