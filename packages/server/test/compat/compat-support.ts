import { createRequire } from 'node:module';
import { stepAt, TOTP_PERIOD_SECONDS, totpCode } from '../../src/crypto/totp.js';
import type { TestClock, TestServer } from '../support/harness.js';

const require = createRequire(import.meta.url);

/** What a client hands back: a parsed JSON body. */
export type Body = Record<string, unknown>;

/** A node-style callback as the `authy` npm client calls it: `(err)` on failure, `(null, body)` on success. */
export type Callback = (err: unknown, res?: unknown) => void;

/** The `authy` npm 1.4.0 client (callback API), as its `index.js` defines it. */
export interface AuthyNpm {
  register_user(email: string, cellphone: string, callback: Callback): void;
  register_user(email: string, cellphone: string, countryOrFlag: string | boolean, callback: Callback): void;
  register_user(
    email: string,
    cellphone: string,
    countryCode: string,
    sendInstallLink: boolean,
    callback: Callback,
  ): void;
  delete_user(id: string, callback: Callback): void;
  user_status(id: string, callback: Callback): void;
  verify(id: string, token: string, callback: Callback): void;
  verify(id: string, token: string, force: boolean, callback: Callback): void;
  request_sms(id: string, callback: Callback): void;
  request_sms(id: string, force: boolean, callback: Callback): void;
  request_call(id: string, callback: Callback): void;
  request_call(id: string, force: boolean, callback: Callback): void;
  send_approval_request(
    id: string,
    payload: { message: string; details?: Record<string, string>; seconds_to_expire?: number },
    hiddenDetails: Record<string, string> | null,
    logos: { res: string; url: string }[] | null,
    callback: Callback,
  ): void;
  check_approval_status(uuid: string, callback: Callback): void;
  phones(): {
    verification_start(phone: string, countryCode: string, callback: Callback): void;
    verification_start(
      phone: string,
      countryCode: string,
      params: string | Record<string, string | number>,
      callback: Callback,
    ): void;
    verification_check(phone: string, countryCode: string, code: string, callback: Callback): void;
    verification_status(phone: string, countryCode: string, callback: Callback): void;
    info(phone: string, countryCode: string, callback: Callback): void;
  };
}

export const createAuthyNpm = require('authy') as (apiKey: string, apiUrl: string) => AuthyNpm;

/** The `authy-client` 1.1.4 client (promise API), as its `dist/src/client.js` defines it. */
export interface AuthyClient {
  registerUser(user: { countryCode: string; email: string; phone: string }): Promise<Body>;
  getUserStatus(user: { authyId: number }, options?: { ip?: string }): Promise<Body>;
  deleteUser(user: { authyId: number }, options?: { ip?: string }): Promise<Body>;
  registerActivity(
    activity: { authyId: number; data?: Record<string, unknown>; type: string },
    options?: { ip?: string },
  ): Promise<Body>;
  verifyToken(token: { authyId: number; token: string }, options?: { force?: boolean }): Promise<Body>;
  requestSms(
    user: { authyId: number },
    options?: { force?: boolean; action?: string; message?: string },
  ): Promise<Body>;
  requestCall(
    user: { authyId: number },
    options?: { force?: boolean; action?: string; message?: string },
  ): Promise<Body>;
  getApplicationDetails(options?: { ip?: string }): Promise<Body>;
  getApplicationStatistics(options?: { ip?: string }): Promise<Body>;
  getPhoneInformation(
    phone: { countryCode: string; phone: string },
    options?: { ip?: string },
  ): Promise<Body>;
  startPhoneVerification(
    phone: { countryCode: string; phone: string; via: 'sms' | 'call' },
    options?: { codeLength?: number; locale?: string },
  ): Promise<Body>;
  verifyPhone(phone: { countryCode: string; phone: string; token: string }): Promise<Body>;
  createApprovalRequest(
    request: {
      authyId: number;
      message: string;
      details?: { visible?: Record<string, string>; hidden?: Record<string, string> };
      logos?: { res: string; url: string }[];
    },
    options?: { ttl?: number },
  ): Promise<Body>;
  getApprovalRequest(request: { id: string }): Promise<Body>;
}

type ErrorClass = abstract new (...args: never[]) => Error;

export const authyClientModule = require('authy-client') as {
  Client: new (auth: { key: string }, options?: { host?: string; timeout?: number }) => AuthyClient;
  errors: {
    HttpError: ErrorClass;
    AssertionFailedError: ErrorClass;
    ValidationFailedError: ErrorClass;
  };
};

/** The two arguments a callback client passed, so a test can assert on both. */
export interface Outcome {
  err: unknown;
  res: unknown;
}

/** Runs a callback-style call and settles with whatever the client passed to its callback. */
export function outcome(run: (done: Callback) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    run((err, res) => resolve({ err, res }));
  });
}

/** The error a promise rejected with; fails the test if it fulfilled. */
export async function rejection(promise: PromiseLike<unknown>): Promise<Error & Record<string, unknown>> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** The newest message the console provider wrote to a number, and the code at its end. */
export async function lastMessageTo(
  server: TestServer,
  to: string,
): Promise<{ channel: string; body: string; code: string }> {
  // Device-enrollment codes go through the message queue.
  await server.app.messages.drain();
  const messages = (await server.app.services.outbox.list(500)).filter((m) => m.to === to);
  const last = messages.at(-1);
  if (last === undefined) throw new Error(`no message was sent to ${to}`);
  const code = /(\d+)$/.exec(last.body)?.[1];
  if (code === undefined) throw new Error(`the message to ${to} does not end with a code: ${last.body}`);
  return { channel: last.channel, body: last.body, code };
}

/** How many messages the console provider wrote to a number. */
export async function messagesTo(server: TestServer, to: string): Promise<number> {
  return (await server.app.services.outbox.list(500)).filter((m) => m.to === to).length;
}

/**
 * Moves the clock to the next TOTP step and returns the user's code for it, so no two calls ever hand out
 * a code of an already-accepted step.
 */
export async function nextTotp(
  server: TestServer,
  clock: TestClock,
  appId: number,
  userId: number,
): Promise<string> {
  clock.advance(TOTP_PERIOD_SECONDS * 1000);
  return currentTotp(server, clock, appId, userId);
}

/** The user's TOTP code for the current step of the test clock. */
export async function currentTotp(
  server: TestServer,
  clock: TestClock,
  appId: number,
  userId: number,
): Promise<string> {
  const services = server.app.services;
  const app = await services.apps.find(appId);
  if (app === undefined) throw new Error(`no app ${appId}`);
  const user = await services.users.find(app, String(userId));
  return totpCode(await services.users.seed(user), stepAt(clock.now()), app.tokenLength);
}

/** A code of the same length that is certainly not the user's current or previous TOTP code. */
export async function wrongTotp(
  server: TestServer,
  clock: TestClock,
  appId: number,
  userId: number,
): Promise<string> {
  const services = server.app.services;
  const app = await services.apps.find(appId);
  if (app === undefined) throw new Error(`no app ${appId}`);
  const user = await services.users.find(app, String(userId));
  const seed = await services.users.seed(user);
  const step = stepAt(clock.now());
  const taken = new Set([totpCode(seed, step, app.tokenLength), totpCode(seed, step - 1, app.tokenLength)]);
  for (let n = 0; n < 10; n++) {
    const candidate = String(n).repeat(app.tokenLength);
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error('no wrong code found');
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
