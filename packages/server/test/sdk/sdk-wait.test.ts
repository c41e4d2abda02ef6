import { type ApprovalRequest, createClient } from '@countersign/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { answer, type SdkSetup, setUp } from './sdk-support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/**
 * A fetch in front of the real service that can make it look like a plain Authy endpoint: no event stream
 * (the route answers 404, as an unknown route does) and `?wait=` ignored. It records every path it sends.
 */
function authyLike(options: { stream: boolean; longPoll: boolean }) {
  const paths: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    paths.push(`${url.pathname}${url.search}`);
    if (!options.stream && url.pathname.endsWith('/events')) {
      return new Response(
        JSON.stringify({ message: 'Route not found', error: 'Not Found', statusCode: 404 }),
        {
          status: 404,
          headers: { 'content-type': 'application/json' },
        },
      );
    }
    if (!options.longPoll) url.searchParams.delete('wait');
    return fetch(url, init);
  };
  return { fetch: wrapped, paths };
}

async function pending(
  s: SdkSetup,
  body: { message: string; secondsToExpire?: number } = { message: 'Log in' },
) {
  return (await s.client.createApprovalRequest(s.userId, body)).uuid;
}

/** The device answers after `ms`; resolves with the time it did. */
function answerLater(
  s: SdkSetup,
  uuid: string,
  ms: number,
  decision: 'approved' | 'denied',
  overrides: Record<string, unknown> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      answer(server, s.device, uuid, decision, overrides).then(() => resolve(Date.now()), reject);
    }, ms);
  });
}

const statusPath = (uuid: string) => `/onetouch/json/approval_requests/${uuid}`;

describe('waitForApproval against the real service', () => {
  it('follows the event stream and returns the approval, with its receipt, as soon as the device answers', async () => {
    const wire = authyLike({ stream: true, longPoll: true });
    const s = await setUp(server, {}, wire.fetch);
    const uuid = await pending(s);
    const answered = answerLater(s, uuid, 300, 'approved');
    const final = await s.client.waitForApproval(uuid, { timeout: 10_000 });
    const returnedAt = Date.now();
    expect(final).toMatchObject({ uuid, status: 'approved', deviceUuid: s.device.id, reason: undefined });
    expect(final.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(returnedAt - (await answered)).toBeLessThan(1000);
    expect(wire.paths.filter((p) => p.startsWith(statusPath(uuid)))).toEqual([`${statusPath(uuid)}/events`]);
  });

  it('falls back to the long poll when the stream route is missing, and returns the denial and its reason', async () => {
    const wire = authyLike({ stream: false, longPoll: true });
    const s = await setUp(server, {}, wire.fetch);
    const uuid = await pending(s);
    const answered = answerLater(s, uuid, 1200, 'denied', { reason: 'not_me' });
    const final = await s.client.waitForApproval(uuid, { timeout: 20_000 });
    const returnedAt = Date.now();
    expect(final).toMatchObject({ status: 'denied', reason: 'not_me', deviceUuid: s.device.id });
    expect(returnedAt - (await answered)).toBeLessThan(1000);
    // One long poll, for the time left: 20 s, or 19 once the refused stream took a millisecond.
    const [stream, longPoll, ...rest] = wire.paths.filter((p) => p.startsWith(statusPath(uuid)));
    expect(stream).toBe(`${statusPath(uuid)}/events`);
    expect(longPoll).toMatch(/\?wait=(19|20)$/);
    expect(rest).toEqual([]);
  });

  it('falls back to polling once a second when neither is offered, and still returns within 2 s of the answer', async () => {
    const wire = authyLike({ stream: false, longPoll: false });
    const s = await setUp(server, {}, wire.fetch);
    const uuid = await pending(s);
    const answered = answerLater(s, uuid, 2200, 'approved');
    const final = await s.client.waitForApproval(uuid, { timeout: 20_000 });
    const returnedAt = Date.now();
    expect(final.status).toBe('approved');
    expect(returnedAt - (await answered)).toBeLessThan(2000);
    const polls = wire.paths.filter((p) => p.startsWith(statusPath(uuid))).slice(2);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThanOrEqual(5);
    expect(polls.every((p) => p === statusPath(uuid))).toBe(true);
  });

  it('reports an expiry as it happens', async () => {
    const s = await setUp(server);
    const uuid = await pending(s, { message: 'Soon gone', secondsToExpire: 1 });
    const final = await s.client.waitForApproval(uuid, { timeout: 10_000 });
    expect(final).toMatchObject({ status: 'expired', receipt: undefined });
  });

  it('a wrong number-match code ends the request denied, reason number_mismatch', async () => {
    const s = await setUp(server, { name: 'Match Bank', numberMatching: '2' });
    const created = await s.client.createApprovalRequest(s.userId, { message: 'Log in' });
    const wrong = created.numberMatch === '00' ? '01' : '00';
    void answerLater(s, created.uuid, 100, 'approved', { number_match: wrong });
    expect(await s.client.waitForApproval(created.uuid, { timeout: 10_000 })).toMatchObject({
      status: 'denied',
      reason: 'number_mismatch',
    });
  });

  it('returns the request still pending when the timeout passes, and rejects with the reason on abort', async () => {
    const s = await setUp(server);
    const uuid = await pending(s);
    const started = Date.now();
    expect((await s.client.waitForApproval(uuid, { timeout: 1000 })).status).toBe('pending');
    expect(Date.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    const reason = new Error('the customer left');
    setTimeout(() => controller.abort(reason), 200);
    await expect(s.client.waitForApproval(uuid, { timeout: 10_000, signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});

describe('the event stream and the long poll against the real service', () => {
  it('approvalEvents yields the request now, then its final status, then ends', async () => {
    const s = await setUp(server);
    const uuid = await pending(s);
    void answerLater(s, uuid, 300, 'denied');
    const seen: ApprovalRequest[] = [];
    for await (const request of s.client.approvalEvents(uuid)) seen.push(request);
    expect(seen.map((r) => r.status)).toEqual(['pending', 'denied']);
    expect(seen[1]).toMatchObject({ reason: 'denied', deviceUuid: s.device.id });
  });

  it('getApprovalRequest with wait holds until the answer, and without an answer until the wait is over', async () => {
    const s = await setUp(server);
    const uuid = await pending(s);
    const answered = answerLater(s, uuid, 500, 'approved');
    const held = await s.client.getApprovalRequest(uuid, { wait: 30 });
    expect(held.status).toBe('approved');
    expect(Date.now() - (await answered)).toBeLessThan(1000);

    const other = await pending(s);
    const started = Date.now();
    expect((await s.client.getApprovalRequest(other, { wait: 1 })).status).toBe('pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a client whose timeout is shorter than the wait still gets the long poll through', async () => {
    const s = await setUp(server);
    const client = createClient({ baseUrl: server.url, apiKey: s.apiKey, timeoutMs: 500 });
    const uuid = await pending(s);
    expect((await client.getApprovalRequest(uuid, { wait: 1 })).status).toBe('pending');
  });
});
