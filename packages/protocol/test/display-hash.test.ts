import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { displayHash } from '../src/index.js';

const shown = {
  app_name: 'Countersign Bank',
  message: 'Transfer $500 to bob@example.com',
  details: { Amount: '$500', Account: '1234', Memo: 'rent — März ✓' },
};

// Written out by hand from the protocol doc, so the test does not trust the code it checks.
const JCS =
  '{"app_name":"Countersign Bank","details":{"Account":"1234","Amount":"$500","Memo":"rent — März ✓"},' +
  '"message":"Transfer $500 to bob@example.com"}';

describe('displayHash', () => {
  it('is B64U(SHA256(JCS({app_name, message, details})))', async () => {
    expect(await displayHash(shown)).toBe(createHash('sha256').update(JCS, 'utf8').digest('base64url'));
  });

  it('is stable: the same content always hashes to this value', async () => {
    expect(await displayHash(shown)).toBe('Gt5elelnK8Dj8jt_Rn04RXRZ-MZpWd74x8t7mQoleNM');
  });

  it('ignores member order and every member but app_name, message and details', async () => {
    const reordered = {
      uuid: 'c6b6d2a4-3f0e-4f6e-9c39-1c0b1f1f1f1f',
      nonce: 'abc',
      details: { Memo: 'rent — März ✓', Account: '1234', Amount: '$500' },
      message: shown.message,
      app_name: shown.app_name,
    };
    expect(await displayHash(reordered)).toBe(await displayHash(shown));
  });

  it('changes with any shown character', async () => {
    const base = await displayHash(shown);
    expect(await displayHash({ ...shown, app_name: 'Countersign Bank.' })).not.toBe(base);
    expect(await displayHash({ ...shown, message: 'Transfer $5000 to bob@example.com' })).not.toBe(base);
    expect(await displayHash({ ...shown, details: { ...shown.details, Account: '1235' } })).not.toBe(base);
    expect(await displayHash({ ...shown, details: {} })).not.toBe(base);
  });
});
