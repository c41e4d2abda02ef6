import ipaddr from 'ipaddr.js';

/** The named ranges a trusted-proxy list may use, as Fastify's proxy-addr understands them. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The client a per-address budget counts (R5, D13): the address as Fastify sees it (`request.ip`, which
 * honours `X-Forwarded-For` only from trusted proxies). An IPv4 address mapped into IPv6 is the IPv4
 * address; an IPv6 address counts by its /64 prefix, the smallest block a provider gives a subscriber, so
 * that one client cannot spread itself over 2^64 addresses.
 */
function addressOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...prefix, 0, 0, 0, 0]).toString()}/64`;
}

/** Addresses already read: a client sends many requests, and reading one costs more than a lookup. */
const known = new Map<string, string>();
/** Enough for the clients of a busy minute; past it the map starts again. */
const KNOWN_MAX = 10_000;

/**
 * The client a per-address budget counts (R5, D13), from `request.ip`: see `addressOf`. Every request asks
 * (the in-flight limit counts per address), so an address's reading is kept: it depends on the address alone.
 */
export function clientAddress(ip: string): string {
  const kept = known.get(ip);
  if (kept !== undefined) return kept;
  const address = addressOf(ip);
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(ip, address);
  return address;
}

/**
 * Checks one entry of `COUNTERSIGN_TRUST_PROXY`: an address, a CIDR range, or `loopback`, `linklocal`,
 * `uniquelocal`. Returns a problem to report, or `undefined` when the entry is sound.
 */
export function trustedProxyProblem(entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined;
  // Only the usual spellings: ipaddr.js would also take `10.1` or `0x7f.1`, which nobody means in a config.
  if (entry.includes('/')) {
    const range = ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || ipaddr.IPv6.isValidCIDR(entry);
    return range ? undefined : `"${entry}" is not a CIDR range`;
  }
  const address = ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry);
  return address ? undefined : `"${entry}" is not an IP address`;
}
