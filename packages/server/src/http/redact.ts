/** A URL component decoded as the router and the query parser decode it; a malformed escape stays as sent. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Whether a query parameter name is `api_key` or `api_key[…]` once decoded. */
function isKeyParameter(rawName: string): boolean {
  return /^api_key(?:\[|$)/i.test(decoded(rawName.replace(/\+/g, ' ')));
}

/**
 * Removes secrets from a URL before it is logged or stored: `api_key` values (D10) and the token in
 * `/verify/{token}/{id}` (R85), however they are spelled: `api%5Fkey=…` and `/%76erify/…` reach the API
 * gate and the verify route too, so names are compared once decoded.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  const segments = (start === -1 ? url : url.slice(0, start)).split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (decoded(segments[i] ?? '').toLowerCase() === 'verify') segments[i + 1] = '[redacted]';
  }
  const path = segments.join('/');
  if (start === -1) return path;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return isKeyParameter(name) ? `${name}=[redacted]` : pair;
    });
  return `${path}?${pairs.join('&')}`;
}
