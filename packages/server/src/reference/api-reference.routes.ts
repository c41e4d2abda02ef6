import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { AUTHENTICATOR_PATH } from '../authenticator/authenticator.routes.js';
import { finishDocument } from './openapi-document.js';

/** Where the reference lives; the OpenAPI document is `/docs/json`, the renderer's script `/docs/js/scalar.js`. */
export const REFERENCE_PATH = '/docs';
const DOCUMENT_PATH = `${REFERENCE_PATH}/json`;
const SCRIPT_PATH = `${REFERENCE_PATH}/js/scalar.js`;

/**
 * What the renderer may do: no fonts, telemetry, AI agent, MCP button or developer tools, all of which
 * would reach other hosts (this page must work offline); the document comes from this origin. Its search
 * dialog and its request client are left out: their controls miss ARIA states and names (axe-core finds
 * critical violations in them), and the sidebar lists every route anyway.
 */
const RENDERER_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: 'never',
  mcp: { disabled: true },
  agent: { disabled: true },
  hideClientButton: true,
  hideTestRequestButton: true,
  hideSearch: true,
  documentDownloadType: 'json',
  defaultOpenAllTags: true,
};

/**
 * Corrections to the renderer's own styles, for WCAG 2.2 AA (axe-core: no critical or serious finding):
 * text colours with a contrast of at least 4.5:1 on every background the renderer draws, in light and in
 * dark mode; copy buttons whose label exists before they are hovered; targets of at least 24 px; lists
 * of operations that wrap their long paths rather than scroll (a scrolling region must be focusable).
 */
const STYLE = `
.light-mode {
  --scalar-color-2: #4b4b4b;
  --scalar-color-3: #5c5c5c;
  --scalar-color-blue: #005a9e;
  --scalar-color-green: #0b6b3a;
  --scalar-color-orange: #a33d00;
  --scalar-color-red: #b3261e;
  --scalar-color-yellow: #7a5a00;
  --scalar-color-purple: #6b3fa0;
  --scalar-sidebar-color-2: #4b4b4b;
}
.dark-mode {
  --scalar-color-2: #c8c8c8;
  --scalar-color-3: #b4b4b4;
  --scalar-color-blue: #7cc4ff;
  --scalar-color-green: #6fd39b;
  --scalar-color-orange: #ffab70;
  --scalar-color-red: #ff9e97;
  --scalar-color-yellow: #f2cc60;
  --scalar-color-purple: #d2a8ff;
  --scalar-sidebar-color-2: #c8c8c8;
}
.scalar-code-copy .sr-only .hidden { display: inline; }
.t-doc__sidebar button[aria-expanded] { min-width: 24px; min-height: 24px; }
/* Above the renderer's own .endpoints[data-v-…] rule: a long tag's list grows with the card rather than scrolling in it. */
ul.endpoints[class] { overflow: visible; }
.scalar-card-content:has(ul.endpoints) { max-height: none; overflow: visible; }
ul.endpoints .endpoint-path { white-space: normal; overflow-wrap: anywhere; }
`;

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}

/**
 * The page: our own, so that it has a language, a title and a description, runs no inline script, and
 * loads only from this origin. The renderer reads its document URL and configuration from the
 * `#api-reference` element (a data block, which never runs).
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="The API of Countersign: the Authy REST API, self-hosted, and its extensions.">
<link rel="icon" href="${AUTHENTICATOR_PATH}icon.svg" type="image/svg+xml">
<title>Countersign API reference</title>
<style>${STYLE}</style>
</head>
<body>
<noscript><p>This reference needs JavaScript. The OpenAPI document it shows is at <a href="${DOCUMENT_PATH}">${DOCUMENT_PATH}</a>.</p></noscript>
<script id="api-reference" type="application/json" data-url="${DOCUMENT_PATH}" data-configuration="${escapeAttribute(JSON.stringify(RENDERER_CONFIGURATION))}"></script>
<script src="${SCRIPT_PATH}"></script>
</body>
</html>
`;

/**
 * Scripts from this origin only, and nothing loaded from elsewhere. Styles may be inline: the renderer
 * writes `<style>` elements and `style` attributes of its own (code blocks, its components), and the page
 * shows only this service's document, so there is no one else's markup to style.
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const servePage: RouteHandlerMethod = async (_request, reply) =>
  reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(PAGE);

/**
 * The OpenAPI document of every route (`/docs/json`, made by @fastify/swagger from the route schemas as
 * they are registered: call this before any route) and the page that shows it (`/docs`, rendered by
 * Scalar's API reference, whose script this service serves itself).
 */
export async function registerApiReference(fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Countersign API',
        version: '0.1.0',
        description:
          'The Authy REST API, self-hosted, and its extensions. Parameters may arrive in the query string or in the body, as JSON or as a form (`user[email]=…`), whatever the method. Every answer is compact JSON; every refusal is the Authy envelope `{message, success:false, errors:{message,…}, error_code}` with a string `error_code`. The Twilio Verify v2 routes (`/v2`, tag `verify v2`) take Twilio’s PascalCase form fields and HTTP Basic auth, and refuse in Twilio’s envelope `{code, message, more_info, status}`.',
      },
      tags: [
        { name: 'users', description: 'An app’s users: register, status, remove, activities, TOTP secrets' },
        { name: 'tokens', description: 'TOTP, SMS and voice codes: send and verify' },
        { name: 'approvals', description: 'OneTouch approval requests: create, read, wait, stream' },
        { name: 'phones', description: 'Phone verification and phone number information' },
        { name: 'app', description: 'The calling app: details and monthly statistics' },
        { name: 'devices', description: 'Enrollment links for Countersign’s authenticator' },
        { name: 'device protocol', description: 'What the authenticator calls (docs/device-protocol.md)' },
        { name: 'operations', description: 'Liveness, readiness and the keys that verify receipts' },
        {
          name: 'verify v2',
          description:
            'Twilio Verify v2, as the `twilio` npm package calls it (first slice: services, verifications, checks). Form fields in PascalCase; refusals in Twilio’s envelope `{code, message, more_info, status}`.',
        },
      ],
      components: {
        securitySchemes: {
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Authy-API-Key' },
          apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
          accountSidAndKey: {
            type: 'http',
            scheme: 'basic',
            description:
              'Twilio Verify v2 (`/v2`): the app’s Account SID as the user name, its API key as the password',
          },
        },
      },
    },
    transformObject: (document) =>
      'openapiObject' in document ? finishDocument(document.openapiObject) : document.swaggerObject,
  });
  fastify.get(DOCUMENT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(fastify.swagger()),
  );
  // Scalar's plugin serves its script; its page is replaced by ours (above) as the route is added.
  await fastify.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      if (route.url === `${REFERENCE_PATH}/`) route.handler = servePage;
      if (route.url === SCRIPT_PATH) {
        route.onSend = async (_request, reply, payload) => {
          reply.header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff');
          return payload;
        };
      }
    });
    await scope.register(scalar, {
      routePrefix: REFERENCE_PATH,
      configuration: { url: DOCUMENT_PATH },
    });
  });
}
