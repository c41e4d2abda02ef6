import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTHENTICATOR_CSP,
  defaultAuthenticatorRoot,
  registerAuthenticatorRoutes,
} from '../../src/authenticator/authenticator.routes.js';
import { installErrorHandling } from '../../src/http/error-handler.js';

const NOT_BUILT = {
  message:
    'The authenticator is not built on this server. Build it with `npm run build -w @countersign/authenticator` and reload.',
  success: false,
  errors: {
    message:
      'The authenticator is not built on this server. Build it with `npm run build -w @countersign/authenticator` and reload.',
  },
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

/** A folder shaped like the authenticator's build output. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'countersign-authenticator-'));
  folders.push(root);
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>A</title><script type="module" src="x.js"></script>',
  );
  writeFileSync(join(root, 'sw.js'), 'self.addEventListener("push", () => {});');
  writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"Countersign"}');
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log(1);');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  return root;
}

/** The service's router settings (`ignoreTrailingSlash`), its error handler, and the authenticator routes. */
async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  apps.push(app);
  installErrorHandling(app);
  await registerAuthenticatorRoutes(app, { root });
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.ready();
  return app;
}

describe('serving the authenticator', () => {
  it('answers /authenticator and /authenticator/ with index.html, revalidated, under the strict CSP', async () => {
    const app = await serve(fakeBuild());
    for (const url of ['/authenticator', '/authenticator/']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(AUTHENTICATOR_CSP);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.body).toContain('<title>A</title>');
    }
  });

  it('the CSP admits only this origin, no inline script or style, and no eval of JavaScript (WebAssembly only)', () => {
    const directives = new Map(
      AUTHENTICATOR_CSP.split('; ').map((directive) => {
        const [name = '', ...values] = directive.split(' ');
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    // 'wasm-unsafe-eval' compiles WebAssembly (the backup's Argon2id), and allows no JavaScript eval.
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(AUTHENTICATOR_CSP.replace(" 'wasm-unsafe-eval'", '')).not.toContain('unsafe');
  });

  it('serves sw.js allowed the whole /authenticator/ scope and never cached stale', async () => {
    const app = await serve(fakeBuild());
    const response = await app.inject({ method: 'GET', url: '/authenticator/sw.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(response.headers['service-worker-allowed']).toBe('/authenticator/');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toBe(AUTHENTICATOR_CSP);
  });

  it('serves hashed assets as immutable and the manifest as a revalidated manifest', async () => {
    const app = await serve(fakeBuild());
    const asset = await app.inject({ method: 'GET', url: '/authenticator/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['service-worker-allowed']).toBeUndefined();
    const manifest = await app.inject({ method: 'GET', url: '/authenticator/manifest.webmanifest' });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('answers unknown files, dotfiles and escapes from the folder with the 404 envelope', async () => {
    const app = await serve(fakeBuild());
    for (const url of [
      '/authenticator/nope.js',
      '/authenticator/.env',
      '/authenticator/../package.json',
      '/authenticator/%2e%2e/%2e%2e/package.json',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual(NOT_FOUND);
    }
  });

  it('without a build answers 503 with what to do, keeps serving the API, and recovers once built', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'countersign-authenticator-')), 'dist');
    folders.push(join(root, '..'));
    const app = await serve(root);
    for (const url of ['/authenticator', '/authenticator/', '/authenticator/sw.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(503);
      expect(response.json(), url).toEqual(NOT_BUILT);
    }
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });

    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Built</title>');
    const built = await app.inject({ method: 'GET', url: '/authenticator/' });
    expect(built.statusCode).toBe(200);
    expect(built.body).toContain('Built');
  });

  it('looks for the build in packages/authenticator/dist by default', () => {
    const expected = fileURLToPath(new URL('../../../authenticator/dist/', import.meta.url));
    expect(defaultAuthenticatorRoot()).toBe(expected);
  });
});

describe('the built authenticator', () => {
  const root = defaultAuthenticatorRoot();
  const built = existsSync(join(root, 'index.html'));

  it('is built (run `npm run build -w @countersign/authenticator`)', () => {
    expect(built).toBe(true);
  });

  it('has no inline script or style, which the CSP would block', () => {
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/authenticator\/assets\/[^"]+\.js"/);
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
      icons: { src: string; sizes: string; type: string }[];
    };
    expect(manifest.scope).toBe('/authenticator/');
    expect(manifest.start_url).toBe('/authenticator/');
    expect(manifest.display).toBe('standalone');
    const sizes = manifest.icons.map((icon) => icon.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) expect(existsSync(join(root, icon.src)), icon.src).toBe(true);
  });

  it('has a service worker that precaches exactly the shell it was built with', () => {
    const worker = readFileSync(join(root, 'sw.js'), 'utf8');
    expect(worker).not.toContain('__SHELL_FILES__');
    expect(worker).not.toMatch(/^\s*(import|export)\b/m);
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    for (const [, asset] of html.matchAll(/\/authenticator\/(assets\/[^"]+)"/g)) {
      expect(worker).toContain(`"${asset}"`);
    }
  });
});
