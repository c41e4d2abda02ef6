import { BlockList, isIP } from 'node:net';
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
 * Addresses that never cross the internet: loopback (the bank's own machine), the private ranges of RFC
 * 1918 and RFC 4193, and link-local ones.
 */
const LOCAL = new BlockList();
LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('10.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('172.16.0.0', 12, 'ipv4');
LOCAL.addSubnet('192.168.0.0', 16, 'ipv4');
LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addSubnet('fc00::', 7, 'ipv6');
LOCAL.addSubnet('fe80::', 10, 'ipv6');

/**
 * The details that tell the customer, on their phone, where a login or a new device's confirmation comes
 * from: the IP address, the browser, and, for an address that never crosses the internet, that it came
 * from the local network. No place for a public address: that needs a GeoIP database the bank would have
 * to download and keep current, so it is left out rather than guessed.
 */
export function originDetails(origin: RequestOrigin): Record<string, string> {
  const ip = origin.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const family = isIP(ip);
  const local = family !== 0 && LOCAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  return {
    'IP address': ip,
    Browser: browserName(origin.userAgent),
    ...(local && { Place: 'Local network' }),
  };
}
