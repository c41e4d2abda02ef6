// The console's pages in headless Chromium, served by the service's own routes, against a stand-in of its
// API that answers as docs/console-api.md says (the API itself is built and tested on its own; the
// integrator's tests run the two together). What is checked is the page's side of the contract: setup
// registers a passkey and shows the codes once, sign-in uses the passkey, every change carries the CSRF
// token, a dangerous change runs the step-up and is retried, the live feed merges into the list, a receipt
// is checked in the page against the published keys, charts draw under the strict CSP, a viewer sees no
// change control, and axe finds nothing serious.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, registerConsoleAppRoutes } from '../../src/console/console-app.routes.js';
import { installErrorHandling } from '../../src/http/error-handler.js';
import { axeFindings } from '../support/axe.js';
import { launchBrowser, screenshot, watchPolicy } from '../support/browser.js';
import { freePort } from '../support/free-port.mjs';
import { addVirtualAuthenticator } from '../support/webauthn.js';

const CSRF = 'csrf-token-of-this-session';
const EMAIL = 'ops@example.test';
const RLO = '\u202e';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly csrf: string | undefined;
  readonly body: unknown;
}

const envelope = (status: number, code: string, message: string) => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify({ message, success: false, errors: { message }, error_code: code }),
});
const json = (body: unknown, status = 200) => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});
const challenge = () => Buffer.from(randomUUID()).toString('base64url');

const APP = {
  id: 1,
  name: 'Countersign Bank',
  number_matching: 'off',
  callback_url: null,
  token_length: 6,
  sms_per_hour: null,
  sms_per_day: null,
  sms_countries: null,
  user_verification: 'preferred',
  created_at: '2026-12-01T10:00:00.000Z',
  disabled_at: null,
};

const hours = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2026, 11, 5, i)).toISOString());
const series = (seed: number) => hours.map((_, i) => (i * seed) % 7);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const OVERVIEW = (() => {
  const s = {
    approvals: { approved: series(3), denied: series(1), expired: series(2), pending: series(0) },
    totp: { accepted: series(5), refused: series(1) },
    sms: { accepted: series(2), refused: series(1) },
    codes_sent: { sms: series(2), call: series(0) },
    callbacks: { delivered: series(3), failed: series(1) },
    lockouts: series(1),
    not_me: series(0),
  };
  const totals = Object.fromEntries(
    Object.entries(s).map(([name, value]) => [
      name,
      Array.isArray(value)
        ? sum(value)
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sum(v)])),
    ]),
  );
  return {
    range: 'day',
    generated_at: '2026-12-06T00:00:00.000Z',
    buckets: hours,
    series: s,
    totals,
    answer_time_ms: { median: 2300, p95: 9100 },
  };
})();

/** WebAuthn creation options for the operator's passkey, as the API sends them (UV required, discoverable). */
const creationOptions = () => ({
  challenge: challenge(),
  rp: { id: 'localhost', name: 'Countersign Console' },
  user: { id: Buffer.from('op-1').toString('base64url'), name: EMAIL, displayName: EMAIL },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  timeout: 10_000,
  attestation: 'none',
});

/** The console API as the contract describes it, in memory, with every call it was sent. */
class StandInApi {
  readonly calls: Call[] = [];
  role: 'admin' | 'viewer' = 'admin';
  signedIn = false;
  fresh = false;
  credentialId: string | undefined;
  requests: Record<string, unknown>[] = [];
  feed: Record<string, unknown>[] = [];

  constructor(
    readonly origin: string,
    readonly jwks: { keys: JWK[] },
  ) {}

  private operator() {
    return { id: 'op-1', email: EMAIL, role: this.role };
  }

