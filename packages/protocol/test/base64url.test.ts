import { describe, expect, it } from 'vitest';
import { decodeBase64url } from '../src/index.js';

describe('decodeBase64url', () => {
  it('gives the bytes node:crypto encoded, for every length of a tail', () => {
    const bytes = Buffer.from(Array.from({ length: 70 }, (_, i) => (i * 37 + 11) % 256));
    for (let length = 0; length <= bytes.length; length++) {
      const part = bytes.subarray(0, length);
      expect(Buffer.from(decodeBase64url(part.toString('base64url')))).toEqual(part);
    }
  });

  it('refuses padding, the standard alphabet and impossible lengths with a TypeError', () => {
    for (const bad of ['QQ==', 'a+b/', 'QUJD RA', 'QUJDR', 'é']) {
      expect(() => decodeBase64url(bad), bad).toThrow(TypeError);
    }
  });
});
