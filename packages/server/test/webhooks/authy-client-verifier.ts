import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The request `authy-client` 1.1.4's `verifyCallback` reads (`dist/src/client.js`, `asserts/signature-assert.js`). */
interface AuthyClientCallbackRequest {
  body: unknown;
  headers: { host: string; 'x-authy-signature': string; 'x-authy-signature-nonce': string };
  method: string;
  protocol: string;
  /** Path and query, as Express's `req.url`. */
  url: string;
}

const authyClient = require('authy-client') as {
  Client: new (auth: {
    key: string;
  }) => {
    verifyCallback(request: AuthyClientCallbackRequest): Promise<unknown>;
  };
  errors: { ValidationFailedError: abstract new (...args: never[]) => Error };
};

export const { ValidationFailedError } = authyClient.errors;

/** A received callback as a receiver's web framework would hand it over. */
export interface ReceivedCallback {
  readonly apiKey: string;
  /** The parsed body. */
  readonly body: unknown;
  readonly signature: string;
  readonly nonce: string;
  readonly method: string;
  /** The full URL the callback was sent to. */
  readonly url: string;
}

/**
 * Runs the real authy-client `verifyCallback` on a callback, with the request shape it expects: `protocol`
 * without the colon, `headers.host`, and `url` as path and query.
 */
export function authyClientVerify(callback: ReceivedCallback): Promise<unknown> {
  const url = new URL(callback.url);
  return new authyClient.Client({ key: callback.apiKey }).verifyCallback({
    body: callback.body,
    headers: {
      host: url.host,
      'x-authy-signature': callback.signature,
      'x-authy-signature-nonce': callback.nonce,
    },
    method: callback.method,
    protocol: url.protocol.replace(/:$/, ''),
    url: `${url.pathname}${url.search}`,
  });
}
