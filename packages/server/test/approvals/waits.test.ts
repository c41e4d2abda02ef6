import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus, type EventBus } from '../../src/events/event-bus.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';

/** The service's own bus, counting the subscriptions of long polls and streams that are still open. */
function countingBus(): { bus: EventBus; waiting: () => number } {
  const inner = createMemoryEventBus();
  let open = 0;
  return {
    waiting: () => open,
    bus: {
      ...inner,
      subscribe(topic, listener) {
        if (!topic.startsWith('request:')) return inner.subscribe(topic, listener);
        open += 1;
        const stop = inner.subscribe(topic, listener);
        let stopped = false;
        return () => {
          if (!stopped) open -= 1;
          stopped = true;
          stop();
        };
      },
    },
  };
}

let server: TestServer;
let key: string;
let userId: number;
const counted = countingBus();
/** The service's time: long polls and expiries end when a test moves it, not after real seconds. */
const clock = testClock(Date.now(), { timers: 'manual' });

beforeAll(async () => {
  server = await startTestServer({ bus: counted.bus, clock });
  key = (await server.createApp({ name: 'Waiting Bank' })).apiKey;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: 'payer@example.com', cellphone: '509-555-1212', country_code: 1 } },
  });
  userId = (user.body.user as { id: number }).id;
});
afterAll(() => server.close());

async function newRequest(body: Record<string, unknown> = {}): Promise<string> {
  const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key,
    json: { message: 'Log in', ...body },
  });
  return (created.body.approval_request as { uuid: string }).uuid;
}

async function until(test: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('long polls', () => {
  it('a long poll whose client hangs up stops waiting at once, not when its wait is over', async () => {
    const uuid = await newRequest();
    const hangUp = new AbortController();
    const polling = fetch(`${server.url}/onetouch/json/approval_requests/${uuid}?wait=30`, {
      headers: { 'x-authy-api-key': key },
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    await until(() => counted.waiting() === 1, 5_000);
    hangUp.abort();
    expect(await polling).toBeInstanceOf(Error);
    await until(() => counted.waiting() === 0, 1_000);
    expect(counted.waiting()).toBe(0);
  });

  it('a long poll on a request that expires during the wait answers "expired" when it expires', async () => {
    const uuid = await newRequest({ seconds_to_expire: 1 });
    const answering = call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=10`, { key });
    await until(() => counted.waiting() === 1, 5_000);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 50));
    expect(counted.waiting()).toBe(1);
    clock.advance(10); // past the expiry, long before the wait's 10 s
    const answered = await answering;
    expect(answered.body.approval_request).toMatchObject({ status: 'expired' });
    expect(counted.waiting()).toBe(0);
  });

  it('a long poll that outlasts its wait answers "pending" and leaves nothing behind', async () => {
    const uuid = await newRequest({ seconds_to_expire: 600 });
    const answering = call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=2`, { key });
    await until(() => counted.waiting() === 1, 5_000);
    clock.advance(1_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(counted.waiting()).toBe(1);
    clock.advance(1);
    const answered = await answering;
    expect(answered.body.approval_request).toMatchObject({ status: 'pending' });
    expect(counted.waiting()).toBe(0);
  });
});
