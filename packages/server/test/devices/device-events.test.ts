import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  signedHeaders,
  type TestDevice,
} from '../support/test-device.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Reads server-sent events from a device's stream until `count` events arrived or the time is up. */
async function collect(device: TestDevice, count: number, during: () => Promise<void>, timeoutMs = 5000) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/device/v1/events`, {
    headers: signedHeaders(device, 'GET', '/device/v1/events'),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: unknown }> = [];
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const reading = (async () => {
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by the timer: the assertions below tell what was missing.
    }
  })();
  await during();
  await reading;
  clearTimeout(timer);
  controller.abort();
  return events;
}

describe('device event stream', () => {
  it('tells every device of the user about a new request, and withdraws it once another device answered', async () => {
    const app = await server.createApp({ name: 'Stream Bank' });
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key: app.apiKey,
      json: { user: { email: 's@example.com', cellphone: '2015550177', country_code: 1 } },
    });
    const userId = (user.body.user as { id: number }).id;
    const linkFor = async () =>
      (
        (await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: app.apiKey })).body
          .enrollment as { url: string }
      ).url;
    const watcher = await enrollWithLink(server, await linkFor());
    const answerer = await enrollWithLink(server, await linkFor());
    let uuid = '';
    const events = await collect(watcher, 2, async () => {
      const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
        key: app.apiKey,
        json: { message: 'Log in' },
      });
      uuid = (created.body.approval_request as { uuid: string }).uuid;
      const pending = (await deviceCall(server, answerer, 'GET', '/device/v1/requests')).body
        .requests as PendingRequest[];
      const request = pending.find((r) => r.uuid === uuid) as PendingRequest;
      await deviceCall(
        server,
        answerer,
        'POST',
        `/device/v1/requests/${uuid}/answer`,
        answerFor(answerer, request, 'approved'),
      );
    });
    expect(events).toEqual([
      { event: 'request', data: { uuid } },
      { event: 'withdrawn', data: { uuid } },
    ]);
  });

  it('does not tell a device about requests of apps it does not answer', async () => {
    const mine = await server.createApp({ name: 'Mine' });
    const theirs = await server.createApp({ name: 'Theirs' });
    const register = async (key: string) =>
      (
        (
          await call(server, 'POST', '/protected/json/users/new', {
            key,
            json: { user: { email: 't@example.com', cellphone: '2015550178', country_code: 1 } },
          })
        ).body.user as { id: number }
      ).id;
    const userId = await register(mine.apiKey);
    await register(theirs.apiKey);
    const url = (
      (await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: mine.apiKey })).body
        .enrollment as { url: string }
    ).url;
    const device = await enrollWithLink(server, url);
    const events = await collect(device, 1, async () => {
      await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
        key: theirs.apiKey,
        json: { message: 'Not yours' },
      });
      const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
        key: mine.apiKey,
        json: { message: 'Yours' },
      });
      expect(created.status).toBe(200);
    });
    expect(events).toHaveLength(1);
    const [only] = events;
    const mineRequests = (await deviceCall(server, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    expect(only?.data).toEqual({ uuid: mineRequests[0]?.uuid });
  });
});