  async handle(route: Route): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname === '/.well-known/jwks.json') return route.fulfill(json(this.jwks));
    const path = url.pathname.replace(/^\/console\/api/, '');
    const method = request.method();
    const body =
      request.postData() === null ? undefined : (request.postDataJSON() as Record<string, unknown>);
    this.calls.push({ method, path, csrf: request.headers()['x-csrf-token'], body });
    const key = `${method} ${path}`;
    const response = (body ?? {}) as { response?: { id?: string }; token?: string };

    // Public routes.
    if (key === 'GET /session') {
      if (!this.signedIn) return route.fulfill(envelope(401, '60040', 'Sign in'));
      return route.fulfill(
        json({
          operator: this.operator(),
          csrf_token: CSRF,
          expires_at: '2026-12-06T12:00:00.000Z',
          idle_expires_at: '2026-12-06T00:30:00.000Z',
          fresh_until: null,
        }),
      );
    }
    if (key === 'POST /setup/options') {
      if (response.token !== 'setup-token-123') return route.fulfill(envelope(404, '60000', 'Not found'));
      return route.fulfill(
        json({
          email: EMAIL,
          options: creationOptions(),
        }),
      );
    }
    if (key === 'POST /sign-in/recovery') {
      const { email, code } = (body ?? {}) as { email?: string; code?: string };
      if (email !== EMAIL || code !== 'recovery-code-1') return route.fulfill(envelope(401, '60044', 'No'));
      this.signedIn = true;
      return route.fulfill(json({ operator: this.operator() }));
    }
    if (key === 'POST /setup') {
      this.credentialId = response.response?.id;
      this.signedIn = true;
      const codes = Array.from({ length: 10 }, (_, i) => `code-${i}-${randomUUID().slice(0, 8)}`);
      return route.fulfill(json({ operator: this.operator(), recovery_codes: codes }));
    }
    if (key === 'POST /sign-in/options') {
      return route.fulfill(
        json({
          options: {
            challenge: challenge(),
            rpId: 'localhost',
            userVerification: 'required',
            timeout: 10_000,
          },
        }),
      );
    }
    if (key === 'POST /sign-in') {
      if (this.credentialId === undefined || response.response?.id !== this.credentialId) {
        return route.fulfill(envelope(401, '60044', 'That passkey did not verify'));
      }
      this.signedIn = true;
      return route.fulfill(json({ operator: this.operator() }));
    }

    if (!this.signedIn) return route.fulfill(envelope(401, '60040', 'Sign in'));
    if (method !== 'GET' && request.headers()['x-csrf-token'] !== CSRF) {
      return route.fulfill(envelope(403, '60031', 'Refused'));
    }
    if (key === 'POST /sign-out') {
      this.signedIn = false;
      return route.fulfill({ status: 204 });
    }
    if (key === 'POST /passkeys/options') return route.fulfill(json({ options: creationOptions() }));
    if (key === 'POST /passkeys') {
      this.credentialId = response.response?.id;
      return route.fulfill(json({ passkeys: 1 }));
    }
    if (key === 'POST /step-up/options') {
      return route.fulfill(
        json({
          options: {
            challenge: challenge(),
            rpId: 'localhost',
            allowCredentials: [{ id: this.credentialId, type: 'public-key' }],
            userVerification: 'required',
            timeout: 10_000,
          },
        }),
      );
    }
    if (key === 'POST /step-up') {
      if (response.response?.id !== this.credentialId) return route.fulfill(envelope(401, '60044', 'No'));
      this.fresh = true;
      return route.fulfill(json({ fresh_until: '2026-12-06T00:05:00.000Z' }));
    }
    if (key === 'GET /overview') return route.fulfill(json(OVERVIEW));
    if (key === 'GET /apps') return route.fulfill(json({ apps: [APP] }));
    if (key === 'GET /apps/1') return route.fulfill(json({ app: APP }));
    if (method !== 'GET' && this.role === 'viewer')
      return route.fulfill(envelope(403, '60031', 'Viewers change nothing'));
    if (key === 'POST /apps') {
      const name = String((body as { name?: unknown }).name);
      return route.fulfill(json({ app: { ...APP, id: 2, name }, api_key: 'new-app-key-0123456789' }, 201));
    }
    if (key === 'POST /apps/1/rotate-key') {
      if (!this.fresh) return route.fulfill(envelope(403, '60042', 'Confirm with your passkey'));
      return route.fulfill(json({ app: APP, api_key: 'rotated-key-9876543210' }));
    }
    if (key === 'GET /requests') return route.fulfill(json({ requests: this.requests }));
    if (key === 'GET /requests/feed') {
      const events = this.feed.map((doc) => `event: request\ndata: ${JSON.stringify(doc)}\n\n`).join('');
      // A long retry: the stand-in's stream ends after its events, and the test needs no reconnection.
      return route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `retry: 3600000\n\n${events}`,
      });
    }
    const detail = /^\/requests\/([^/]+)$/.exec(path);
    if (method === 'GET' && detail !== null) {
      const found = this.requests.find((doc) => doc.uuid === decodeURIComponent(detail[1] ?? ''));
      return route.fulfill(
        found === undefined ? envelope(404, '60000', 'Not found') : json({ request: found }),
      );
    }
    return route.fulfill(envelope(404, '60000', 'Not found'));
  }
}

