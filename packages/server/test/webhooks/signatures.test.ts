import { createHmac } from 'node:crypto';
import { verifyCallback } from '@countersign/client';
import { authyCanonical, signAuthyCallback, signStandardWebhook } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import { parseForm } from '../../src/http/form-parser.js';
import { authyClientVerify } from './authy-client-verifier.js';
import {
  AUTHY_CLIENT_VECTOR,
  AUTHY_JAVA_VECTORS,
  type AuthyVector,
  EMPTY_PARAMS_VECTORS,
  SERVLET_VECTORS,
} from './authy-vectors.js';

const VECTORS: readonly AuthyVector[] = [
  ...AUTHY_JAVA_VECTORS,
  AUTHY_CLIENT_VECTOR,
  ...SERVLET_VECTORS,
  ...EMPTY_PARAMS_VECTORS,
];

/** What the receiver hands to a verifier: the parsed JSON body, or the query parsed Rack-style. */
function paramsOf(vector: AuthyVector): Record<string, unknown> {
  return vector.method === 'POST' ? JSON.parse(vector.body ?? '') : parseForm(vector.query ?? '');
}

describe('Authy callback signatures reproduce every published vector (spec 6.3, 6.6)', () => {
  it('the worked example of 6.3 gives its canonical string and its signature', () => {
    const body = JSON.parse(
      '{"authy_id":1234567,"device_uuid":"73125466","callback_action":"approval_request_status","uuid":"608d4190-0000-0135-b3cf-12ce654b4414","status":"approved","approval_request":{"transaction":{"details":{"Account Number":"981266321","email":"a@b.com"},"device_details":{},"hidden_details":null,"encrypted":false,"message":"Login requested"},"logos":[{"res":"default","url":"https://e.com/d.png"},{"res":"low","url":"https://e.com/l.png"}],"expiration_timestamp":1519127159},"signature":"ab+c/d=="}',
    );
    expect(authyCanonical(body)).toBe(
      'approval_request%5Bexpiration_timestamp%5D=1519127159&approval_request%5Blogos%5D%5B%5D%5Bres%5D=default&approval_request%5Blogos%5D%5B%5D%5Burl%5D=https%3A%2F%2Fe.com%2Fd.png&approval_request%5Blogos%5D%5B%5D%5Bres%5D=low&approval_request%5Blogos%5D%5B%5D%5Burl%5D=https%3A%2F%2Fe.com%2Fl.png&approval_request%5Btransaction%5D%5Bdetails%5D%5BAccount+Number%5D=981266321&approval_request%5Btransaction%5D%5Bdetails%5D%5Bemail%5D=a%40b.com&approval_request%5Btransaction%5D%5Bencrypted%5D=false&approval_request%5Btransaction%5D%5Bhidden_details%5D=&approval_request%5Btransaction%5D%5Bmessage%5D=Login+requested&authy_id=1234567&callback_action=approval_request_status&device_uuid=73125466&signature=ab%2Bc%2Fd%3D%3D&status=approved&uuid=608d4190-0000-0135-b3cf-12ce654b4414',
    );
    expect(
      signAuthyCallback({
        apiKey: 'k3y',
        nonce: '1519040876',
        method: 'POST',
        url: 'https://example.com/authy/callback',
        params: body,
      }),
    ).toBe('iQQY/vASjmLdfLftnUVQ1hPiylwpGlpNT0R89m7crHM=');
  });

  it.each(VECTORS.map((vector) => [vector.name, vector] as const))('vector %s', (_name, vector) => {
    const { apiKey, nonce, method, url } = vector;
    expect(signAuthyCallback({ apiKey, nonce, method, url, params: paramsOf(vector) })).toBe(
      vector.signature,
    );
  });

  it.each(
    VECTORS.filter((vector) => vector.method === 'GET').map((vector) => [vector.name, vector] as const),
  )('GET vector %s: the query string Authy sent is itself the canonical string', (_name, vector) => {
    expect(authyCanonical(paramsOf(vector))).toBe(vector.query);
  });

  it.each(VECTORS.map((vector) => [vector.name, vector] as const))(
    'the SDK verifyCallback accepts vector %s at its own time, and refuses it a second past the window',
    (_name, vector) => {
      const request = {
        scheme: 'authy',
        apiKey: vector.apiKey,
        method: vector.method,
        url: vector.query ? `${vector.url}?${vector.query}` : vector.url,
        headers: { 'X-Authy-Signature': vector.signature, 'X-Authy-Signature-Nonce': vector.nonce },
        params: paramsOf(vector),
      } as const;
      const signedAt = Number(vector.nonce) * 1000;
      expect(verifyCallback(request, { currentDate: new Date(signedAt) })).toMatchObject({ scheme: 'authy' });
      expect(() => verifyCallback(request, { currentDate: new Date(signedAt + 302_000) })).toThrow(
        expect.objectContaining({ code: 'timestamp_too_old' }),
      );
    },
  );

  // authy-client never checks GET signatures, and its body asserts refuse the empty params of vector 10.
  it.each(
    VECTORS.filter((vector) => vector.method === 'POST' && vector.body !== '{}').map(
      (vector) => [vector.name, vector] as const,
    ),
  )('the real authy-client accepts POST vector %s once device_uuid is a string', async (_name, vector) => {
    const body = paramsOf(vector);
    await expect(
      authyClientVerify({ ...vector, body: { ...body, device_uuid: String(body.device_uuid) } }),
    ).resolves.toBeDefined();
  });
});

/** Verifies a `webhook-signature` header from the Standard Webhooks text alone, without the code under test. */
function standardWebhooksAccepts(
  header: string,
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return header.split(' ').some((entry) => entry === `v1,${expected}`);
}

describe('Standard Webhooks signatures (R45, R49)', () => {
  // standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works".
  it('reproduce the reference library vector', () => {
    expect(
      signStandardWebhook({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verify with a check written from the specification, for a non-ASCII body', () => {
    const delivery = {
      id: 'msg_2f1d0c',
      timestamp: 1_700_000_000,
      body: '{"type":"approval_request.approved","data":{"message":"Überweisung 100 €"}}',
    };
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const header = signStandardWebhook({ ...delivery, secrets: [secret] });
    expect(standardWebhooksAccepts(header, secret, delivery.id, delivery.timestamp, delivery.body)).toBe(
      true,
    );
    expect(standardWebhooksAccepts(header, secret, delivery.id, delivery.timestamp + 1, delivery.body)).toBe(
      false,
    );
  });

  it('carry one space-separated signature per secret while rotating, each verifying on its own', () => {
    const delivery = { id: 'msg_rotating', timestamp: 1_700_000_100, body: '{}' };
    const previous = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    const next = `whsec_${Buffer.alloc(24, 2).toString('base64')}`;
    const header = signStandardWebhook({ ...delivery, secrets: [previous, next] });
    const entries = header.split(' ');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toBe(signStandardWebhook({ ...delivery, secrets: [previous] }));
    expect(entries[1]).toBe(signStandardWebhook({ ...delivery, secrets: [next] }));
    for (const secret of [previous, next]) {
      expect(standardWebhooksAccepts(header, secret, delivery.id, delivery.timestamp, delivery.body)).toBe(
        true,
      );
    }
  });

  it('sign the bytes sent: a body as a string and as its UTF-8 bytes sign alike', () => {
    const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'];
    const body = '{"message":"Überweisung"}';
    expect(
      signStandardWebhook({ id: 'msg_1', timestamp: 1, body: new TextEncoder().encode(body), secrets }),
    ).toBe(signStandardWebhook({ id: 'msg_1', timestamp: 1, body, secrets }));
  });
});
