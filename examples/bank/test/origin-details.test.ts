import { describe, expect, it } from 'vitest';
import { originDetails } from '../src/approvals/origin-details.js';

const safari =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('where a login comes from, as its push says', () => {
  it('says "Local network" only for an address that never crosses the internet', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '10.2.3.4',
      '172.20.0.9',
      '192.168.1.5',
      '169.254.1.1',
      'fd12::1',
      'fe80::1',
    ]) {
      expect(originDetails({ ip, userAgent: safari }), ip).toEqual({
        'IP address': ip,
        Browser: 'Safari 17 on iOS',
        Place: 'Local network',
      });
    }
  });

  it('names no place for a public address: it is not guessed without a GeoIP database', () => {
    for (const ip of ['203.0.113.9', '172.32.0.1', '8.8.8.8', '2001:db8::1']) {
      expect(originDetails({ ip, userAgent: safari }), ip).toEqual({
        'IP address': ip,
        Browser: 'Safari 17 on iOS',
      });
    }
  });

  it('shows an IPv4 address mapped into IPv6 as IPv4, and reads it as such', () => {
    expect(originDetails({ ip: '::ffff:192.168.0.7', userAgent: undefined })).toEqual({
      'IP address': '192.168.0.7',
      Browser: 'Not given by the browser',
      Place: 'Local network',
    });
    expect(originDetails({ ip: '::ffff:198.51.100.1', userAgent: undefined })).toEqual({
      'IP address': '198.51.100.1',
      Browser: 'Not given by the browser',
    });
  });
});
