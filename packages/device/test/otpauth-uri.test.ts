import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceError, parseOtpauthUri, totpCode, typedTotpAccount } from '../src/index.js';

/** RFC 4648 Base32 of `bytes`, written here so the test does not lean on the code under test. */
function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let text = '';
  for (let at = 0; at < bits.length; at += 5)
    text += alphabet[Number.parseInt(bits.slice(at, at + 5).padEnd(5, '0'), 2)];
  return text;
}

// RFC 6238 Appendix B seeds: "1234567890" repeated to 20, 32 and 64 bytes.
const SEEDS = {
  SHA1: Buffer.from('12345678901234567890'),
  SHA256: Buffer.from('12345678901234567890123456789012'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

/** RFC 6238 by node:crypto's HMAC. */
function rfc6238(seed: Buffer, algorithm: string, seconds: number, digits: number, period: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / period)));
  const mac = createHmac(algorithm, seed).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof DeviceError && error.code === 'invalid_totp') return error.message;
    throw error;
  }
  throw new Error('expected invalid_totp');
}

describe('otpauth:// links', () => {
  it('reads issuer, account and every supported algorithm, digit count and period; codes follow RFC 6238', () => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      for (const digits of [6, 7, 8]) {
        for (const period of [30, 60]) {
          const seed = SEEDS[algorithm];
          const uri = `otpauth://totp/Example%20Co:ada%40example.com?secret=${base32(seed)}&issuer=Example+Co&algorithm=${algorithm}&digits=${digits}&period=${period}`;
          const account = parseOtpauthUri(uri);
          expect(account).toEqual({
            issuer: 'Example Co',
            account_name: 'ada@example.com',
            totp: { secret: base32(seed), algorithm, digits, period },
          });
          for (const seconds of [59, 1_111_111_109, 2_000_000_000]) {
            expect(totpCode(account.totp, seconds * 1000).code).toBe(
              rfc6238(seed, algorithm.replace('SHA', 'sha'), seconds, digits, period),
            );
          }
        }
      }
    }
  });

  it('defaults to SHA-1, 6 digits and 30 s; takes the issuer from the label alone, or none', () => {
    expect(parseOtpauthUri('otpauth://totp/GitHub:ada?secret=JBSWY3DPEHPK3PXP')).toEqual({
      issuer: 'GitHub',
      account_name: 'ada',
      totp: { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 },
    });
    expect(parseOtpauthUri('otpauth://totp/ada?secret=jbswy3dpehpk3pxp').issuer).toBe('');
    expect(
      parseOtpauthUri('otpauth://totp/ada?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&image=https://x').totp
        .secret,
    ).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  });

  it('refuses, saying why: another scheme or type, bad Base32, a missing or short secret, unsupported parameters', () => {
    const secret = 'JBSWY3DPEHPK3PXP';
    const cases: [string, string][] = [
      ['https://example.com/?secret=JBSWY3DPEHPK3PXP', 'this is not an otpauth:// link'],
      [
        `otpauth://hotp/a?secret=${secret}&counter=1`,
        'counter-based (HOTP) accounts are not supported, only time-based (TOTP) ones',
      ],
      [`otpauth://steam/a?secret=${secret}`, 'an otpauth:// link of type "steam" is not supported'],
      [
        'otpauth://totp/a?secret=JBSWY3DPEHPK3PX1',
        'the secret is not Base32: it may only hold the letters A–Z and digits 2–7',
      ],
      [
        'otpauth://totp/a?secret=JBSWY3DPEHPK3PXPJ',
        'the secret is not whole bytes of Base32: a character is missing or extra',
      ],
      [
        'otpauth://totp/a?secret=JBSWY3DP',
        'the secret is too short: a TOTP secret has at least 16 characters',
      ],
      ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP%3D', 'the secret’s Base32 padding is wrong'],
      ['otpauth://totp/a?issuer=x', 'the link has no secret'],
      [`otpauth://totp/a?secret=${secret}&secret=${secret}`, 'the link gives secret twice'],
      [
        `otpauth://totp/a?secret=${secret}&algorithm=MD5`,
        'the algorithm "MD5" is not supported: use SHA1, SHA256 or SHA512',
      ],
      [
        `otpauth://totp/a?secret=${secret}&digits=9`,
        'the number of digits "9" is not supported: use 6, 7 or 8',
      ],
      [
        `otpauth://totp/a?secret=${secret}&digits=6.0`,
        'the number of digits "6.0" is not supported: use 6, 7 or 8',
      ],
      [`otpauth://totp/a?secret=${secret}&period=45`, 'the period "45" is not supported: use 30 or 60'],
      [
        `otpauth://totp/Bank:a?secret=${secret}&issuer=Evil`,
        'the issuer in the label and the issuer parameter differ',
      ],
      [`otpauth://totp/?secret=${secret}`, 'the account has no name: give an issuer or an account name'],
      [
        `otpauth://totp/a%E2%80%AEb?secret=${secret}`,
        'the account name U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control) is not allowed',
      ],
      [`otpauth://totp/a%ZZ?secret=${secret}`, 'the label is not valid percent-encoded UTF-8'],
      [
        `otpauth://totp/${'a'.repeat(201)}?secret=${secret}`,
        'the account name is longer than 200 characters',
      ],
      [`otpauth://totp/a?secret=${'A'.repeat(3000)}`, 'the otpauth:// link is too long'],
    ];
    for (const [uri, message] of cases)
      expect(
        refusal(() => parseOtpauthUri(uri)),
        uri,
      ).toBe(message);
  });
});

describe('typed secrets', () => {
  it('take spaces, hyphens and lower case as people copy them, and the same strict checks', () => {
    expect(
      typedTotpAccount({
        issuer: ' Shop ',
        account_name: '',
        secret: 'jbsw y3dp-ehpk 3pxp',
        digits: '8',
        period: '60',
        algorithm: 'sha256',
      }),
    ).toEqual({
      issuer: 'Shop',
      account_name: '',
      totp: { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA256', digits: 8, period: 60 },
    });
    expect(
      refusal(() => typedTotpAccount({ issuer: 'Shop', account_name: '', secret: 'jbsw y3dp 0hpk 3pxp' })),
    ).toBe('the secret is not Base32: it may only hold the letters A–Z and digits 2–7');
    expect(
      refusal(() => typedTotpAccount({ issuer: '', account_name: ' ', secret: 'JBSWY3DPEHPK3PXP' })),
    ).toBe('the account has no name: give an issuer or an account name');
  });
});
