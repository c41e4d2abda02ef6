import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startTestServer, type TestServer, type TestServerOptions } from './harness.js';

/** What an authenticator suite runs against: the real service serving the built app, and Chromium. */
export interface AuthenticatorSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** The browser contexts the suite opened: closed with it. */
  readonly contexts: BrowserContext[];
  /** Closes every context, the browser and the service. */
  close(): Promise<void>;
}

/**
 * Starts the service (with `options`) and Chromium for a suite of Chromium tests of the authenticator;
 * fails at once, saying so, when the authenticator was not built (the service serves `dist/`).
 */
export async function startAuthenticatorSuite(options: TestServerOptions = {}): Promise<AuthenticatorSuite> {
  const server = await startTestServer(options);
  const served = await fetch(`${server.url}/authenticator/`);
  await served.arrayBuffer();
  if (served.status !== 200) {
    await server.close();
    throw new Error(
      `GET /authenticator/ answered ${served.status}: build it first (npm run build -w @countersign/authenticator)`,
    );
  }
  const browser = await launchBrowser();
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    contexts,
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Waits (at most 4 s) until this moment is 2 s or more from either edge of a TOTP step of `periodSeconds`.
 * The page redraws its codes on a once-a-second tick, so a code read at the very start of a step can still
 * be the step before's: a test comparing a shown code with RFC 6238 reads it away from the edges.
 */
export async function awayFromStepEdge(periodSeconds: number): Promise<void> {
  const intoStep = () => (Date.now() / 1000) % periodSeconds;
  const deadline = Date.now() + 5_000;
  while ((intoStep() < 2 || intoStep() > periodSeconds - 2) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
