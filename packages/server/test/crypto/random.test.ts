import { describe, expect, it } from 'vitest';
import { cryptoRandom, randomBytes } from '../../src/crypto/random.js';

describe('pooled random bytes', () => {
  it('hands out each value once: 20 000 draws of 16 bytes, across several refills of the pool, all differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomBytes(16).toString('hex'));
    expect(seen.size).toBe(20_000);
  });

  it('returns buffers of the size asked, each its own: changing one changes no other', () => {
    for (const size of [0, 1, 12, 255, 256, 257, 4096, 10_000]) expect(randomBytes(size)).toHaveLength(size);
    const first = randomBytes(32);
    const copy = Buffer.from(first);
    const second = randomBytes(32);
    second.fill(0);
    expect(first.equals(copy)).toBe(true);
  });

  it('has no byte value missing or crowding in 1 MB of draws (each of 256 values within 20 % of its share)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 65_536; i++)
      for (const byte of randomBytes(16)) counts[byte] = (counts[byte] ?? 0) + 1;
    const share = (65_536 * 16) / 256;
    expect(Math.min(...counts)).toBeGreaterThan(share * 0.8);
    expect(Math.max(...counts)).toBeLessThan(share * 1.2);
  });
});

// That nothing else draws randomness (no Math.random, every source node:crypto) is a source rule
// (`scripts/check-rules.mjs`, R68); here, that what the service draws looks random.
describe('R68: randomness comes from a CSPRNG only', () => {
  it('the service’s Random gives uniform digits, 16-byte-plus values and v4 UUIDs', () => {
    const counts = new Array<number>(10).fill(0);
    const digits = cryptoRandom.digits(20_000);
    for (const d of digits) counts[Number(d)] = (counts[Number(d)] ?? 0) + 1;
    // 20 000 draws, 2 000 expected per digit: ±300 is over six standard deviations.
    for (const n of counts) expect(Math.abs(n - 2000)).toBeLessThan(300);
    expect(cryptoRandom.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(cryptoRandom.bytes(32).equals(cryptoRandom.bytes(32))).toBe(false);
  });
});
