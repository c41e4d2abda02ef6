import { displayTextProblem } from '@countersign/protocol';
import { DeviceError } from '../device-error.js';
import type { TotpParameters } from '../protocol/wire.js';

/** A third-party TOTP account: who issued it, whose it is, and how its codes are made. */
export type TotpAccount = {
  /** The service, e.g. "GitHub"; may be empty when the URI names none. */
  issuer: string;
  /** The user at that service, e.g. "ada@example.com"; may be empty when an issuer is named. */
  account_name: string;
  totp: TotpParameters;
};

/** What a person types instead of a URI: the secret, and the parameters the service shows beside it. */
export type TypedTotpAccount = {
  issuer: string;
  account_name: string;
  secret: string;
  algorithm?: string;
  digits?: string | number;
  period?: string | number;
};

const ALGORITHMS: readonly TotpParameters['algorithm'][] = ['SHA1', 'SHA256', 'SHA512'];
const DIGITS = [6, 7, 8];
const PERIODS = [30, 60];
/** 80 bits: the shortest secret services still hand out (RFC 4226 asks for 128). */
const MIN_SECRET_CHARS = 16;
/** 1024 bits: far past SHA-512's block, so nothing real is longer. */
const MAX_SECRET_CHARS = 205;
const MAX_NAME = 200;
const MAX_URI = 2048;
/** A Base32 text of whole bytes has one of these lengths modulo 8 (RFC 4648, section 6). */
const WHOLE_BYTES = new Set([0, 2, 4, 5, 7]);

function refuse(message: string): never {
  throw new DeviceError('invalid_totp', message);
}

/**
 * The secret as RFC 4648 Base32 of whole bytes, upper case and unpadded. `typed` allows what a person
 * copies by hand: spaces, hyphens and lower case. Anything else — another alphabet, a stray `=`, a length
 * no byte string has, fewer than 80 bits — is refused, never guessed at.
 */
export function normalizeBase32Secret(secret: string, typed = false): string {
  let text = typed ? secret.replace(/[\s-]+/g, '').toUpperCase() : secret.toUpperCase();
  const padding = /=+$/.exec(text);
  if (padding !== null) {
    text = text.slice(0, padding.index);
    if ((text.length + padding[0].length) % 8 !== 0) refuse('the secret’s Base32 padding is wrong');
  }
  if (text === '') refuse('the secret is missing');
  if (!/^[A-Z2-7]+$/.test(text))
    refuse('the secret is not Base32: it may only hold the letters A–Z and digits 2–7');
  if (!WHOLE_BYTES.has(text.length % 8))
    refuse('the secret is not whole bytes of Base32: a character is missing or extra');
  if (text.length < MIN_SECRET_CHARS)
    refuse('the secret is too short: a TOTP secret has at least 16 characters');
  if (text.length > MAX_SECRET_CHARS) refuse('the secret is too long');
  return text;
}

function algorithmOf(value: string | undefined): TotpParameters['algorithm'] {
  if (value === undefined || value === '') return 'SHA1';
  const algorithm = ALGORITHMS.find((known) => known === value.toUpperCase());
  if (algorithm === undefined)
    refuse(`the algorithm ${JSON.stringify(value)} is not supported: use SHA1, SHA256 or SHA512`);
  return algorithm;
}

function numberOf(
  value: string | number | undefined,
  allowed: readonly number[],
  fallback: number,
  what: string,
): number {
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  const number = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!allowed.includes(number)) {
    const choices = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
    refuse(`the ${what} ${JSON.stringify(text)} is not supported: use ${choices}`);
  }
  return number;
}

function nameOf(value: string, what: string): string {
  const name = value.trim();
  if (name.length > MAX_NAME) refuse(`the ${what} is longer than ${MAX_NAME} characters`);
  const problem = displayTextProblem(name);
  if (problem !== undefined) refuse(`the ${what} ${problem.problem}`);
  return name;
}

function named(issuer: string, accountName: string): { issuer: string; account_name: string } {
  const named = { issuer: nameOf(issuer, 'issuer'), account_name: nameOf(accountName, 'account name') };
  if (named.issuer === '' && named.account_name === '')
    refuse('the account has no name: give an issuer or an account name');
  return named;
}

/** A typed account, checked as strictly as a URI. */
export function typedTotpAccount(typed: TypedTotpAccount): TotpAccount {
  return {
    ...named(typed.issuer, typed.account_name),
    totp: {
      secret: normalizeBase32Secret(typed.secret, true),
      algorithm: algorithmOf(typed.algorithm),
      digits: numberOf(typed.digits, DIGITS, 6, 'number of digits'),
      period: numberOf(typed.period, PERIODS, 30, 'period'),
    },
  };
}

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return refuse(`the ${what} is not valid percent-encoded UTF-8`);
  }
}

/**
 * Reads a key URI `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…` as
 * services put in their QR codes. Strict, since the text comes from any QR code held to the camera: only
 * TOTP, no parameter twice, an issuer parameter that agrees with the label's, and only SHA-1/256/512, 6–8
 * digits and 30 or 60 s periods. Every refusal is a `DeviceError` `invalid_totp` saying what is wrong.
 */
export function parseOtpauthUri(text: string): TotpAccount {
  const uri = text.trim();
  if (uri.length > MAX_URI) refuse('the otpauth:// link is too long');
  const match = /^otpauth:\/\/([A-Za-z]+)\/([^?#]*)(?:\?([^#]*))?$/.exec(uri);
  if (match === null) refuse('this is not an otpauth:// link');
  const [, type = '', rawLabel = '', query = ''] = match;
  if (type.toLowerCase() === 'hotp')
    refuse('counter-based (HOTP) accounts are not supported, only time-based (TOTP) ones');
  if (type.toLowerCase() !== 'totp')
    refuse(`an otpauth:// link of type ${JSON.stringify(type)} is not supported`);

  const parameters = new Map<string, string>();
  for (const pair of query === '' ? [] : query.split('&')) {
    const cut = pair.indexOf('=');
    const key = decoded(cut < 0 ? pair : pair.slice(0, cut), 'link').toLowerCase();
    if (parameters.has(key)) refuse(`the link gives ${key} twice`);
    parameters.set(key, decoded(cut < 0 ? '' : pair.slice(cut + 1).replace(/\+/g, ' '), key));
  }

  const label = decoded(rawLabel, 'label');
  const colon = label.indexOf(':');
  const labelIssuer = colon < 0 ? undefined : label.slice(0, colon).trim();
  const accountName = colon < 0 ? label : label.slice(colon + 1);
  const issuerParameter = parameters.get('issuer');
  if (issuerParameter !== undefined && labelIssuer !== undefined && issuerParameter.trim() !== labelIssuer) {
    refuse('the issuer in the label and the issuer parameter differ');
  }
  const secret = parameters.get('secret');
  if (secret === undefined) refuse('the link has no secret');
  return {
    ...named(issuerParameter ?? labelIssuer ?? '', accountName),
    totp: {
      secret: normalizeBase32Secret(secret),
      algorithm: algorithmOf(parameters.get('algorithm')),
      digits: numberOf(parameters.get('digits'), DIGITS, 6, 'number of digits'),
      period: numberOf(parameters.get('period'), PERIODS, 30, 'period'),
    },
  };
}