let app: FastifyInstance;
let browser: Browser;
let origin: string;
/** A private key as jose makes it. */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let serviceKey: SigningKey;
let otherKey: SigningKey;
let jwks: { keys: JWK[] };
let kid: string;

beforeAll(async () => {
  app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  installErrorHandling(app);
  await registerConsoleAppRoutes(app);
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  // `localhost`, not the address: a passkey's RP ID is a host name, and localhost is a secure context.
  origin = `http://localhost:${port}`;
  const served = await fetch(`http://127.0.0.1:${port}/console/`);
  await served.arrayBuffer();
  if (served.status !== 200) {
    throw new Error(
      `GET /console/ answered ${served.status}: build it first (npm run build -w @countersign/console)`,
    );
  }
  const pair = await generateKeyPair('ES256');
  serviceKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk = await exportJWK(pair.publicKey);
  kid = await calculateJwkThumbprint(publicJwk);
  jwks = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A receipt as the service signs one (compact JWS, ES256, typ countersign-receipt+jwt). */
async function receipt(payload: Record<string, unknown>, key: SigningKey = serviceKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'countersign-receipt+jwt' })
    .sign(key);
}

interface Visit {
  context: BrowserContext;
  page: Page;
  api: StandInApi;
  problems: string[];
  refused: () => Promise<string[]>;
}

/** A fresh browser context whose `/console/api/` and JWKS are the stand-in; nothing else leaves the service. */
async function open(
  setup: (api: StandInApi) => void = () => undefined,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<Visit> {
  const context = await browser.newContext({
    colorScheme,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  context.setDefaultTimeout(10_000);
  const api = new StandInApi(origin, jwks);
  setup(api);
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort(),
  );
  await context.route(
    (url) => url.pathname.startsWith('/console/api/') || url.pathname === '/.well-known/jwks.json',
    (route) => api.handle(route),
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Refusals the console handles (no session yet, a step-up asked for) are logged by Chromium as failed loads.
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) problems.push(message.text());
  });
  const refused = await watchPolicy(page);
  return { context, page, api, problems, refused };
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });

