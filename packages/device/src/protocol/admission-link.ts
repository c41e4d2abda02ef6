import { DeviceError } from '../device-error.js';

/**
 * Reads `{PUBLIC_URL}/authenticator/#admit={TOKEN}`, the link a holding device shows to add another device.
 * The token travels in the fragment so that it never reaches a server log; the service is the link's origin.
 */
export function parseAdmissionLink(url: string): { server: string; token: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeviceError('invalid_link', 'the admission link is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new DeviceError('invalid_link', 'the admission link is not an http(s) URL');
  }
  if (!/^\/authenticator\/?$/.test(parsed.pathname)) {
    throw new DeviceError('invalid_link', 'the admission link does not point at /authenticator/');
  }
  const token = new URLSearchParams(parsed.hash.slice(1)).get('admit');
  if (token === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    throw new DeviceError('invalid_link', 'the admission link carries no admission token (#admit=…)');
  }
  return { server: parsed.origin, token };
}
