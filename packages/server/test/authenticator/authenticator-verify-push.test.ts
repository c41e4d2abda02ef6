// Verify v2 push, end to end in headless Chromium (issue 19): an app using the real `twilio` package makes an
// entity's access token, the web authenticator enrolls with the token's link, the push factor is listed, a
// challenge with fields is shown on the phone exactly like an Authy approval request, approved there, and
// `challenges(…).fetch()` reads `approved`, and the service's webhook arrives, accepted by the package's own
// `validateRequest`.
import type { Browser, BrowserContext } from 'playwright-core';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticatorSuite, startAuthenticatorSuite } from '../support/authenticator-suite.js';
import { openPhone } from '../support/browser.js';
import type { TestServer } from '../support/harness.js';
import { twilioClient } from '../verify/twilio-support.js';
import { startReceiver } from '../webhooks/receiver.js';

let server: TestServer;
let browser: Browser;
let contexts: BrowserContext[] = [];
let suite: AuthenticatorSuite | undefined;
let client: ReturnType<typeof twilioClient>;
let apiKey: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  suite = await startAuthenticatorSuite({ env: { COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  ({ server, browser, contexts } = suite);
  const app = await server.createApp({ name: 'Verify Bank' });
  apiKey = app.apiKey;
  client = twilioClient(server, app.accountSid, app.apiKey);
}, 60_000);

afterAll(async () => {
  await suite?.close();
  await receiver?.close();
});

/** Polls until the value matches (bounded): the page and the service answer on their own time. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 8_000) =>
  expect.poll(read, { timeout, interval: 100 });

describe('Verify v2 push in the authenticator', () => {
  it('entity → access token → the authenticator enrolls → factor listed → challenge with fields → approved → fetch is approved, and the webhook arrives', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Verify Bank' });
    const verify = client.verify.v2.services(service.sid);
    const hook = `${receiver.url}/verify-events`;
    await verify.webhooks.create({
      friendlyName: 'Bank',
      eventTypes: ['challenge.approved'],
      webhookUrl: hook,
    });
    const identity = 'customer-000042';
    await verify.entities.create({ identity });
    const token = await verify.accessTokens.create({
      identity,
      factorType: 'push',
      factorFriendlyName: 'Ada’s phone',
      ttl: 300,
    });

    const phone = await openPhone(browser, { origin: server.url });
    contexts.push(phone.context);
    // The link names PUBLIC_URL; the test service listens on its own port, so keep the path and fragment.
    const link = new URL(token.token);
    await phone.page.goto(`${server.url}${link.pathname}${link.hash}`);
    await eventually(() => phone.page.getByRole('heading', { name: /^Requests/ }).count()).toBe(1);
    await eventually(() => phone.page.locator('.account-name').allTextContents()).toEqual(['Verify Bank']);
    expect(new URL(phone.page.url()).hash).toBe('');

    const factors = await verify.entities(identity).factors.list();
    expect(factors.map((f) => [f.factorType, f.status, f.friendlyName])).toEqual([
      ['push', 'verified', 'Ada’s phone'],
    ]);
    const [factor] = factors;
    if (factor === undefined) throw new Error('no factor');

    const challenge = await verify.entities(identity).challenges.create({
      factorSid: factor.sid,
      'details.message': 'Approve the transfer of $500?',
      'details.fields': [
        { label: 'Amount', value: '$500.00' },
        { label: 'To', value: 'bob@example.com' },
      ],
      hiddenDetails: { ip: '203.0.113.7' },
    });
    expect(challenge.status).toBe('pending');

    const request = phone.page.locator('article').filter({ hasText: 'Approve the transfer of $500?' });
    await eventually(() => request.count()).toBe(1);
    expect(await request.locator('.request-app').textContent()).toBe('Verify Bank');
    expect(await request.getByRole('heading', { level: 3 }).textContent()).toBe(
      'Approve the transfer of $500?',
    );
    for (const [label, value] of [
      ['Amount', '$500.00'],
      ['To', 'bob@example.com'],
    ] as const) {
      expect(await request.locator('dt', { hasText: label }).locator('+ dd').textContent()).toBe(value);
    }
    expect(await phone.page.locator('body').textContent()).not.toContain('203.0.113.7');

    await request.getByRole('button', { name: 'Approve' }).click();
    await eventually(() => request.count()).toBe(0);
    await eventually(
      async () => (await verify.entities(identity).challenges(challenge.sid).fetch()).status,
    ).toBe('approved');
    const fetched = await verify.entities(identity).challenges(challenge.sid).fetch();
    expect(fetched.dateResponded).not.toBeNull();
    expect(fetched.details).toMatchObject({
      message: 'Approve the transfer of $500?',
      fields: [
        { label: 'Amount', value: '$500.00' },
        { label: 'To', value: 'bob@example.com' },
      ],
    });
    // The service's webhook: challenge.approved, signed so that the package's validateRequest accepts it.
    const [delivery] = await receiver.waitFor(1);
    const fields = delivery?.body as Record<string, string>;
    expect(fields).toMatchObject({
      type: 'challenge.approved',
      challenge_sid: challenge.sid,
      entity_identity: identity,
    });
    expect(
      twilio.validateRequest(apiKey, String(delivery?.headers['x-twilio-signature']), hook, fields),
    ).toBe(true);
    expect(phone.problems.messages).toEqual([]);
  });
});
