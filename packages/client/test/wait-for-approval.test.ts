import { afterEach, describe, expect, it } from 'vitest';
import { type ApprovalRequest, CountersignError, createClient, waitForApproval } from '../src/index.js';
import { type FakeApprovals, KEY, startFakeApprovals, UUID } from './support/fake-approvals.js';

let fake: FakeApprovals | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: { stream: boolean; longPoll: boolean }) {
  fake = await startFakeApprovals(options);
  return { fake, client: createClient({ baseUrl: fake.url, apiKey: KEY, timeoutMs: 2000 }) };
}

/** The paths the fake received, with `?wait=` kept and the uuid shortened. */
function paths(service: FakeApprovals): string[] {
  return service.requests.map((r) => r.url.replace(`/onetouch/json/approval_requests/${UUID}`, '{uuid}'));
}

const later = (ms: number, action: () => void) => setTimeout(action, ms);

describe('waitForApproval picks the best way the service offers', () => {
  it('follows the event stream when there is one, and returns as soon as the request is final', async () => {
    const { fake, client } = await start({ stream: true, longPoll: true });
    later(300, () => fake.setStatus('approved'));
    const final = await client.waitForApproval(UUID, { timeout: 10_000 });
    expect(final.status).toBe('approved');
    expect(Date.now() - fake.changedAt()).toBeLessThan(500);
    expect(paths(fake)).toEqual(['{uuid}/events']);
    await fake.drained();
  });

  it('opens the stream again, after a pause, when the service ends it with the request still pending', async () => {
    const { fake, client } = await start({ stream: true, longPoll: true });
    fake.dropNextStreams(2);
    later(2500, () => fake.setStatus('approved'));
    expect((await client.waitForApproval(UUID, { timeout: 10_000 })).status).toBe('approved');
    expect(paths(fake)).toEqual(['{uuid}/events', '{uuid}/events', '{uuid}/events']);
    const [first, second, third] = fake.requests.map((r) => r.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(900);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('without a stream (404) it long polls: one held request, answered when the status changes', async () => {
    const { fake, client } = await start({ stream: false, longPoll: true });
    later(1200, () => fake.setStatus('denied'));
    const final = await client.waitForApproval(UUID, { timeout: 10_000 });
    expect(final.status).toBe('denied');
    expect(Date.now() - fake.changedAt()).toBeLessThan(500);
    // One long poll, for the time left: 10 s, or 9 once the refused stream took a millisecond.
    expect(paths(fake)).toHaveLength(2);
    expect(paths(fake)[0]).toBe('{uuid}/events');
    expect(paths(fake)[1]).toMatch(/^\{uuid\}\?wait=(9|10)$/);
    await fake.drained();
  });

  it('against a plain Authy service (no stream, wait ignored) it polls once a second and still returns within 2 s of the change', async () => {
    const { fake, client } = await start({ stream: false, longPoll: false });
    later(2500, () => fake.setStatus('approved'));
    const final = await client.waitForApproval(UUID, { timeout: 15_000 });
    expect(final.status).toBe('approved');
    expect(Date.now() - fake.changedAt()).toBeLessThan(2000);
    const seen = paths(fake);
    expect(seen[0]).toBe('{uuid}/events');
    expect(seen[1]).toMatch(/^\{uuid\}\?wait=(14|15)$/);
    expect(seen.slice(2).every((path) => path === '{uuid}')).toBe(true);
    // Once a second, not a busy loop: about one read per second of waiting.
    const polls = fake.requests.slice(2).map((r) => r.at);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < polls.length; i++) {
      expect((polls[i] ?? 0) - (polls[i - 1] ?? 0)).toBeGreaterThanOrEqual(900);
    }
    await fake.drained();
  });

  it('returns the request still pending when the timeout passes, on every kind of service', async () => {
    for (const options of [
      { stream: true, longPoll: true },
      { stream: false, longPoll: true },
      { stream: false, longPoll: false },
    ]) {
      const { fake, client } = await start(options);
      const started = Date.now();
      const result = await client.waitForApproval(UUID, { timeout: 1500 });
      const took = Date.now() - started;
      expect(result.status).toBe('pending');
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(2500);
      await fake.drained();
      await fake.close();
    }
  });

  it('returns a request that is already final at once', async () => {
    const { fake, client } = await start({ stream: false, longPoll: false });
    fake.setStatus('expired');
    const started = Date.now();
    expect((await client.waitForApproval(UUID, { timeout: 10_000 })).status).toBe('expired');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('calls onUpdate with the first status read and then with each change', async () => {
    const { fake, client } = await start({ stream: false, longPoll: false });
    const updates: string[] = [];
    later(1500, () => fake.setStatus('approved'));
    await client.waitForApproval(UUID, {
      timeout: 10_000,
      onUpdate: (request: ApprovalRequest) => updates.push(request.status),
    });
    expect(updates).toEqual(['pending', 'approved']);
  });

  it('an abort rejects with the signal’s reason and closes the held connection, on every kind of service', async () => {
    for (const options of [
      { stream: true, longPoll: true },
      { stream: false, longPoll: true },
      { stream: false, longPoll: false },
    ]) {
      const { fake, client } = await start(options);
      const controller = new AbortController();
      const reason = new Error('the user left');
      later(700, () => controller.abort(reason));
      await expect(client.waitForApproval(UUID, { timeout: 10_000, signal: controller.signal })).rejects.toBe(
        reason,
      );
      await fake.drained();
      const count = fake.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(fake.requests.length).toBe(count); // nothing keeps polling after the abort
      await fake.close();
    }
  });

  it('an already aborted signal sends nothing', async () => {
    const { fake, client } = await start({ stream: true, longPoll: true });
    const controller = new AbortController();
    controller.abort(new Error('no'));
    await expect(client.waitForApproval(UUID, { timeout: 5000, signal: controller.signal })).rejects.toThrow(
      'no',
    );
    expect(fake.requests).toEqual([]);
  });

  it('retries after a 503 and still returns the answer', async () => {
    const { fake, client } = await start({ stream: false, longPoll: true });
    fake.failNext(2, 503);
    later(1500, () => fake.setStatus('approved'));
    expect((await client.waitForApproval(UUID, { timeout: 10_000 })).status).toBe('approved');
  });

  it('rejects an unknown request with 60049 rather than waiting it out', async () => {
    for (const options of [
      { stream: true, longPoll: true },
      { stream: false, longPoll: false },
    ]) {
      const { fake, client } = await start(options);
      const failure = await client
        .waitForApproval('00000000-0000-4000-8000-000000000000', { timeout: 10_000 })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CountersignError);
      expect(failure).toMatchObject({ code: 'api_error', errorCode: '60049', status: 404 });
      await fake.close();
    }
  });

  it('a wrong key is refused at once (60001), not retried', async () => {
    const { fake } = await start({ stream: true, longPoll: true });
    const client = createClient({ baseUrl: fake.url, apiKey: 'wrong' });
    await expect(client.waitForApproval(UUID, { timeout: 10_000 })).rejects.toMatchObject({
      code: 'api_error',
      errorCode: '60001',
      status: 401,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('works as a function over any approval source', async () => {
    const { fake, client } = await start({ stream: true, longPoll: true });
    later(200, () => fake.setStatus('denied'));
    expect((await waitForApproval(client, UUID, { timeout: 5000 })).status).toBe('denied');
  });

  it('refuses a timeout that is not a number of milliseconds', async () => {
    const { client } = await start({ stream: true, longPoll: true });
    for (const timeout of [-1, Number.NaN, 3e9, undefined]) {
      await expect(client.waitForApproval(UUID, { timeout: timeout as number })).rejects.toBeInstanceOf(
        TypeError,
      );
    }
  });
});
