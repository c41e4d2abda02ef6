import { CallbackVerificationError } from '../callback-verification-error.js';

/**
 * Where the request headers come from: a Fetch `Headers` object (or anything with `get`), or a plain record
 * such as Node's `IncomingHttpHeaders`, looked up case-insensitively.
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

function isFetchHeaders(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof headers.get === 'function';
}

function lookUp(headers: HeaderSource, name: string): string | readonly string[] | null | undefined {
  if (isFetchHeaders(headers)) return headers.get(name);
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The value of header `name` (lower case).
 *
 * @throws CallbackVerificationError `missing_header` when absent or empty, `malformed_header` when repeated.
 */
export function requireHeader(headers: HeaderSource, name: string): string {
  const value = lookUp(headers, name);
  if (Array.isArray(value) && value.length > 1) {
    throw new CallbackVerificationError('malformed_header', `${name} is repeated`);
  }
  const single: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof single !== 'string' || single.trim() === '') {
    throw new CallbackVerificationError('missing_header', `${name} is missing`);
  }
  return single.trim();
}
