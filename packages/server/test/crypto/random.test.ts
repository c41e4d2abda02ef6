import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/crypto/random.js';

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
