/** Removes `api_key` values from a URL before it is logged or stored (D10). */
export function redactUrl(url: string): string {
  return url.replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]');
}
