/**
 * Removes secrets from a URL before it is logged or stored: `api_key` values (D10) and the token in
 * `/verify/{token}/{id}` (R85).
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]').replace(/(\/verify\/)[^/?#]*/i, '$1[redacted]');
}
