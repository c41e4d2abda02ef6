import { createHash } from 'node:crypto';
import { requestSigningString } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import { exportPublicJwk, generateDeviceKeyPair, signedRequestHeaders } from '../src/index.js';
import { verifiesWithNode } from './support/node-verify.js';

const body = new TextEncoder().encode('{"document":{"uuid":"u"},"signature":"s"}');
const bodyHash = createHash('sha256').update(body).digest('base64url');
const EMPTY_HASH = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'; // B64U(SHA256(""))

describe('signed requests', () => {
  it('the signed string is exactly the one the protocol doc spells out', async () => {
    const text = await requestSigningString({
      method: 'POST',
      pathWithQuery: '/device/v1/requests/0b3c/answer?x=1&y=%20',
      timestamp: 1_764_158_400_123,
      nonce: 'AAECAwQFBgcICQoLDA0ODw',
      body,
    });
    expect(text).toBe(
      `countersign-device-request\nPOST\n/device/v1/requests/0b3c/answer?x=1&y=%20\n1764158400123\nAAECAwQFBgcICQoLDA0ODw\n${bodyHash}`,
    );
  });

  it('a call without a body signs the hash of zero bytes', async () => {
    const text = await requestSigningString({
      method: 'GET',
      pathWithQuery: '/device/v1/requests',
      timestamp: 1,
      nonce: 'n',
      body: new Uint8Array(0),
    });
    expect(text).toBe(`countersign-device-request\nGET\n/device/v1/requests\n1\nn\n${EMPTY_HASH}`);
  });

  it('the four headers carry the device, the time, a fresh 16-byte nonce and a signature node:crypto verifies', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    const request = {
      method: 'POST',
      pathWithQuery: '/device/v1/requests/u/answer',
      timestamp: 1_764_158_400_000,
      body,
    };
    const headers = await signedRequestHeaders(pair.privateKey, 'device-1', request);

    expect(Object.keys(headers).sort()).toEqual([
      'Countersign-Device',
      'Countersign-Nonce',
      'Countersign-Signature',
      'Countersign-Timestamp',
    ]);
    expect(headers['Countersign-Device']).toBe('device-1');
    expect(headers['Countersign-Timestamp']).toBe('1764158400000');
    const nonce = headers['Countersign-Nonce'] ?? '';
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(16);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const signed = `countersign-device-request\nPOST\n/device/v1/requests/u/answer\n1764158400000\n${nonce}\n${bodyHash}`;
    expect(verifiesWithNode(jwk, signed, headers['Countersign-Signature'] ?? '')).toBe(true);

    const again = await signedRequestHeaders(pair.privateKey, 'device-1', request);
    expect(again['Countersign-Nonce']).not.toBe(nonce);
  });
});
