import { createHmac } from 'node:crypto';

/**
 * Twilio's request signature (`X-Twilio-Signature`): base64 HMAC-SHA1, keyed with the account's auth token,
 * over the URL posted to followed by each form field's name and value, the names in sorted order. What the
 * `twilio` package's `validateRequest(authToken, signature, url, params)` checks.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  fields: Readonly<Record<string, string>>,
): string {
  const data = Object.keys(fields)
    .sort()
    .reduce((signed, name) => signed + name + fields[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
