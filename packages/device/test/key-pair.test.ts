import { describe, expect, it } from 'vitest';
import { exportPublicJwk, generateDeviceKeyPair, sign } from '../src/index.js';
import { verifiesWithNode } from './support/node-verify.js';

describe('device key pair and signatures', () => {
  it('a signature is 64 bytes of P1363 in unpadded base64url that node:crypto verifies under the exported JWK', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    const text = 'countersign: héllo ✓';
    const signature = await sign(pair.privateKey, text);

    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verifiesWithNode(jwk, text, signature)).toBe(true);
    expect(verifiesWithNode(jwk, `${text}.`, signature)).toBe(false);
  });

  it('the public JWK carries exactly kty, crv, x and y', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(Buffer.from(jwk.x, 'base64url')).toHaveLength(32);
    expect(Buffer.from(jwk.y, 'base64url')).toHaveLength(32);
  });

  it('a non-extractable private key cannot be exported; an extractable one can', async () => {
    const locked = await generateDeviceKeyPair({ extractable: false });
    expect(locked.privateKey.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey('jwk', locked.privateKey)).rejects.toThrow();
    const open = await generateDeviceKeyPair({ extractable: true });
    expect(open.privateKey.extractable).toBe(true);
  });

  it('two signatures over the same text differ (ECDSA is randomized) and both verify', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    const [a, b] = [await sign(pair.privateKey, 'x'), await sign(pair.privateKey, 'x')];
    expect(a).not.toBe(b);
    expect(verifiesWithNode(jwk, 'x', a) && verifiesWithNode(jwk, 'x', b)).toBe(true);
  });
});
