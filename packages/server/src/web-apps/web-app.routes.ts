import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';

/** Hashed build output never changes under its name; everything else must be revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** Where Vite writes the content-hashed files: the one folder served below the app's root. */
const ASSETS = 'assets/';
/** A file at the root of the build (`index.html`, `sw.js`, the manifest, the icons); never a dotfile. */
const ROOT_FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
/** A path below `assets/`: names as above, so no `..` and no dotfile, whatever the URL encoded. */
const ASSET_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** A web app built by Vite, and how the service serves it. */
export interface WebAppOptions {
  /** Where it is served, with a trailing slash (`/authenticator/`); its `base` in `vite.config.ts`. */
  readonly path: `/${string}/`;
  /** The folder holding the build (`index.html`, `assets/`, …). */
  readonly root: string;
  /** The Content-Security-Policy every answer carries. */
  readonly csp: string;
  /** The 503's message while `root` holds no build: what to run. */
  readonly notBuilt: string;
  /** A service worker at the root of the build, allowed the whole `path` as its scope. */
  readonly serviceWorker?: string;
}

/**
 * Serves a built web app at `path`: `index.html` for the path with and without its trailing slash, the
 * files at the root of the build, and `assets/`, all under `csp`. Nothing deeper than that is the app's,
 * so routes registered elsewhere below `path` (`/console/api/…`) never meet it, and an unknown one is the
 * service's 404, never the page. A missing build answers 503 and never stops the service.
 */
export async function registerWebApp(
  fastify: FastifyInstance,
  { path, root, csp, notBuilt, serviceWorker }: WebAppOptions,
): Promise<void> {
  // Encapsulated: the headers hook and `reply.sendFile` stay inside these routes.
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async () => {
      // Checked per request, so building the app while the service runs needs no restart.
      if (!existsSync(join(root, 'index.html'))) {
        throw new AuthyError('60000', { status: 503, message: notBuilt });
      }
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', csp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
      return payload;
    });

    await scope.register(fastifyStatic, {
      root,
      serve: false,
      index: false,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders(response, file) {
        const name = relative(root, file).split(sep).join('/');
        response.setHeader('cache-control', name.startsWith(ASSETS) ? IMMUTABLE : REVALIDATE);
        if (name === serviceWorker) response.setHeader('service-worker-allowed', path);
      },
    });

    // `sendFile` applies `setHeaders` above, so the page is revalidated like every unhashed file, and
    // confines every name to `root` (no `..`, no dotfiles).
    const route = { schema: { hide: true } };
    const sendIndex = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
    scope.get(path.slice(0, -1), route, sendIndex);
    // With `ignoreTrailingSlash` (the service's setting) the route above already answers both spellings.
    if (!scope.hasRoute({ method: 'GET', url: path })) scope.get(path, route, sendIndex);
    scope.get<{ Params: { file: string } }>(`${path}:file`, route, (request, reply) =>
      ROOT_FILE.test(request.params.file) ? reply.sendFile(request.params.file) : reply.callNotFound(),
    );
    scope.get<{ Params: { '*': string } }>(`${path}${ASSETS}*`, route, (request, reply) =>
      ASSET_PATH.test(request.params['*'])
        ? reply.sendFile(`${ASSETS}${request.params['*']}`)
        : reply.callNotFound(),
    );
  });
}
