/**
 * The message queue and its worker (R75, R76, R90): what a request queues is sent by the background worker,
 * tried again with back-off while the provider fails, dropped once its code has expired, and sent once
 * even with two instances' workers on one database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveServiceKeys } from '../../src/crypto/master-key.js';
import { cryptoRandom } from '../../src/crypto/random.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { MessageQueueRepository } from '../../src/messaging/message-queue.repository.js';
import {
  MessagingError,
  type MessagingProvider,
  type OutgoingMessage,
} from '../../src/messaging/messaging-provider.js';
import { registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** A provider that records what it was given, and refuses everything while `down`. */
function switchableProvider() {
  const provider: MessagingProvider & { down: boolean; tries: number; sent: OutgoingMessage[] } = {
    name: 'switchable',
    down: false,
    tries: 0,
    sent: [],
    async send(message) {
      provider.tries += 1;
      if (provider.down) throw new MessagingError('provider is down');
      provider.sent.push(message);
    },
  };
  return provider;
}

describe('the worker and a failing provider (R75)', () => {
  let server: TestServer;
  let clock: TestClock;
  const provider = switchableProvider();
  let phone = 2015553000;

  beforeAll(async () => {
    clock = testClock();
    server = await startTestServer({ clock, messaging: provider });
  });
  afterAll(() => server.close());

  async function enrollmentFor(): Promise<string> {
    phone += 1;
    const { apiKey } = await server.createApp({ name: `Worker Bank ${phone}` });
    await registerUser(server, apiKey, String(phone), `w${phone}@example.com`);
    const started = await call(server, 'POST', '/device/v1/phone-enrollments', {
      json: { country_code: '1', phone_number: String(phone) },
    });
    expect(started.status).toBe(200);
    return `+1${phone}`;
  }

  const queued = () =>
    server.db.selectFrom('message_queue').select(['attempts', 'next_attempt_at']).execute();

  it('a refused send is tried again after a back-off, and the message is removed once sent', async () => {
    provider.down = true;
    provider.tries = 0;
    const to = await enrollmentFor();
    await server.app.messages.drain();
    expect(provider.tries).toBe(1);
    expect(await queued()).toEqual([{ attempts: 1, next_attempt_at: clock.now() + 5_000 }]);
    // Not due yet: nothing is tried.
    await server.app.messages.drain();
    expect(provider.tries).toBe(1);

    provider.down = false;
    clock.advance(5_000);
    await server.app.messages.drain();
    expect(provider.sent.map((m) => m.to)).toEqual([to]);
    expect(await queued()).toEqual([]);
  });

  it('a message whose code expired before it could be sent is dropped, never sent late', async () => {
    provider.down = true;
    provider.sent.length = 0;
    await enrollmentFor();
    await server.app.messages.drain();
    clock.advance(10 * 60_000);
    provider.down = false;
    await server.app.messages.drain();
    expect(provider.sent).toEqual([]);
    expect(await queued()).toEqual([]);
    expect(server.logs.join('')).not.toContain(String(phone));
  });
});

describe('two instances on one database (R76)', () => {
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  const providers = [switchableProvider(), switchableProvider()] as const;

  beforeAll(async () => {
    database = await createTestDatabase();
    first = await startTestServer({ database, messaging: providers[0] });
    second = await startTestServer({ database, messaging: providers[1] });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await database.drop();
  });

  it('100 queued messages drained by both workers at once: each is sent exactly once', async () => {
    // Written straight into the queue, all due at once, so that both workers compete for them.
    const box = createSecretBox(deriveServiceKeys(first.config.masterKey).encryption);
    const queue = new MessageQueueRepository(first.store, box, cryptoRandom);
    const now = Date.now();
    for (let i = 0; i < 100; i++) {
      await queue.insert({
        appId: null,
        channel: 'sms',
        state: 'queued',
        to: '+12015554000',
        body: `message ${i}`,
        sandbox: false,
        now,
        expiresAt: now + 600_000,
      });
    }
    await Promise.all([first.app.messages.drain(), second.app.messages.drain()]);
    await Promise.all([first.app.messages.drain(), second.app.messages.drain()]);
    const bodies = [...providers[0].sent, ...providers[1].sent].map((m) => m.body);
    expect(bodies).toHaveLength(100);
    expect(new Set(bodies).size).toBe(100);
    expect(await first.db.selectFrom('message_queue').selectAll().execute()).toEqual([]);
  });
});
