import { verifyCallback } from '@countersign/client';
import { signAuthyCallback } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import { authyCallbackBody, type CallbackApproval } from '../../src/webhooks/authy-callback-body.js';
import { authyCompatibleKeys } from '../../src/webhooks/authy-compatible-keys.js';
import { authyClientVerify, ValidationFailedError } from './authy-client-verifier.js';

const API_KEY = 'app-api-key-0123456789abcdef';
const CALLBACK_URL = 'https://bank.example/hooks/countersign';
const NONCE = '1700000100';

const APPROVED: CallbackApproval = {
  uuid: '5f0e6a2c-0d43-4b4a-9a55-2a3c8d1e7b10',
  userId: 688611,
  appId: 15083,
  status: 'approved',
  reason: null,
  message: 'Transfer 100 EUR',
  details: { amount: '100 EUR', to: 'DE89 3704 0044 0532 0130 00' },
  hiddenDetails: { ip_address: '10.10.3.203' },
  logos: [
    { res: 'default', url: 'https://bank.example/logo.png' },
    { res: 'low', url: 'https://bank.example/logo-low.png' },
  ],
  createdAt: 1_700_000_000_500,
  expiresAt: 1_700_000_600_500,
  signedAt: 1_700_000_099_999,
  deviceId: '2102943',
  deviceSignature: 'MEUCIQDx…device-signature…==',
};

/** Builds, signs and sends (through JSON) a callback, as the delivery worker does. */
function deliver(approval: CallbackApproval) {
  const body = authyCallbackBody(approval);
  const signature = signAuthyCallback({
    apiKey: API_KEY,
    nonce: NONCE,
    method: 'POST',
    url: CALLBACK_URL,
    params: body,
  });
  return {
    apiKey: API_KEY,
    body: JSON.parse(JSON.stringify(body)),
    signature,
    nonce: NONCE,
    method: 'POST',
    url: CALLBACK_URL,
  };
}

describe('authyCallbackBody', () => {
  it('is the body of spec 6.2: whole seconds, device_uuid a string, Authy key order, empty maps null', () => {
    const body = authyCallbackBody({ ...APPROVED, hiddenDetails: {} });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        authy_id: 688611,
        device_uuid: '2102943',
        callback_action: 'approval_request_status',
        uuid: APPROVED.uuid,
        status: 'approved',
        approval_request: {
          transaction: {
            details: { amount: '100 EUR', to: 'DE89 3704 0044 0532 0130 00' },
            device_details: {},
            device_geolocation: '',
            device_signing_time: 1_700_000_099,
            encrypted: false,
            flagged: false,
            hidden_details: null,
            message: 'Transfer 100 EUR',
            reason: '',
            requester_details: null,
            status: 'approved',
            uuid: APPROVED.uuid,
            created_at_time: 1_700_000_000,
            customer_uuid: 15083,
          },
          expiration_timestamp: 1_700_000_600,
          logos: [
            { res: 'default', url: 'https://bank.example/logo.png' },
            { res: 'low', url: 'https://bank.example/logo-low.png' },
          ],
          app_id: '15083',
        },
        signature: 'MEUCIQDx…device-signature…==',
      }),
    );
  });

  it('reports a request nobody answered with empty device fields and never-expiring requests with null', () => {
    const body = authyCallbackBody({
      ...APPROVED,
      status: 'expired',
      expiresAt: null,
      signedAt: null,
      deviceId: null,
      deviceSignature: null,
      logos: [],
    });
    expect(body).toMatchObject({ device_uuid: '', signature: '', status: 'expired' });
    expect(body.approval_request).toMatchObject({ expiration_timestamp: null, logos: null });
    expect(body.approval_request.transaction.device_signing_time).toBe(0);
  });
});

