import { base64 } from '../lib/base64.js';
import { utf8 } from '../lib/base64url.js';
import { hmacSha256 } from '../lib/sha256.js';
import { authyCanonical } from './authy-canonical.js';

/** What an Authy callback signature covers, and the key that makes it. */
export interface AuthyCallbackToSign {
  /** The application's API key (the HMAC key, UTF-8). */
  readonly apiKey: string;
  /** `X-Authy-Signature-Nonce`: Unix seconds as text, e.g. `'1512923419'`. */
  readonly nonce: string;
  /** `POST` or `GET` (any case; signed upper-cased). */
  readonly method: string;
  /** The callback URL; anything from `?` or `#` on is not signed. */
  readonly url: string;
  /** The JSON body (POST) or the parsed, nested query (GET). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** `scheme://host[:port]/path` of `url`, exactly as written: the Authy signature ignores the query. */
function urlWithoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The `X-Authy-Signature` of a callback (spec `authy-api.md` 6.3):
 * `base64(HMAC-SHA256(apiKey, nonce|METHOD|url-without-query|authyCanonical(params)))`, standard alphabet,
 * padded.
 */
export function signAuthyCallback(callback: AuthyCallbackToSign): string {
  const { apiKey, nonce, method, url, params } = callback;
  if (apiKey === '') throw new TypeError('signAuthyCallback: apiKey is empty');
  const data = `${nonce}|${method.toUpperCase()}|${urlWithoutQuery(url)}|${authyCanonical(params)}`;
  return base64(hmacSha256(utf8(apiKey), data));
}
