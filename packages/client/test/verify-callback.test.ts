import { signAuthyCallback, signStandardWebhook } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import {
  type AuthyCallbackRequest,
  CallbackVerificationError,
  type StandardWebhookRequest,
  verifyCallback,
} from '../src/index.js';

// standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works".
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

function at(seconds: number): { currentDate: Date } {
  return { currentDate: new Date(seconds * 1000) };
}

function webhook(overrides: Partial<StandardWebhookRequest> = {}, headers: Record<string, string> = {}) {
  return {
    scheme: 'standard-webhooks',
    secrets: SECRET,
    body: BODY,
    headers: {
      'webhook-id': ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': SIGNATURE,
      ...headers,
    },
    ...overrides,
  } as const satisfies StandardWebhookRequest;
}

/** The code a verification failed with, or 'accepted'. */
function outcome(verify: () => unknown): string {
  try {
    verify();
    return 'accepted';
  } catch (error) {
    if (error instanceof CallbackVerificationError) return error.code;
    throw error;
  }
}

describe('verifyCallback, Standard Webhooks', () => {
  it('accepts the reference vector and returns its id to deduplicate on', () => {
    expect(verifyCallback(webhook(), at(TIMESTAMP))).toEqual({
      scheme: 'standard-webhooks',
      id: ID,
      timestamp: TIMESTAMP,
    });
  });

  it('reads Fetch Headers and mixed-case header records alike, and a body given as bytes', () => {
    const headers = new Headers({
      'Webhook-Id': ID,
      'Webhook-Timestamp': String(TIMESTAMP),
      'Webhook-Signature': SIGNATURE,
    });
    expect(outcome(() => verifyCallback(webhook({ headers }), at(TIMESTAMP)))).toBe('accepted');
    const record = {
      'Webhook-Id': ID,
      'WEBHOOK-TIMESTAMP': String(TIMESTAMP),
      'webhook-signature': [SIGNATURE],
    };
    expect(outcome(() => verifyCallback(webhook({ headers: record }), at(TIMESTAMP)))).toBe('accepted');
    const bytes = new TextEncoder().encode(BODY);
    expect(outcome(() => verifyCallback(webhook({ body: bytes }), at(TIMESTAMP)))).toBe('accepted');
  });

  it('accepts a timestamp 299 s old or ahead and refuses one 301 s old or ahead (R48)', () => {
    expect(outcome(() => verifyCallback(webhook(), at(TIMESTAMP + 299)))).toBe('accepted');
    expect(outcome(() => verifyCallback(webhook(), at(TIMESTAMP + 301)))).toBe('timestamp_too_old');
    expect(outcome(() => verifyCallback(webhook(), at(TIMESTAMP - 299)))).toBe('accepted');
    expect(outcome(() => verifyCallback(webhook(), at(TIMESTAMP - 301)))).toBe('timestamp_too_new');
    expect(outcome(() => verifyCallback(webhook(), { ...at(TIMESTAMP + 301), toleranceSeconds: 600 }))).toBe(
      'accepted',
    );
  });

  it('accepts any one matching v1 signature among several, ignoring other versions', () => {
    const signature = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,whatever ${SIGNATURE} v1,AAAA`;
    expect(
      outcome(() => verifyCallback(webhook({}, { 'webhook-signature': signature }), at(TIMESTAMP))),
    ).toBe('accepted');
  });

  it('accepts a delivery signed with either secret of a rotation, and one carrying both signatures', () => {
    const both = signStandardWebhook({
      id: ID,
      timestamp: TIMESTAMP,
      body: BODY,
      secrets: [OTHER_SECRET, SECRET],
    });
    expect(outcome(() => verifyCallback(webhook({}, { 'webhook-signature': both }), at(TIMESTAMP)))).toBe(
      'accepted',
    );
    const rotating = webhook({ secrets: [OTHER_SECRET, SECRET] });
    expect(outcome(() => verifyCallback(rotating, at(TIMESTAMP)))).toBe('accepted');
    expect(outcome(() => verifyCallback(webhook({ secrets: OTHER_SECRET }), at(TIMESTAMP)))).toBe(
      'signature_mismatch',
    );
  });

  it('refuses an altered body, id or timestamp, and a header with no v1 signature', () => {
    expect(outcome(() => verifyCallback(webhook({ body: '{"test": 2432232315}' }), at(TIMESTAMP)))).toBe(
      'signature_mismatch',
    );
    expect(outcome(() => verifyCallback(webhook({}, { 'webhook-id': 'msg_other' }), at(TIMESTAMP)))).toBe(
      'signature_mismatch',
    );
    const later = { 'webhook-timestamp': String(TIMESTAMP + 1) };
    expect(outcome(() => verifyCallback(webhook({}, later), at(TIMESTAMP)))).toBe('signature_mismatch');
    const v2Only = { 'webhook-signature': SIGNATURE.replace('v1,', 'v2,') };
    expect(outcome(() => verifyCallback(webhook({}, v2Only), at(TIMESTAMP)))).toBe('signature_mismatch');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a request without %s',
    (name) => {
      expect(outcome(() => verifyCallback(webhook({}, { [name]: '' }), at(TIMESTAMP)))).toBe(
        'missing_header',
      );
    },
  );

  it('refuses a timestamp that is not integer seconds, and a repeated header', () => {
    for (const timestamp of ['hello', '1614265330.5', '-1614265330', '1614265330000000']) {
      expect(
        outcome(() => verifyCallback(webhook({}, { 'webhook-timestamp': timestamp }), at(TIMESTAMP))),
      ).toBe('malformed_header');
    }
    const repeated = { ...webhook().headers, 'webhook-id': [ID, ID] };
    expect(outcome(() => verifyCallback(webhook({ headers: repeated }), at(TIMESTAMP)))).toBe(
      'malformed_header',
    );
  });

  it('throws a TypeError, not a verification error, for a secret that is not whsec_ base64', () => {
    expect(() => verifyCallback(webhook({ secrets: 'whsec_not base64!' }), at(TIMESTAMP))).toThrow(TypeError);
    expect(() => verifyCallback(webhook({ secrets: [] }), at(TIMESTAMP))).toThrow(TypeError);
  });
});

describe('verifyCallback, Authy', () => {
  const API_KEY = 'app-api-key';
  const NONCE = 1_700_000_000;
  const URL = 'https://bank.example/hooks/authy';
  const params = {
    authy_id: 1,
    status: 'approved',
    approval_request: { transaction: { details: { Zip: '1' } } },
  };

  function authy(overrides: Partial<AuthyCallbackRequest> = {}, nonce = String(NONCE)): AuthyCallbackRequest {
    const signature = signAuthyCallback({ apiKey: API_KEY, nonce, method: 'POST', url: URL, params });
    return {
      scheme: 'authy',
      apiKey: API_KEY,
      method: 'POST',
      url: URL,
      headers: { 'x-authy-signature': signature, 'x-authy-signature-nonce': nonce },
      params,
      ...overrides,
    };
  }

  it('accepts a signed callback, whatever its query string, and returns the nonce', () => {
    expect(verifyCallback(authy({ url: `${URL}?from=authy` }), at(NONCE))).toEqual({
      scheme: 'authy',
      nonce: String(NONCE),
      timestamp: NONCE,
    });
  });

  it('holds the nonce, as Unix seconds, to the same 300 s window both ways', () => {
    expect(outcome(() => verifyCallback(authy(), at(NONCE + 299)))).toBe('accepted');
    expect(outcome(() => verifyCallback(authy(), at(NONCE + 301)))).toBe('timestamp_too_old');
    expect(outcome(() => verifyCallback(authy(), at(NONCE - 299)))).toBe('accepted');
    expect(outcome(() => verifyCallback(authy(), at(NONCE - 301)))).toBe('timestamp_too_new');
  });

  it('accepts a nonce with a fraction of a second, as the Authy docs show one', () => {
    expect(outcome(() => verifyCallback(authy({}, `${NONCE}.886085`), at(NONCE)))).toBe('accepted');
  });

  it('refuses altered params, another key, another method or another path', () => {
    const altered = { ...params, status: 'denied' };
    expect(outcome(() => verifyCallback(authy({ params: altered }), at(NONCE)))).toBe('signature_mismatch');
    expect(outcome(() => verifyCallback(authy({ apiKey: 'other' }), at(NONCE)))).toBe('signature_mismatch');
    expect(outcome(() => verifyCallback(authy({ method: 'GET' }), at(NONCE)))).toBe('signature_mismatch');
    expect(outcome(() => verifyCallback(authy({ url: `${URL}/x` }), at(NONCE)))).toBe('signature_mismatch');
  });

  it('refuses a missing signature or nonce, and a nonce that is not Unix seconds', () => {
    const { headers } = authy();
    expect(
      outcome(() => verifyCallback(authy({ headers: { ...headers, 'x-authy-signature': '' } }), at(NONCE))),
    ).toBe('missing_header');
    expect(outcome(() => verifyCallback(authy({ headers: { 'x-authy-signature': 'x' } }), at(NONCE)))).toBe(
      'missing_header',
    );
    expect(outcome(() => verifyCallback(authy({}, 'abc'), at(NONCE)))).toBe('malformed_header');
  });

  it('throws a TypeError for an unknown scheme', () => {
    const unknown = { ...authy(), scheme: 'github' } as unknown as AuthyCallbackRequest;
    expect(() => verifyCallback(unknown)).toThrow(TypeError);
  });
});
