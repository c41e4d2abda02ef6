import http from 'node:http';
import type { Kysely } from 'kysely';
import { TOTP, URI } from 'otpauth';
import { expect } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { rawRequest } from '../support/harness.js';

export const P = '/protected/json';
export const OT = '/onetouch/json';

/** A request as the tables describe it. Everything goes through `node:http`, which can put a body on a GET. */
export interface Req {
  method: 'GET' | 'POST';
  path: string;
  /** Sent in `X-Authy-API-Key`. */
  key?: string | undefined;
  json?: unknown;
  form?: string;
  /** A body sent verbatim, with its own content type (or none). */
  raw?: { body: string; contentType?: string };
  headers?: Record<string, string>;
}

export interface Res {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export function send(server: { url: string }, req: Req): Promise<Res> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.key !== undefined) headers['x-authy-api-key'] = req.key;
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = req.form;
  } else if (req.raw !== undefined) {
    if (req.raw.contentType !== undefined) headers['content-type'] = req.raw.contentType;
    body = req.raw.body;
  }
  return rawRequest(server, req.method, req.path, headers, body);
}

/**
 * Sends body chunks with `Transfer-Encoding: chunked` and no Content-Length, so only the server's own byte
 * count can stop them, and waits for the answer without ending the body: the server must answer while the
 * client still has more to send. `closedByServer` says whether the server then closed the connection
 * (within two seconds) rather than leaving it open with unread bytes.
 */
export function sendChunked(
  server: { url: string },
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  chunks: readonly string[],
): Promise<Res & { closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}${path}`,
      { method, headers: { ...headers, 'transfer-encoding': 'chunked' }, timeout: 10_000 },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => parts.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Not JSON: the assertions on `body` fail with the text shown.
          }
          let settled = false;
          const settle = (closedByServer: boolean) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            request.destroy();
            resolve({ status: response.statusCode ?? 0, body, text, closedByServer });
          };
          const timer = setTimeout(() => settle(false), 2000);
          const socket = request.socket;
          if (socket === null || socket.destroyed || socket.readableEnded) return settle(true);
          socket.once('end', () => settle(true));
          socket.once('close', () => settle(true));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer before the body ended')));
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
  });
}

/** What an Authy error answer must be: status, code, message and the per-field problems. */
export interface ExpectedError {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string>;
  extra?: Record<string, string>;
}

/** The Authy envelope (spec 2.5): fields at the top and under `errors`, `success:false`, a string code. */
export function envelope(expected: ExpectedError): Record<string, unknown> {
  const fields = expected.fields ?? {};
  return {
    ...fields,
    message: expected.message,
    ...expected.extra,
    success: false,
    errors: { ...fields, message: expected.message },
    error_code: expected.code,
  };
}

/** Asserts the exact status and body, the envelope's types, and compact serialization. */
export function expectAuthyError(res: Res, expected: ExpectedError): void {
  expect(res.status, res.text).toBeLessThan(500);
  expect(res.status, res.text).toBe(expected.status);
  expect(res.body).toStrictEqual(envelope(expected));
  expect(typeof res.body.error_code).toBe('string');
  expect(res.body.error_code).toMatch(/^600\d\d$/);
  expect(res.text).toBe(JSON.stringify(res.body));
}

/** Asserts a 200 whose body is compact JSON (spec 2.4: no space after `:` or `,`) with a truthy `success`. */
export function expectCompactSuccess(res: Res): void {
  expect(res.status, res.text).toBe(200);
  expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
  expect(res.body.success === true || res.body.success === 'true', res.text).toBe(true);
}

export const invalidParameter = (field: string, problem: string): ExpectedError => ({
  status: 400,
  code: '60004',
  message: `Invalid parameter: ${field} - ${problem}`,
  fields: { [field]: problem },
});

export const userNotValid = (fields: Record<string, string>): ExpectedError => ({
  status: 400,
  code: '60027',
  message: 'User was not valid',
  fields,
});

export const INVALID_KEY: ExpectedError = { status: 401, code: '60001', message: 'Invalid API key' };
export const USER_NOT_FOUND: ExpectedError = { status: 404, code: '60026', message: 'User not found.' };
export const APPROVAL_NOT_FOUND: ExpectedError = {
  status: 404,
  code: '60049',
  message: 'Approval request not found.',
};
export const TOKEN_INVALID: ExpectedError = {
  status: 401,
  code: '60020',
  message: 'Token is invalid',
  extra: { token: 'is invalid' },
};
export const TOO_LARGE: ExpectedError = { status: 413, code: '60002', message: 'Request body is too large' };
export const NOT_JSON: ExpectedError = {
  status: 400,
  code: '60002',
  message: 'Invalid request: the body is not valid JSON',
};
export const NOT_AN_OBJECT: ExpectedError = {
  status: 400,
  code: '60002',
  message: 'Invalid request: the JSON body must be an object',
};
export const UNSUPPORTED_MEDIA: ExpectedError = {
  status: 415,
  code: '60002',
  message: 'Unsupported media type: send JSON or a form',
};

/** The problem text for a value that fails its pattern (control characters, non-digits, http URLs…). */
export const INVALID_FORMAT = 'has an invalid format';

/** Every table an API call can write to (usage counters aside). */
const DATA_TABLES = [
  'users',
  'app_users',
  'otp_codes',
  'approval_requests',
  'phone_verifications',
  'activities',
  'outbox',
] as const;

/** Every row of every data table: equal snapshots before and after a call prove it wrote nothing. */
export async function dataSnapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of DATA_TABLES) snapshot[table] = await db.selectFrom(table).selectAll().execute();
  return snapshot;
}

/** Sends `req` and asserts the exact error answer and that no data table changed. */
export async function expectRefusedWithoutWrites(
  server: { url: string; db: Kysely<Database> },
  req: Req,
  expected: ExpectedError,
): Promise<Res> {
  const before = await dataSnapshot(server.db);
  const res = await send(server, req);
  expectAuthyError(res, expected);
  expect(await dataSnapshot(server.db)).toStrictEqual(before);
  return res;
}

function totpOf(otpauthUrl: string): TOTP {
  const otp = URI.parse(otpauthUrl);
  if (!(otp instanceof TOTP)) throw new Error(`not a TOTP URI: ${otpauthUrl}`);
  return otp;
}

/** The current TOTP code from an `otpauth://` URI handed out by `users/{id}/secret`. */
export function totpNow(otpauthUrl: string, now: number): string {
  return totpOf(otpauthUrl).generate({ timestamp: now });
}

/** The base32 secret inside an `otpauth://` URI. */
export function secretOf(otpauthUrl: string): string {
  return totpOf(otpauthUrl).secret.base32;
}

/** A code of the same length that is neither of the two codes the server accepts at `now`. */
export function wrongCode(otpauthUrl: string, now: number): string {
  const otp = totpOf(otpauthUrl);
  const accepted = new Set([otp.generate({ timestamp: now }), otp.generate({ timestamp: now - 30_000 })]);
  for (let digit = 0; digit <= 9; digit++) {
    const candidate = String(digit).repeat(otp.digits);
    if (!accepted.has(candidate)) return candidate;
  }
  throw new Error('no wrong code found');
}

/** Registers a user with an app and returns its Authy id. */
export async function registerUser(
  server: { url: string },
  key: string,
  cellphone: string,
  email: string,
  countryCode: string | number = 1,
): Promise<number> {
  const res = await send(server, {
    method: 'POST',
    path: `${P}/users/new`,
    key,
    json: { user: { email, cellphone, country_code: countryCode } },
  });
  expect(res.status, res.text).toBe(200);
  return (res.body.user as { id: number }).id;
}
