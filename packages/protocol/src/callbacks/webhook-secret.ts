import { decodeBase64 } from '../lib/base64.js';

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`. A bare base64 secret is accepted
 * too, as the reference libraries accept it.
 *
 * @throws TypeError when the secret is empty or not base64.
 */
export function webhookSecretKey(secret: string): Uint8Array {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new TypeError('a webhook secret is `whsec_` followed by base64');
  }
  return decodeBase64(encoded);
}

/** One secret or several (during a rotation), as a non-empty list. */
export function secretList(secrets: string | readonly string[]): readonly string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError('at least one webhook secret is needed');
  return list;
}
