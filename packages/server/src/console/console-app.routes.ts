import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { registerWebApp } from '../web-apps/web-app.routes.js';

/** Where the service serves the operator console; its JSON API lives below it, at `/console/api/`. */
export const CONSOLE_PATH = '/console/';

/**
 * The console runs only its own bundled scripts and styles and talks only to this origin. Stricter than
 * the authenticator's: everything not named is refused (`default-src 'none'`: no workers, fonts, media or
 * frames; no WebAssembly), and no script may write HTML into the page (Trusted Types with no policy), so
 * stored text an operator reads — request messages, details, names — can only ever be text.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/**
 * The console's build output, `packages/console/dist`. The same relative path holds from this file in
 * `src/` and from its compiled copy in `dist/`.
 */
export function defaultConsoleRoot(): string {
  return fileURLToPath(new URL('../../../console/dist/', import.meta.url));
}

export interface ConsoleAppRouteOptions {
  /** The folder holding the built console (`index.html`, `assets/`…). */
  readonly root?: string;
}

/**
 * Serves the built console at `/console/` (and `/console`), its assets and manifest, under `CONSOLE_CSP`.
 * Only those: its API's routes, registered elsewhere below `/console/api/`, are never answered with the
 * page. A missing build answers 503 and never stops the service.
 */
export function registerConsoleAppRoutes(
  fastify: FastifyInstance,
  { root = defaultConsoleRoot() }: ConsoleAppRouteOptions = {},
): Promise<void> {
  return registerWebApp(fastify, {
    path: CONSOLE_PATH,
    root,
    csp: CONSOLE_CSP,
    notBuilt:
      'The console is not built on this server. Build it with `npm run build -w @countersign/console` and reload.',
  });
}
