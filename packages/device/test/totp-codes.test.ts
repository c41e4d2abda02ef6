import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { type Account, totpCodes } from '../src/index.js';

// RFC 6238 Appendix B: the ASCII seed "12345678901234567890", base32-encoded.
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

function account(totp: Partial<Account['totp']> = {}): Account {
  return {
    app_id: 1,
    app_name: 'Countersign Bank',
    authy_id: 42,
    totp: { secret: RFC_SEED, digits: 7, period: 30, algorithm: 'SHA1', ...totp },
  };
}

describe('totpCodes', () => {
  it('matches the RFC 6238 SHA-1 vectors', () => {
    for (const [seconds, code] of [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [2_000_000_000, '69279037'],
    ] as const) {
      expect(totpCodes([account({ digits: 8 })], seconds * 1000)[0]?.code).toBe(code);
    }
  });

  it('equals otpauth for the same seed at many moments, digits and algorithms', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      for (const digits of [6, 7, 8]) {
        for (const now of [0, 29_999, 30_000, 1_764_158_400_000, 1_764_158_417_321]) {
          const expected = TOTP.generate({
            secret: Secret.fromBase32(secret),
            algorithm,
            digits,
            period: 30,
            timestamp: now,
          });
          expect(totpCodes([account({ secret, digits, algorithm })], now)[0]?.code).toBe(expected);
        }
      }
    }
  });

  it('names each account, counts the whole seconds left in the step, and gives the step’s length', () => {
    const step = 1_764_158_400_000; // a multiple of 30 s
    const accounts = [account(), { ...account({ period: 60 }), app_name: 'Shop', authy_id: 7 }];
    expect(totpCodes(accounts, step).map(({ code: _code, ...rest }) => rest)).toEqual([
      { app_name: 'Countersign Bank', authy_id: 42, expires_in: 30, period: 30 },
      { app_name: 'Shop', authy_id: 7, expires_in: 60, period: 60 },
    ]);
    expect(totpCodes([account()], step + 29_999)[0]?.expires_in).toBe(1);
    expect(totpCodes([account()], step + 29_000)[0]?.expires_in).toBe(1);
    expect(totpCodes([account()], step + 28_999)[0]?.expires_in).toBe(2);
  });
});
