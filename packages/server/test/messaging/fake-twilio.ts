import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, as it arrived. */
export interface TwilioRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly form: Record<string, string>;
}

/**
 * How the fake answers the next requests:
 * - `accept`: 201 and a queued message or call, as Twilio does;
 * - `invalid-number`: 400 with Twilio error 21211;
 * - `hang`: never answers (for timeouts);
 * - `redirect`: 307 to another path on the fake (which must never be requested).
 * Wrong credentials always get 401 with Twilio error 20003.
 */
export type TwilioBehaviour = 'accept' | 'invalid-number' | 'hang' | 'redirect';

export interface FakeTwilio {
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly requests: TwilioRequest[];
  behaviour: TwilioBehaviour;
  close(): Promise<void>;
}

export const REDIRECT_TARGET = '/redirected-here';

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** A Twilio REST API stand-in on loopback that records every request. */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const requests: TwilioRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const path = request.url ?? '';
      requests.push({ method: request.method ?? '', path, headers: request.headers, form });
      if (request.headers.authorization !== expectedAuth) {
        send(response, 401, {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
        return;
      }
      switch (fake.behaviour) {
        case 'hang':
          return;
        case 'redirect':
          response.writeHead(307, { location: `http://127.0.0.1:${port}${REDIRECT_TARGET}` });
          response.end();
          return;
        case 'invalid-number':
          send(response, 400, {
            code: 21211,
            message: `The 'To' number ${form.To ?? ''} is not a valid phone number.`,
            more_info: 'https://www.twilio.com/docs/errors/21211',
            status: 400,
          });
          return;
        case 'accept': {
          const call = path.endsWith('/Calls.json');
          send(response, 201, {
            sid: `${call ? 'CA' : 'SM'}${randomBytes(16).toString('hex')}`,
            account_sid: accountSid,
            to: form.To,
            from: form.From,
            status: 'queued',
            api_version: '2010-04-01',
            ...(call ? {} : { body: form.Body }),
          });
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeTwilio = {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    behaviour: 'accept',
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
  return fake;
}
