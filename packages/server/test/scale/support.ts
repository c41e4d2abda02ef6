import { expect } from 'vitest';
import { call } from '../support/harness.js';
import { enrollWithLink, type TestDevice } from '../support/test-device.js';

type Server = { url: string };

/** Registers a user with an app through `server`; returns the Authy id. */
export async function registerUser(server: Server, key: string, cellphone: string): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: `u${cellphone}@example.com`, cellphone, country_code: 1 } },
  });
  expect(response.status, response.text).toBe(200);
  return (response.body.user as { id: number }).id;
}

/** Asks `linkServer` for an enrollment link and enrolls a new device with it through `enrollServer`. */
export async function enrollDevice(
  linkServer: Server,
  enrollServer: Server,
  key: string,
  userId: number,
): Promise<TestDevice> {
  const response = await call(linkServer, 'POST', `/protected/json/users/${userId}/enrollments`, { key });
  expect(response.status, response.text).toBe(200);
  return enrollWithLink(enrollServer, (response.body.enrollment as { url: string }).url);
}

/** Creates an approval request through `server`; returns its uuid. */
export async function createApproval(
  server: Server,
  key: string,
  userId: number,
  body: Record<string, unknown> = { message: 'Transfer $500 to bob@example.com' },
): Promise<string> {
  const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key,
    json: body,
  });
  expect(response.status, response.text).toBe(200);
  return (response.body.approval_request as { uuid: string }).uuid;
}

/** A server-sent event stream being read: its events so far, and whether it ended. */
export interface OpenStream {
  readonly events: Array<{ event: string; data: Record<string, unknown> }>;
  /** Settles when the service ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens a server-sent event stream and reads it in the background. */
export async function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  const body = response.body;
  if (body === null) throw new Error('the stream has no body');
  const events: OpenStream['events'] = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined)
            events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // Aborted by the test.
    }
  })();
  return { events, ended, close: () => abort.abort() };
}
