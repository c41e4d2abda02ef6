import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export const RECEIPT_UUID = '550e8400-e29b-41d4-a716-446655440000';
export const DISPLAYED = {
  appName: 'Countersign Bank',
  message: 'Transfer money to bob@example.com',
  details: { From: 'Checking', 'US Dollar Amount': '500' },
};

/** A stand-in for the service's receipt key: signs receipts, publishes a JWKS. */
export interface ServiceKey {
  readonly jwks: { keys: JWK[] };
  sign(payload: unknown, header?: Record<string, unknown>): Promise<string>;
}

export async function serviceKey(): Promise<ServiceKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] },
    sign: (payload, header = {}) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'countersign-receipt+jwt', ...header })
        .sign(privateKey),
  };
}

/** A stand-in for a device: a P-256 key that signs JCS(answer). */
export interface TestDeviceKey {
  readonly id: string;
  readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  signAnswer(answer: unknown): string;
}

export function deviceKey(id = 'c0ffee00-0000-4000-8000-000000000001'): TestDeviceKey {
  const { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject } = generateKeyPairSync(
    'ec',
    {
      namedCurve: 'P-256',
    },
  );
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    id,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' },
    signAnswer: (answer) =>
      sign('sha256', Buffer.from(canonicalize(answer) ?? '', 'utf8'), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url'),
  };
}

/** The answer document a device signs (docs/device-protocol.md), with `overrides`. */
export function answerDocument(
  device: TestDeviceKey,
  displayHash: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    purpose: 'countersign-answer',
    uuid: RECEIPT_UUID,
    decision: 'approved',
    reason: null,
    device_id: device.id,
    nonce: 'bm9uY2Utbm9uY2Utbm9uY2U',
    display_hash: displayHash,
    number_match: null,
    signed_at: 1_790_000_000_000,
    ...overrides,
  };
}

/** The payload the service signs for `answer`, with `overrides`. */
export function receiptPayload(
  device: TestDeviceKey,
  answer: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
) {
  return {
    iss: 'http://127.0.0.1:8080',
    sub: RECEIPT_UUID,
    aud: '3',
    iat: 1_790_000_000,
    status: 'approved',
    reason: null,
    device_id: device.id,
    answer,
    device_signature: device.signAnswer(answer),
    device_public_key: device.publicJwk,
    ...overrides,
  };
}

/** The receipt with one byte of its payload changed, the signature kept. */
export function tamperPayload(receipt: string): string {
  const [header, payload, signature] = receipt.split('.');
  const bytes = Buffer.from(payload ?? '', 'base64url');
  const at = bytes.indexOf('"status":"approved"') + '"status":"'.length;
  bytes[at] = 'b'.charCodeAt(0); // "approved" → "bpproved"
  return [header, bytes.toString('base64url'), signature].join('.');
}
