// Helpers shared by the sandbox suites (docs/sandbox.md): the exact error envelopes the table names, and
// registration through the real `authy` npm client, which (unlike authy-client) sends numbers unchecked.
import { expect } from 'vitest';
import { TOTP_PERIOD_SECONDS } from '../../src/crypto/totp.js';
import { type AuthyNpm, type Body, currentTotp, outcome } from '../compat/compat-support.js';
import type { TestClock, TestServer } from '../support/harness.js';

export const SANDBOX_TOKEN = '0000000';
export const SANDBOX_CODE = '0000';

/** The Authy error envelope, with per-field problems repeated at the top level and under `errors`. */
export function errorBody(
  code: string,
  message: string,
  options: { fields?: Record<string, string>; extra?: Record<string, string> } = {},
): Body {
  const fields = options.fields ?? {};
  return {
    ...fields,
    message,
    ...options.extra,
    success: false,
    errors: { ...fields, message },
    error_code: code,
  };
}

export const INVALID_KEY = errorBody('60001', 'Invalid API key');
export const USER_NOT_FOUND = errorBody('60026', 'User not found.');
/** The sandbox's answer for a token other than the magic one and an id it does not know (⚖ code 60026). */
export const USER_DOES_NOT_EXIST = errorBody('60026', "User doesn't exist");
export const TOKEN_INVALID = errorBody('60020', 'Token is invalid', { extra: { token: 'is invalid' } });
export const TOKEN_VALID = { message: 'Token is valid.', token: 'is valid', success: 'true' };
export const PHONE_INVALID = errorBody('60033', 'Phone number is invalid');
export const SANDBOX_CODE_INCORRECT = errorBody('60022', 'Verification code is incorrect.');
export const COUNTRY_CODE_REQUIRED = errorBody(
  '60004',
  'Invalid parameter: country_code - Parameter is required',
  { fields: { country_code: 'Parameter is required' } },
);
export const APPROVAL_NOT_FOUND = errorBody('60049', 'Approval request not found.');
export const USER_NOT_VALID = (fields: Record<string, string>) =>
  errorBody('60027', 'User was not valid', { fields });

/** Registers through the `authy` npm client and returns the id it reported; fails the test otherwise. */
export async function registerNpm(
  authy: AuthyNpm,
  email: string,
  cellphone: string,
  countryCode = '1',
): Promise<number> {
  const { err, res } = await outcome((done) => authy.register_user(email, cellphone, countryCode, done));
  expect(err).toBeNull();
  expect(res).toEqual({
    message: 'User created successfully.',
    user: { id: expect.any(Number) },
    success: true,
  });
  return ((res as Body).user as { id: number }).id;
}

/** A code of the app's length that is neither the magic token nor the user's current or previous TOTP code. */
export async function wrongToken(server: TestServer, clock: TestClock, appId: number, userId: number) {
  const current = await currentTotp(server, clock, appId, userId);
  clock.advance(-TOTP_PERIOD_SECONDS * 1000);
  const previous = await currentTotp(server, clock, appId, userId);
  clock.advance(TOTP_PERIOD_SECONDS * 1000);
  for (let n = 1; n < 10; n++) {
    const candidate = String(n).repeat(current.length);
    if (candidate !== current && candidate !== previous) return candidate;
  }
  throw new Error('no wrong code found');
}

/**
 * Moves the clock one TOTP step at a time (at most a few) until neither the current nor the previous code
 * of the user is `0000000`, so that a refusal of the magic token cannot be luck.
 */
export async function avoidMagicTotp(server: TestServer, clock: TestClock, appId: number, userId: number) {
  for (let tries = 0; tries < 4; tries++) {
    const current = await currentTotp(server, clock, appId, userId);
    clock.advance(-TOTP_PERIOD_SECONDS * 1000);
    const previous = await currentTotp(server, clock, appId, userId);
    clock.advance(TOTP_PERIOD_SECONDS * 1000);
    if (current !== SANDBOX_TOKEN && previous !== SANDBOX_TOKEN) return;
    clock.advance(2 * TOTP_PERIOD_SECONDS * 1000);
  }
  throw new Error('the TOTP code stayed 0000000');
}
