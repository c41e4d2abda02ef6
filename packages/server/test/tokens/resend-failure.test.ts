import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessagingError,
  type MessagingProvider,
  type OutgoingMessage,
} from '../../src/messaging/messaging-provider.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

/** A provider that delivers into a list, or refuses while `down` is set. */
function switchableProvider(): MessagingProvider & { sent: OutgoingMessage[]; down: boolean } {
  return {
    name: 'switchable',
    sent: [],
    down: false,
    async send(message) {
      if (this.down) throw new MessagingError('provider is down');
      this.sent.push(message);
    },
  };
}

let server: TestServer;
let key: string;
const provider = switchableProvider();

beforeAll(async () => {
  server = await startTestServer({ messaging: provider });
  key = (await server.createApp({ name: 'Flaky Bank' })).apiKey;
});
afterAll(() => server.close());

describe('a failed send (R75)', () => {
  it('leaves the code the user already has working', async () => {
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'f@example.com', cellphone: '2015550123', country_code: 1 } },
    });
    const id = (user.body.user as { id: number }).id;
    expect((await call(server, 'GET', `/protected/json/sms/${id}`, { key })).status).toBe(200);
    const first = /(\d+)$/.exec(provider.sent.at(-1)?.body ?? '')?.[1] ?? '';

    provider.down = true;
    const failed = await call(server, 'GET', `/protected/json/sms/${id}`, { key });
    provider.down = false;
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      message: 'The SMS could not be sent. Try again later.',
      success: false,
      errors: { message: 'The SMS could not be sent. Try again later.' },
      error_code: '60015',
    });
    expect(provider.sent).toHaveLength(1);
    expect((await call(server, 'GET', `/protected/json/verify/${first}/${id}`, { key })).status).toBe(200);
  });
});
