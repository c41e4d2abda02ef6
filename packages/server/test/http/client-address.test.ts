// The address a per-address budget counts (R5, D13), read once per address and kept.
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/http/client-address.js';

describe('clientAddress', () => {
  it('counts an IPv4 address as itself, a mapped one as its IPv4 address, and IPv6 by its /64', () => {
    expect(clientAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('not an address')).toBe('not an address');
  });

  it('reads the same address the same way however often it is asked, past the size of what it keeps', () => {
    const first = clientAddress('2001:db8:9:9::1');
    for (let i = 0; i < 25_000; i += 1) clientAddress(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(clientAddress('2001:db8:9:9::1')).toBe(first);
    expect(clientAddress('10.0.1.2')).toBe('10.0.1.2');
    expect(clientAddress('::ffff:10.0.1.2')).toBe('10.0.1.2');
  });
});
