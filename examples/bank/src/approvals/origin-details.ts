import { browserName } from './browser-name.js';

/**
 * Where a request to the bank comes from, as the bank sees it: the address the connection came from (the
 * bank takes no `X-Forwarded-For`; behind a proxy this is the proxy's), and the browser's `User-Agent`.
 */
export interface RequestOrigin {
  readonly ip: string;
  readonly userAgent: string | undefined;
}

/**
 * The details that tell the customer, on their phone, where a login or a new device's confirmation comes
 * from: the IP address and the browser. No place: that needs a GeoIP database the bank would have to
 * download and keep current, so it is left out rather than guessed.
 */
export function originDetails(origin: RequestOrigin): Record<string, string> {
  return {
    'IP address': origin.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
    Browser: browserName(origin.userAgent),
  };
}
