import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { registerWebApp } from '../web-apps/web-app.routes.js';

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

/**
 * Serves the built authenticator at `/authenticator/`: `index.html` for `/authenticator` and
 * `/authenticator/`, its assets, the manifest and `sw.js` (allowed the whole `/authenticator/` scope), all
 * under a strict Content-Security-Policy. A missing build answers 503 and never stops the service.
 */
export function registerAuthenticatorRoutes(
  fastify: FastifyInstance,
  { root = defaultAuthenticatorRoot() }: AuthenticatorRouteOptions = {},
): Promise<void> {
  return registerWebApp(fastify, {
    path: AUTHENTICATOR_PATH,
    root,
    csp: AUTHENTICATOR_CSP,
    notBuilt:
      'The authenticator is not built on this server. Build it with `npm run build -w @countersign/authenticator` and reload.',
    serviceWorker: 'sw.js',
  });
}
