/** A URL component decoded as the router and the query parser decode it; a malformed escape stays as sent. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Parameters whose values never reach a log line (R85): keys (D10), codes, hidden details, and the phone
 * numbers and emails of users. Clients following Authy's curl samples send all of them in the query string.
 */
const SECRET_NAMES = new Set([
  'api_key',
  'token',
  'code',
  'verification_code',
  'custom_code',
  'hidden_details',
  'phone_number',
  'cellphone',
  'email',
  // Verify v2's phone number (`To`).
  'to',
]);

/** Whether a query parameter is secret once decoded: `api_key`, `api_key[…]`, `user[email]`, `hidden_details[x]`. */
function isSecretParameter(rawName: string): boolean {
  return decoded(rawName.replace(/\+/g, ' '))
    .toLowerCase()
    .split(/[[\]]+/)
    .some((segment) => SECRET_NAMES.has(segment.trim()));
}

/**
 * Removes secrets from a URL before it is logged or stored: `api_key` values (D10), codes, hidden details,
 * phone numbers and emails, the token in `/verify/{token}/{id}` and the number in Verify v2's
 * `/Verifications/{To}` (R85), however they are spelled:
 * `api%5Fkey=…` and `/%76erify/…` reach the API gate and the verify route too, so names are compared once
 * decoded.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  const segments = (start === -1 ? url : url.slice(0, start)).split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    const name = decoded(segments[i] ?? '').toLowerCase();
    if (name === 'verify') segments[i + 1] = '[redacted]';
    // Verify v2 reads a verification by its phone number too (`/Verifications/+15017122661`); a SID stays.
    if (name === 'verifications' && !/^VE[0-9a-f]{32}$/.test(segments[i + 1] ?? '')) {
      segments[i + 1] = '[redacted]';
    }
  }
  const path = segments.join('/');
  if (start === -1) return path;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return isSecretParameter(name) ? `${name}=[redacted]` : pair;
    });
  return `${path}?${pairs.join('&')}`;
}