describe('the real authy-client accepts the callbacks Countersign signs', () => {
  it.each([
    ['approved', APPROVED],
    ['denied, with a reason', { ...APPROVED, status: 'denied', reason: 'not me' } as const],
    [
      'without details, hidden details or logos',
      { ...APPROVED, details: {}, hiddenDetails: {}, logos: null },
    ],
  ])('%s', async (_name, approval) => {
    await expect(authyClientVerify(deliver(approval))).resolves.toBeDefined();
  });

  it('with details whose keys are of mixed case ({"Zip", "amount", "Account Number"})', async () => {
    const approval = {
      ...APPROVED,
      details: { Zip: '1', amount: '2', 'Account Number': '3' },
      hiddenDetails: { IP: '10.0.0.1', browser: 'Firefox' },
    };
    const callback = deliver(approval);
    await expect(authyClientVerify(callback)).resolves.toBeDefined();
    expect(callback.body.approval_request.transaction.details).toEqual({
      zip: '1',
      amount: '2',
      'account number': '3',
    });
    expect(callback.body.approval_request.transaction.hidden_details).toEqual({
      ip: '10.0.0.1',
      browser: 'Firefox',
    });
  });

  it('while the same mixed-case details, sent as they are, make authy-client refuse a correct signature', async () => {
    const body = authyCallbackBody(APPROVED);
    const raw = {
      ...body,
      approval_request: {
        ...body.approval_request,
        transaction: {
          ...body.approval_request.transaction,
          details: { Zip: '1', amount: '2', 'Account Number': '3' },
        },
      },
    };
    const signature = signAuthyCallback({
      apiKey: API_KEY,
      nonce: NONCE,
      method: 'POST',
      url: CALLBACK_URL,
      params: raw,
    });
    await expect(
      authyClientVerify({
        apiKey: API_KEY,
        body: raw,
        signature,
        nonce: NONCE,
        method: 'POST',
        url: CALLBACK_URL,
      }),
    ).rejects.toBeInstanceOf(ValidationFailedError);
  });

  it('and so does the SDK, within the freshness window of the nonce', () => {
    const callback = deliver({ ...APPROVED, details: { Zip: '1', amount: '2', 'Account Number': '3' } });
    const request = {
      scheme: 'authy',
      apiKey: API_KEY,
      method: 'POST',
      url: CALLBACK_URL,
      headers: { 'x-authy-signature': callback.signature, 'x-authy-signature-nonce': NONCE },
      params: callback.body,
    } as const;
    expect(verifyCallback(request, { currentDate: new Date(1_700_000_399_000) })).toEqual({
      scheme: 'authy',
      nonce: NONCE,
      timestamp: 1_700_000_100,
    });
  });
});

describe('authyCompatibleKeys keeps every value and changes keys only where authy-client would sort them apart', () => {
  it('leaves keys alone when both orders agree', () => {
    const details = { username: 'User', location: 'California,USA', 'Account Number': '1', Amount: '2' };
    expect(authyCompatibleKeys(details)).toEqual(details);
  });

  it('lower-cases the keys of a map whose orders disagree', () => {
    expect(authyCompatibleKeys({ Zip: '1', amount: '2', 'Account Number': '3' })).toEqual({
      zip: '1',
      amount: '2',
      'account number': '3',
    });
  });

  it('keeps both of two keys that lower-case alike: the lower-case one keeps its name, the other gets " 2"', () => {
    expect(authyCompatibleKeys({ Zip: 'upper', zip: 'lower', ZIP: 'caps', 'zip 2': 'taken' })).toEqual({
      'zip 4': 'upper',
      zip: 'lower',
      'zip 3': 'caps',
      'zip 2': 'taken',
    });
  });

  it('folds keys to letters, digits and spaces when lower case is not enough', () => {
    expect(authyCompatibleKeys({ A_b: '1', a1: '2', 'Montant_€': '3', Épargne: '4', f: '5' })).toEqual({
      'a b': '1',
      a1: '2',
      montant: '3',
      epargne: '4',
      f: '5',
    });
  });
});