describe('the console against a stand-in of its API', () => {
  it('setup registers a passkey and shows ten codes once; sign-out, passkey sign-in; a key rotation runs the step-up and is retried, every change carrying the CSRF token', async () => {
    const { context, page, api, problems, refused } = await open();
    try {
      await addVirtualAuthenticator(page);
      const served = await page.goto(`${origin}/console/#/setup/setup-token-123`);
      expect(served?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
      await heading(page, 'Set up your console account').waitFor();
      await page.getByText(`You were invited as ${EMAIL}`).waitFor();
      // The token left the address bar once read.
      expect(page.url()).not.toContain('setup-token-123');
      await page.getByRole('button', { name: 'Register a passkey' }).click();
      await heading(page, 'Save your recovery codes').waitFor();
      await expect(
        page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count(),
      ).resolves.toBe(10);
      expect(api.calls.find((call) => call.path === '/setup')?.body).toMatchObject({
        token: 'setup-token-123',
        response: { id: api.credentialId, type: 'public-key' },
      });
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await heading(page, 'Overview').waitFor();
      await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link').count()).resolves.toBe(
        9,
      );

      await page.getByRole('button', { name: 'Sign out' }).click();
      await heading(page, 'Sign in').waitFor();
      await page.getByText('You signed out.').waitFor();
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await heading(page, 'Overview').waitFor();

      await page.goto(`${origin}/console/#/apps/1`);
      await heading(page, APP.name).waitFor();
      const before = api.calls.length;
      await page.getByRole('button', { name: 'Rotate the key' }).click();
      await page.getByText('rotated-key-9876543210').waitFor();
      expect(api.calls.slice(before).map((call) => `${call.method} ${call.path} ${call.csrf}`)).toEqual([
        `POST /apps/1/rotate-key ${CSRF}`,
        `POST /step-up/options ${CSRF}`,
        `POST /step-up ${CSRF}`,
        `POST /apps/1/rotate-key ${CSRF}`,
      ]);
      expect(api.calls.at(-1)?.body).toEqual({ grace_seconds: 3600 });
      expect(await refused()).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a recovery-code sign-in offers a new passkey at once, and registers it', async () => {
    const { context, page, api, problems } = await open();
    try {
      await addVirtualAuthenticator(page);
      await page.goto(`${origin}/console/`);
      await heading(page, 'Sign in').waitFor();
      await page.getByLabel('Email', { exact: true }).fill(EMAIL);
      await page.getByLabel('Recovery code', { exact: true }).fill(' recovery-code-1 ');
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByRole('heading', { name: 'You signed in with a recovery code' }).waitFor();
      expect(api.calls.find((call) => call.path === '/sign-in/recovery')?.body).toEqual({
        email: EMAIL,
        code: 'recovery-code-1',
      });
      await page.getByRole('button', { name: 'Register a new passkey' }).click();
      await page.getByText('Your new passkey is registered.').waitFor();
      const registered = api.calls.find((call) => call.path === '/passkeys');
      expect(registered?.csrf).toBe(CSRF);
      expect(registered?.body).toMatchObject({ response: { id: api.credentialId, type: 'public-key' } });
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(
        page.getByRole('heading', { name: 'You signed in with a recovery code' }).count(),
      ).resolves.toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('at 320 px the signed-in pages wrap instead of scrolling sideways (wide tables scroll inside themselves), with no serious axe finding', async () => {
    const { context, page } = await open((stand) => {
      stand.signedIn = true;
      stand.requests = [
        {
          uuid: randomUUID(),
          app_id: 1,
          app_name: APP.name,
          authy_id: 42,
          status: 'pending',
          message: 'A rather long message that has to wrap on a narrow phone screen somewhere',
          created_at: '2026-12-05T10:00:00.000Z',
        },
      ];
    });
    try {
      await page.setViewportSize({ width: 320, height: 640 });
      for (const [hash, name] of [
        ['#/overview', 'Overview'],
        ['#/apps', 'Apps'],
        ['#/apps/1', APP.name],
        ['#/requests', 'Requests'],
        ['#/users', 'Users'],
      ] as const) {
        await page.goto(`${origin}/console/${hash}`);
        await heading(page, name).waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => {
          const root = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        expect(overflow, hash).toBe(0);
        expect((await axeFindings(page)).blocking, hash).toEqual([]);
        await screenshot(page, 'console', `320-${hash.slice(2).replace('/', '-')}`);
      }
    } finally {
      await context.close();
    }
  });

  it('an ended session (401 60040) sends the operator to sign in, saying so', async () => {
    const { context, page, api } = await open((stand) => {
      stand.signedIn = true;
    });
    try {
      await page.goto(`${origin}/console/#/apps`);
      await heading(page, 'Apps').waitFor();
      api.signedIn = false;
      await page.getByLabel('Name', { exact: true }).fill('Another app');
      await page.getByRole('button', { name: 'Create the app' }).click();
      await heading(page, 'Sign in').waitFor();
      await page.getByText('Your session ended. Sign in again.').waitFor();
    } finally {
      await context.close();
    }
  });

  it('an admin creates an app: the change carries the CSRF token, and the key is shown once with a copy button', async () => {
    const { context, page, api, problems } = await open((stand) => {
      stand.signedIn = true;
    });
    try {
      await page.goto(`${origin}/console/#/apps`);
      await heading(page, 'Apps').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Shop');
      await page.getByLabel('Countries codes may be sent to').fill('us, fr');
      await page.getByRole('button', { name: 'Create the app' }).click();
      await page.getByText('new-app-key-0123456789').waitFor();
      await expect(page.getByRole('button', { name: 'Copy the key' }).isVisible()).resolves.toBe(true);
      const create = api.calls.find((call) => call.method === 'POST' && call.path === '/apps');
      expect(create?.csrf).toBe(CSRF);
      expect(create?.body).toEqual({
        name: 'Shop',
        number_matching: 'off',
        callback_url: null,
        token_length: 6,
        sms_per_hour: null,
        sms_per_day: null,
        sms_countries: ['US', 'FR'],
        user_verification: 'preferred',
      });
      // Reads carry no token: it is for changes only.
      expect(api.calls.filter((call) => call.method === 'GET').every((call) => call.csrf === undefined)).toBe(
        true,
      );
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a viewer sees an app's settings and no control that changes them", async () => {
    const { context, page } = await open((stand) => {
      stand.signedIn = true;
      stand.role = 'viewer';
    });
    try {
      await page.goto(`${origin}/console/#/apps/1`);
      await heading(page, APP.name).waitFor();
      await page.getByText('Code length').waitFor();
      await expect(page.locator('main input, main select, main button').count()).resolves.toBe(0);
      await page.goto(`${origin}/console/#/apps`);
      await heading(page, 'Apps').waitFor();
      await expect(page.getByRole('button', { name: 'Create the app' }).count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it.each(['light', 'dark'] as const)(
    'the overview draws its counters and five charts under the CSP, and axe finds nothing serious (%s)',
    async (colorScheme) => {
      const { context, page, problems, refused } = await open((stand) => {
        stand.signedIn = true;
      }, colorScheme);
      try {
        await page.goto(`${origin}/console/#/overview`);
        await heading(page, 'Overview').waitFor();
        await page.locator('.chart canvas').nth(4).waitFor();
        await expect(page.locator('.chart canvas').count()).resolves.toBe(5);
        const approved = page.getByRole('list', { name: 'Totals' }).getByRole('listitem').first();
        await expect(approved.textContent()).resolves.toBe(`${sum(series(3))}Approved`);
        const { blocking } = await axeFindings(page);
        expect(blocking).toEqual([]);
        expect(await refused()).toEqual([]);
        expect(problems).toEqual([]);
        await screenshot(page, 'console', `overview-${colorScheme}`);
      } finally {
        await context.close();
      }
    },
  );

  it('the request list merges the live feed; a detail shows stored text isolated and marked, and checks its receipt in the page', async () => {
    const uuid = randomUUID();
    const forged = randomUUID();
    const base = { app_id: 1, app_name: APP.name, authy_id: 42, details: { Amount: '€ 120' } };
    const visit = await open((stand) => {
      stand.signedIn = true;
      stand.requests = [
        {
          ...base,
          uuid,
          status: 'approved',
          message: `Pay ${RLO}evil`,
          created_at: '2026-12-05T10:00:00.000Z',
          device_id: 'dev-1',
          uv: true,
        },
        {
          ...base,
          uuid: forged,
          status: 'approved',
          message: 'Forged',
          created_at: '2026-12-05T09:00:00.000Z',
        },
      ];
      stand.feed = [
        {
          ...base,
          uuid: randomUUID(),
          status: 'pending',
          message: 'Live one',
          created_at: '2026-12-05T11:00:00.000Z',
        },
      ];
    });
    try {
      const { page: p, api } = visit;
      api.requests[0] = { ...api.requests[0], receipt: await receipt({ sub: uuid, status: 'approved' }) };
      api.requests[1] = {
        ...api.requests[1],
        receipt: await receipt({ sub: forged, status: 'approved' }, otherKey),
      };
      await p.goto(`${origin}/console/#/requests`);
      await heading(p, 'Requests').waitFor();
      await p.getByRole('link', { name: 'Live one' }).waitFor();
      await p.getByText('1 request arrived or changed since you opened this list.').waitFor();
      const rows = p.locator('tbody tr');
      await expect(rows.count()).resolves.toBe(3);
      await expect(rows.first().getByRole('link').first().textContent()).resolves.toBe('Live one');

      await p.getByRole('link', { name: /^Pay/ }).click();
      await heading(p, 'Request').waitFor();
      const message = p.locator('.message bdi');
      await expect(message.textContent()).resolves.toBe('Pay ⟨U+202E⟩evil');
      await p.getByText('Receipt verified').waitFor();

      await p.goto(`${origin}/console/#/requests/${forged}`);
      // Signed under the service's key id by another key: the signature is what fails.
      await p
        .getByText('Receipt not verified: The signature does not verify with the service’s published key.')
        .waitFor();
      expect(await visit.refused()).toEqual([]);
      expect(visit.problems).toEqual([]);
    } finally {
      await visit.context.close();
    }
  });
});
