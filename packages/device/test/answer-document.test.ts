import { canonicalJson, displayHash } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import {
  answerDocument,
  type DeviceError,
  exportPublicJwk,
  generateDeviceKeyPair,
  type PendingRequest,
  signAnswer,
} from '../src/index.js';
import { verifiesWithNode } from './support/node-verify.js';

const request: PendingRequest = {
  uuid: '6f1d3c1e-6a55-4a8b-9a0e-5d8f1e2c3b4a',
  app_id: 1,
  app_name: 'Countersign Bank',
  message: 'Transfer $500',
  details: { Account: '1234' },
  created_at: '2026-11-26T12:00:00.000Z',
  expires_at: null,
  number_match_required: false,
  nonce: 'request-nonce',
  user_verification: 'off',
};
const context = { deviceId: 'device-1', signedAt: 1_764_158_400_000 };

async function failure(promise: Promise<unknown>): Promise<DeviceError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: DeviceError) => error,
  );
}

describe('answer documents', () => {
  it('an approval holds every member the protocol names, and its signature verifies over JCS(document)', async () => {
    const document = await answerDocument(request, { decision: 'approved' }, context);
    expect(document).toEqual({
      purpose: 'countersign-answer',
      uuid: request.uuid,
      decision: 'approved',
      reason: null,
      device_id: 'device-1',
      nonce: 'request-nonce',
      display_hash: await displayHash(request),
      number_match: null,
      signed_at: 1_764_158_400_000,
    });
    const pair = await generateDeviceKeyPair({ extractable: false });
    const signed = await signAnswer(pair.privateKey, document);
    expect(signed.document).toBe(document);
    const jwk = await exportPublicJwk(pair.publicKey);
    expect(verifiesWithNode(jwk, canonicalJson(document), signed.signature)).toBe(true);
    expect(verifiesWithNode(jwk, canonicalJson({ ...document, decision: 'denied' }), signed.signature)).toBe(
      false,
    );
  });

  it('a denial carries reason "denied" by default, or "not_me", and never a number-match code', async () => {
    const numbered = { ...request, number_match_required: true };
    expect(await answerDocument(numbered, { decision: 'denied' }, context)).toMatchObject({
      decision: 'denied',
      reason: 'denied',
      number_match: null,
    });
    expect(await answerDocument(request, { decision: 'denied', reason: 'not_me' }, context)).toMatchObject({
      reason: 'not_me',
    });
  });

  it('an approval of a number-matching request carries the code, and fails with number_match_required without it', async () => {
    const numbered = { ...request, number_match_required: true };
    expect(
      await answerDocument(numbered, { decision: 'approved', numberMatch: '42' }, context),
    ).toMatchObject({
      number_match: '42',
    });
    const error = await failure(answerDocument(numbered, { decision: 'approved' }, context));
    expect(error.code).toBe('number_match_required');
  });

  it('a code for a request that asks for none fails with number_match_unexpected', async () => {
    const error = await failure(
      answerDocument(request, { decision: 'approved', numberMatch: '42' }, context),
    );
    expect(error.code).toBe('number_match_unexpected');
  });

  it('an approval with a reason is a programming error (TypeError)', async () => {
    await expect(
      answerDocument(request, { decision: 'approved', reason: 'denied' }, context),
    ).rejects.toThrow(TypeError);
  });
});
