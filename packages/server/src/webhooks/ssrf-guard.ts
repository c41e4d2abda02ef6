import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses no callback may reach unless the operator allows them (R52). */
const BLOCKED: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
];

const blocked = new BlockList();
for (const [network, prefix, type] of BLOCKED) blocked.addSubnet(network, prefix, type);

/** The operator's allow-list: host names and CIDR ranges (`COUNTERSIGN_WEBHOOK_ALLOW`). */
export interface EgressAllowList {
  readonly hosts: ReadonlySet<string>;
  readonly ranges: BlockList;
}

export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
}

/** Parses `host,host,10.0.0.0/8,::1/128`. Throws `TypeError` naming a malformed entry. */
export function parseAllowList(text: string): EgressAllowList {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [network = '', prefix] = entry.split('/');
    const family = isIP(network);
    if (family !== 0) {
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
        throw new TypeError(`COUNTERSIGN_WEBHOOK_ALLOW: bad range "${entry}"`);
      }
      ranges.addSubnet(network, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (/^[a-z0-9.-]+$/i.test(entry) && prefix === undefined) {
      hosts.add(entry.toLowerCase());
    } else {
      throw new TypeError(`COUNTERSIGN_WEBHOOK_ALLOW: bad entry "${entry}"`);
    }
  }
  return { hosts, ranges };
}

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as the IPv4 address it is. */
function unmap(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return { address: mapped[1], type: 'ipv4' };
  return { address, type: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether a resolved address may be called: public, or admitted by the allow-list. */
export function addressAllowed(address: string, hostname: string, allow: EgressAllowList): boolean {
  const { address: ip, type } = unmap(address);
  if (allow.hosts.has(hostname.toLowerCase()) || allow.ranges.check(ip, type)) return true;
  return !blocked.check(ip, type);
}

/** Checks a callback URL's form before anything is resolved: http(s), no credentials. */
export function checkCallbackUrl(url: URL): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new EgressRefused('only http and https callbacks are sent');
  if (url.username !== '' || url.password !== '')
    throw new EgressRefused('callback URLs must not carry credentials');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * A `lookup` for `http.request` that resolves every address of the host, refuses the connection if any of
 * them is not allowed, and connects to the address it checked: no window for DNS rebinding.
 */
export function guardedLookup(allow: EgressAllowList) {
  return (hostname: string, _options: unknown, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => !addressAllowed(a.address, hostname, allow));
      const first = addresses[0];
      if (refused !== undefined || first === undefined) {
        const reason = new EgressRefused(
          `callback address ${refused?.address ?? '(none)'} is not allowed`,
        ) as NodeJS.ErrnoException;
        reason.code = 'EGRESS_REFUSED';
        return callback(reason, '', 0);
      }
      callback(null, first.address, first.family);
    });
  };
}
