import { describe, expect, it } from 'vitest';
import { type AnswerDocument, readAnswerDocument } from '../src/index.js';
import { protocolVectors } from './support/protocol-vectors.js';

const document = protocolVectors().json<AnswerDocument>('answer/document');
const { signed_at: _dropped, ...withoutSignedAt } = document;
const problemOf = (value: unknown) => {
  const read = readAnswerDocument(value);
  return 'problem' in read ? read.problem : 'accepted';
};

describe('readAnswerDocument holds an untrusted document to the protocol', () => {
  it('accepts the doc’s document, an approval without a code and a denial with either reason', () => {
    expect(problemOf(document)).toBe('accepted');
    expect(problemOf({ ...document, number_match: null })).toBe('accepted');
    expect(problemOf({ ...document, decision: 'denied', reason: 'denied', number_match: null })).toBe(
      'accepted',
    );
    expect(problemOf({ ...document, decision: 'denied', reason: 'not_me', number_match: null })).toBe(
      'accepted',
    );
  });

  it('gives back the very object it read, so a receipt repeats it as the device sent it', () => {
    const read = readAnswerDocument(document);
    expect('document' in read && read.document).toBe(document);
  });

  it.each([
    ['not an object', null, 'document is not an object'],
    ['an array', [document], 'document is not an object'],
    ['a string', JSON.stringify(document), 'document is not an object'],
    ['with a member more', { ...document, extra: 1 }, 'unexpected fields'],
    ['with a member less', withoutSignedAt, 'unexpected fields'],
    ['of another purpose', { ...document, purpose: 'countersign-enrollment' }, 'purpose'],
    ['with another decision', { ...document, decision: 'maybe' }, 'decision'],
    ['with an unknown reason', { ...document, decision: 'denied', reason: 'number_mismatch' }, 'reason'],
    ['approving with a reason', { ...document, reason: 'denied' }, 'reason'],
    ['denying without a reason', { ...document, decision: 'denied', reason: null }, 'reason'],
    ['with a code that is not digits', { ...document, number_match: '4two' }, 'number_match'],
    ['with a code of 11 digits', { ...document, number_match: '12345678901' }, 'number_match'],
    ['with a number as code', { ...document, number_match: 42 }, 'number_match'],
    ['with a uuid of 101 characters', { ...document, uuid: 'u'.repeat(101) }, 'uuid'],
    ['with a numeric device id', { ...document, device_id: 5 }, 'device_id'],
    ['without a nonce', { ...document, nonce: null }, 'nonce'],
    ['with a display hash of 101 characters', { ...document, display_hash: 'h'.repeat(101) }, 'display_hash'],
    ['signed at a fraction of a millisecond', { ...document, signed_at: 1.5 }, 'signed_at'],
    ['signed at a time in text', { ...document, signed_at: '1764158400000' }, 'signed_at'],
  ])('refuses a document %s, naming what is wrong', (_what, value, problem) => {
    expect(problemOf(value)).toBe(problem);
  });
});
