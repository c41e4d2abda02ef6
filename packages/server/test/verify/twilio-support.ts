import twilio from 'twilio';
import { freePort } from '../support/free-port.mjs';
import { startTestServer, type TestServer } from '../support/harness.js';

/** Where the `twilio` package sends Verify v2 calls. */
export const VERIFY_HOST = 'https://verify.twilio.com';

type RequestOptions<T> = import('twilio/lib/base/RequestClient.js').RequestOptions<T>;

/**
 * The package's own HTTP client, with `https://verify.twilio.com` rewritten to the test server: everything
 * else (auth header, form encoding, parsing, errors) is the package's.
 */
class LoopbackClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super();
  }

  override request<T>(options: RequestOptions<T>) {
    const uri = options.uri.startsWith(VERIFY_HOST)
      ? `${this.base}${options.uri.slice(VERIFY_HOST.length)}`
      : options.uri;
    return super.request<T>({ ...options, uri });
  }
}

/** The real `twilio` package (6.x), authenticated as an account, talking to the test server. */
export function twilioClient(server: Pick<TestServer, 'url'>, accountSid: string, apiKey: string) {
  return twilio(accountSid, apiKey, { httpClient: new LoopbackClient(server.url) });
}

/** Twilio's error as the package throws it (`RestException`). */
export interface TwilioRestError {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly moreInfo: string;
}

/** The `RestException` a call rejected with; fails the test if the call succeeded. */
export async function restError(promise: PromiseLike<unknown>): Promise<TwilioRestError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    if (!(error instanceof Error) || error.constructor.name !== 'RestException') throw error;
    return error as unknown as TwilioRestError;
  }
  throw new Error(`expected a RestException, got ${JSON.stringify(value)}`);
}

/** The code in the newest message the console provider wrote to `to` (Twilio's template: `…is: 123456.`). */
export async function codeSentTo(
  server: TestServer,
  to: string,
): Promise<{ body: string; code: string; channel: string }> {
  const messages = (await server.app.services.outbox.list(500)).filter((m) => m.to === to);
  const last = messages.at(-1);
  if (last === undefined) throw new Error(`no message was sent to ${to}`);
  const code = /verification code is: (\d+)\./.exec(last.body)?.[1];
  if (code === undefined) throw new Error(`the message to ${to} holds no code: ${last.body}`);
  return { body: last.body, code, channel: last.channel };
}

/** How many messages the console provider wrote to `to`. */
export async function messagesTo(server: TestServer, to: string): Promise<number> {
  return (await server.app.services.outbox.list(500)).filter((m) => m.to === to).length;
}

/** A server whose `PUBLIC_URL` is where it listens: the resources' `url`s and the next pages' links are real. */
export async function servedAtItsPublicUrl(
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const port = await freePort();
  return startTestServer({
    ...options,
    port,
    env: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.env },
  });
}

/**
 * A `/v2` suite's service: served at its public URL, with two accounts (apps), "Acme Bank" and "Other Shop", and
 * the package's client for each (the second for tenant isolation).
 */
export async function startVerifySuite(options: Parameters<typeof startTestServer>[0] = {}) {
  const server = await servedAtItsPublicUrl(options);
  const account = await server.createApp({ name: 'Acme Bank' });
  const other = await server.createApp({ name: 'Other Shop' });
  return {
    server,
    account,
    other,
    client: twilioClient(server, account.accountSid, account.apiKey),
    otherClient: twilioClient(server, other.accountSid, other.apiKey),
  };
}
