import { canonicalJson } from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import {
  type DeviceError,
  exportPublicJwk,
  generateDeviceKeyPair,
  linkEnrollmentProof,
  parseEnrollmentLink,
  phoneEnrollmentProof,
} from '../src/index.js';
import { verifiesWithNode } from './support/node-verify.js';

const TOKEN = Buffer.alloc(32, 7).toString('base64url');

function linkError(url: string): DeviceError {
  try {
    parseEnrollmentLink(url);
  } catch (error) {
    return error as DeviceError;
  }
  throw new Error(`${url} was accepted`);
}

describe('enrollment links', () => {
  it('the service is the link origin and the token comes from the fragment', () => {
    expect(parseEnrollmentLink(`https://cs.example.com/authenticator/#enroll=${TOKEN}`)).toEqual({
      server: 'https://cs.example.com',
      token: TOKEN,
    });
    expect(parseEnrollmentLink(`http://127.0.0.1:8080/authenticator#enroll=${TOKEN}`)).toEqual({
      server: 'http://127.0.0.1:8080',
      token: TOKEN,
    });
  });

  it('anything else fails with invalid_link', () => {
    for (const url of [
      'not a url',
      `ftp://cs.example.com/authenticator/#enroll=${TOKEN}`,
      `https://cs.example.com/elsewhere/#enroll=${TOKEN}`,
      'https://cs.example.com/authenticator/',
      `https://cs.example.com/authenticator/?enroll=${TOKEN}`,
      `https://cs.example.com/authenticator/#enroll=${TOKEN.slice(1)}`,
      `https://cs.example.com/authenticator/#enroll=${TOKEN.slice(1)}+`,
    ]) {
      expect(linkError(url).code).toBe('invalid_link');
    }
  });
});

describe('enrollment proofs', () => {
  it('a link proof signs JCS({purpose, token, public_key}) and node:crypto verifies it', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    const proof = await linkEnrollmentProof(pair.privateKey, TOKEN, jwk);
    const statement = `{"public_key":{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"},"purpose":"countersign-enrollment","token":"${TOKEN}"}`;
    expect(verifiesWithNode(jwk, statement, proof)).toBe(true);
    expect(
      verifiesWithNode(
        jwk,
        canonicalJson({ purpose: 'countersign-phone-enrollment', token: TOKEN, public_key: jwk }),
        proof,
      ),
    ).toBe(false);
  });

  it('a phone proof signs JCS({purpose, enrollment_id, code, public_key}) and node:crypto verifies it', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    const jwk = await exportPublicJwk(pair.publicKey);
    const proof = await phoneEnrollmentProof(pair.privateKey, 'enr-1', '123456', jwk);
    const statement = `{"code":"123456","enrollment_id":"enr-1","public_key":{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"},"purpose":"countersign-phone-enrollment"}`;
    expect(verifiesWithNode(jwk, statement, proof)).toBe(true);
  });
});
