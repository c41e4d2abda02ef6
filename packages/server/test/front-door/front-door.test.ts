/**
 * The service's front door (`GET /`: a page, not a JSON 404) and compression of what is worth compressing:
 * pages, scripts and JSON over a kilobyte, for the clients that ask.
 */
import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPhone, screenshot } from '../support/browser.js';
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

/** A GET through `node:http`, which (unlike fetch) shows the body as sent, encoded or not. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.url}${path}`, { headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes }),
      );
    });
    request.on('error', reject);
  });
}

describe('GET / is the front door', () => {
  it('answers a small HTML page that links to the authenticator, the API reference and /healthz', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-/,
    );
    const page = await response.text();
    for (const href of ['/authenticator/', '/docs', '/healthz', '/.well-known/jwks.json'])
      expect(page).toContain(`href="${href}"`);
    expect(page).toContain('<title>Countersign</title>');
    expect(page).toContain('<meta name="viewport"');
    expect(page).toContain('<meta name="description"');
  });

  it('is a real page in Chromium: its title, its links, and nothing blocked by its policy', async () => {
    const { context, page, problems } = await openPhone(browser);
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe('Countersign');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Countersign');
    // The style came through the hash in the policy: the page is laid out, not bare.
    expect(
      await page.locator('main').evaluate('getComputedStyle(document.querySelector("main")).maxWidth'),
    ).toBe('640px');
    await screenshot(page, 'front-door', '01-front-door');
    await page.getByRole('link', { name: 'Health' }).click();
    await page.waitForURL(`${server.url}/healthz`);
    expect(await page.locator('body').textContent()).toContain('"status":"ok"');
    expect(problems.messages).toEqual([]);
    await context.close();
  });
});

describe('compression (@fastify/compress)', () => {
  it('compresses the API reference’s JSON and the authenticator’s script for clients that ask', async () => {
    const plain = await rawGet('/docs/json');
    const gzip = await rawGet('/docs/json', { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.bytes).toBeLessThan(plain.bytes / 3);

    const index = await (await fetch(`${server.url}/authenticator/`)).text();
    const script = /src="(\/authenticator\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const br = await rawGet(script ?? '', { 'accept-encoding': 'br, gzip' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
  });

  it('leaves small answers as they are', async () => {
    const health = await rawGet('/healthz', { 'accept-encoding': 'gzip' });
    expect(health.status).toBe(200);
    expect(health.headers['content-encoding']).toBeUndefined();
  });
});
