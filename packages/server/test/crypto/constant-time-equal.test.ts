import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/crypto/digest.js';

// That every verifier calls it, and that it is timingSafeEqual underneath, is a source rule
// (`scripts/check-rules.mjs`, R20); here, that it answers what it is asked.
describe('R20: secrets are compared in constant time', () => {
  it('constantTimeEqual answers like ===: equal, one digit off, one longer, empty, a lookalike character', () => {
    for (const [a, b] of [
      ['123456', '123456'],
      ['123456', '123457'],
      ['123456', '1234567'],
      ['', ''],
      ['é', 'e'],
    ] as const) {
      expect(constantTimeEqual(a, b)).toBe(a === b);
    }
  });
});
