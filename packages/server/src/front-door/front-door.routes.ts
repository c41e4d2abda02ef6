import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AUTHENTICATOR_PATH } from '../authenticator/authenticator.routes.js';

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fbfbfd; --muted: #57606a; --link: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --link: #6cb6ff; } }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 40rem; margin: 0 auto; padding: 2rem 1.25rem; }
h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
p, li { color: var(--muted); }
li { margin: .6rem 0; }
a { color: var(--link); font-weight: 600; }
code { font-size: .95em; }
`;

/** Only the page's own style, by hash, and the icon; nothing runs, nothing else loads. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="description" content="Countersign: self-hosted push approvals and two-factor codes that speak the Authy API.">
<link rel="icon" href="${AUTHENTICATOR_PATH}icon.svg" type="image/svg+xml">
<title>Countersign</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Countersign</h1>
<p>Push approvals and two-factor codes, self-hosted, speaking the Authy REST API.</p>
<ul>
<li><a href="${AUTHENTICATOR_PATH}">Authenticator</a>: approves requests and shows codes. Open an app’s enrollment link on your phone to set it up.</li>
<li><a href="/docs">API reference</a>: every route of the Authy API and of Countersign’s extensions.</li>
<li><a href="/healthz">Health</a>: whether this instance is up.</li>
<li><a href="/.well-known/jwks.json">Receipt keys</a>: the keys that verify the receipt of every answered request.</li>
</ul>
<p>Documentation comes with the source: <code>README.md</code> (start, test, operate, move from Authy),
<code>docs/device-protocol.md</code> (what a device sends and signs) and <code>docs/security.md</code>
(every security requirement and the test that proves it).</p>
</main>
</body>
</html>
`;

/**
 * `GET /`: a page that says what this is and where to go, instead of a 404; and `/favicon.ico`, which
 * browsers ask for on every page of the origin (the JSON ones too), pointing at the authenticator's icon.
 */
export function registerFrontDoor(fastify: FastifyInstance): void {
  fastify.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').redirect(`${AUTHENTICATOR_PATH}icon.svg`, 301),
  );
  fastify.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(PAGE),
  );
}
