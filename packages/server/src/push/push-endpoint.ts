/** The push services browsers use. A subscription pointing anywhere else is refused (no SSRF through push). */
const PUSH_SERVICE_SUFFIXES = ['.googleapis.com', '.mozilla.com', '.push.apple.com', '.notify.windows.com'];

/**
 * Whether a push endpoint may be called: https to a known push service, or a host the operator allowed
 * (`COUNTERSIGN_PUSH_ALLOW`, e.g. a test push service on loopback, which may use http).
 */
export function pushEndpointAllowed(endpoint: string, allowedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || endpoint.length > 1000) return false;
  if (allowedHosts.includes(url.host) || allowedHosts.includes(url.hostname)) {
    return url.protocol === 'https:' || url.protocol === 'http:';
  }
  return (
    url.protocol === 'https:' && PUSH_SERVICE_SUFFIXES.some((suffix) => `.${url.hostname}`.endsWith(suffix))
  );
}
