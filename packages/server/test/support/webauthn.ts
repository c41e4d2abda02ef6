import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startTestServer, type TestServer } from './harness.js';
import { freePort } from './processes.js';

/** The service, known by its PUBLIC_URL `http://localhost:PORT`, the origin and RP ID passkeys are made for. */
export interface PasskeySuite {
  readonly server: TestServer;
  readonly browser: Browser;
  readonly origin: string;
  /** Closes `contexts`, the browser and the service. */
  close(contexts: readonly BrowserContext[]): Promise<void>;
}

export async function startPasskeySuite(): Promise<PasskeySuite> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await startTestServer({ port, env: { PUBLIC_URL: origin } });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    origin,
    async close(contexts) {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A platform authenticator in Chromium, through the DevTools protocol's WebAuthn domain: it verifies the
 * user at once (as a fingerprint would) and keeps its credentials in the page's browser context only.
 */
export async function addVirtualAuthenticator(
  page: Page,
  { isUserVerified = true }: { isUserVerified?: boolean } = {},
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** The credentials an authenticator holds, with their signature counters. */
export async function virtualCredentials(session: {
  cdp: CDPSession;
  authenticatorId: string;
}): Promise<Array<{ credentialId: string; signCount: number; rpId?: string }>> {
  const { credentials } = await session.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: session.authenticatorId,
  });
  return credentials;
}

/** The page's WebAuthn, typed here because the tests' program has no DOM library. */
interface PageWebAuthn {
  PublicKeyCredential: {
    parseCreationOptionsFromJSON(json: unknown): unknown;
    parseRequestOptionsFromJSON(json: unknown): unknown;
  };
  navigator: {
    credentials: {
      create(options: { publicKey: unknown }): Promise<{ toJSON(): unknown }>;
      get(options: { publicKey: unknown }): Promise<{ toJSON(): unknown }>;
    };
  };
}

/** A passkey made in the page from creation options in their JSON form; returns the credential's JSON form. */
export function createPasskey(page: Page, options: unknown): Promise<Record<string, unknown>> {
  return page.evaluate(async (json) => {
    const web = globalThis as unknown as PageWebAuthn;
    const publicKey = web.PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return (await web.navigator.credentials.create({ publicKey })).toJSON() as Record<string, unknown>;
  }, options);
}

/** An assertion of the page's passkey over `challenge` (B64U); returns its JSON form. */
export function assertPasskey(
  page: Page,
  request: { challenge: string; rpId: string; credentialId: string },
): Promise<Record<string, unknown>> {
  return page.evaluate(async ({ challenge, rpId, credentialId }) => {
    const web = globalThis as unknown as PageWebAuthn;
    const publicKey = web.PublicKeyCredential.parseRequestOptionsFromJSON({
      challenge,
      rpId,
      allowCredentials: [{ id: credentialId, type: 'public-key' }],
      userVerification: 'required',
      timeout: 10_000,
    });
    return (await web.navigator.credentials.get({ publicKey })).toJSON() as Record<string, unknown>;
  }, request);
}
