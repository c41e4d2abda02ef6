import { describe, expect, it } from 'vitest';
import { type AdmissionDocument, readAdmissionDocument } from '../src/index.js';
import { protocolVectors } from './support/protocol-vectors.js';

const document = protocolVectors().json<AdmissionDocument>('admission/document');
const problemOf = (value: unknown) => {
  const read = readAdmissionDocument(value);
  return 'problem' in read ? read.problem : 'accepted';
};

describe('readAdmissionDocument holds an untrusted admission to the protocol', () => {
  it('accepts the doc’s document, and one for a device enrolled by phone (app_id null)', () => {
    expect(problemOf(document)).toBe('accepted');
    expect(problemOf({ ...document, app_id: null })).toBe('accepted');
  });

  it.each([
    ['not an object', [document], 'document is not an object'],
    ['a member more', { ...document, extra: 1 }, 'unexpected fields'],
    ['another purpose', { ...document, purpose: 'countersign-answer' }, 'purpose'],
    [
      'a key with a private part',
      { ...document, new_public_key: { ...document.new_public_key, d: 'x' } },
      'new_public_key',
    ],
    [
      'a key on another curve',
      { ...document, new_public_key: { ...document.new_public_key, crv: 'P-384' } },
      'new_public_key',
    ],
    ['an unknown platform', { ...document, new_device_platform: 'toaster' }, 'new_device_platform'],
    ['a name too long', { ...document, new_device_name: 'x'.repeat(101) }, 'new_device_name'],
    ['an authy id as text', { ...document, authy_id: '42' }, 'authy_id'],
    ['an app id as a fraction', { ...document, app_id: 1.5 }, 'app_id'],
    ['a signing time as text', { ...document, signed_at: '1764158400000' }, 'signed_at'],
  ])('refuses %s', (_what, value, problem) => {
    expect(problemOf(value)).toBe(problem);
  });
});
