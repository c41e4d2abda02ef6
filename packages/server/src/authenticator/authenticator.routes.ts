import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';

/** Where the service serves the authenticator, and the scope of its service worker. */
export const AUTHENTICATOR_PATH = '/authenticator/';

/**
 * The pages run only their own bundled scripts and styles and talk only to this origin: no inline script,
 * no eval, no framing, no plugins, no form posts. `worker-src` admits the service worker.
 * `'wasm-unsafe-eval'` lets the page compile WebAssembly — the backup's Argon2id (`hash-wasm`), which
 * ships inside the bundled script — and nothing else: JavaScript `eval` and `new Function` stay refused.
 */
export const AUTHENTICATOR_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed build output never changes under its name; everything else must be revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * The authenticator's build output, `packages/authenticator/dist`. The same relative path holds from this
 * file in `src/` and from its compiled copy in `dist/`.
 */
export function defaultAuthenticatorRoot(): string {
  return fileURLToPath(new URL('../../../authenticator/dist/', import.meta.url));
}

export interface AuthenticatorRouteOptions {
  /** The folder holding the built authenticator (`index.html`, `sw.js`, `assets/`…). */
  readonly root?: string;
}

const notBuilt = () =>
  new AuthyError('60000', {
    status: 503,
    message:
      'The authenticator is not built on this server. Build it with `npm run build -w @countersign/authenticator` and reload.',
  });

/**
 * Serves the built authenticator at `/authenticator/`: `index.html` for `/authenticator` and
 * `/authenticator/`, its assets, the manifest and `sw.js` (allowed the whole `/authenticator/` scope), all
 * under a strict Content-Security-Policy. A missing build answers 503 and never stops the service.
 */
export async function registerAuthenticatorRoutes(
  fastify: FastifyInstance,
  { root = defaultAuthenticatorRoot() }: AuthenticatorRouteOptions = {},
): Promise<void> {
  // Encapsulated: the headers hook and `reply.sendFile` stay inside these routes.
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async () => {
      // Checked per request, so building the authenticator while the service runs needs no restart.
      if (!existsSync(join(root, 'index.html'))) throw notBuilt();
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', AUTHENTICATOR_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
      return payload;
    });

    await scope.register(fastifyStatic, {
      root,
      prefix: AUTHENTICATOR_PATH,
      index: false,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders(response, path) {
        const name = relative(root, path).split(sep).join('/');
        response.setHeader('cache-control', name.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
        if (name === 'sw.js') response.setHeader('service-worker-allowed', AUTHENTICATOR_PATH);
      },
    });

    // `sendFile` applies `setHeaders` above, so the page is revalidated like every unhashed file.
    const sendIndex: RouteHandlerMethod = (_request, reply) => reply.sendFile('index.html');
    scope.get('/authenticator', { schema: { hide: true } }, sendIndex);
    // With `ignoreTrailingSlash` (the service's setting) the route above already answers both spellings.
    if (!scope.hasRoute({ method: 'GET', url: AUTHENTICATOR_PATH })) {
      scope.get(AUTHENTICATOR_PATH, { schema: { hide: true } }, sendIndex);
    }
  });
}
