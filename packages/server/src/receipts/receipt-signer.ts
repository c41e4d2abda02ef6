import { createPrivateKey, type JsonWebKey, sign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { metaContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { KeptValues } from '../db/meta.js';

const META_KEY = 'receipt_signing_key';
const CONTEXT = metaContext(META_KEY);

/** Signs receipts with the service's ES256 key; publishes the public half as a JWKS (R28, receipts). */
export interface ReceiptSigner {
  /**
   * A compact JWS of `payload`. `typ` names what it is (RFC 8725 §3.11), so that one signed thing cannot pass
   * for another: a receipt by default, an audit head (`countersign-audit-head+jwt`).
   */
  sign(payload: Record<string, unknown>, typ?: string): Promise<string>;
  jwks(): { keys: JWK[] };
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Loads the service's receipt key, making and keeping it (sealed under the master key) on first start.
 * Several instances starting at once agree on one key: the first one kept wins and the others read it.
 */
export async function loadReceiptSigner(kept: KeptValues, box: SecretBox): Promise<ReceiptSigner> {
  const sealed = await kept.valueOrKeep(META_KEY, async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return box.seal(JSON.stringify(await exportJWK(privateKey)), CONTEXT);
  });
  const privateJwk = JSON.parse(box.open(sealed, CONTEXT)) as JWK;
  const { d: _d, ...publicJwk } = privateJwk;
  const kid = await calculateJwkThumbprint(publicJwk);
  const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const published: JWK = { ...publicJwk, kid, alg: 'ES256', use: 'sig' };
  const headerOf = (typ: string) => base64url(JSON.stringify({ alg: 'ES256', kid, typ }));
  const receiptHeader = headerOf('countersign-receipt+jwt');
  return {
    // A JWS in compact form (RFC 7515 §7.1) signed by node:crypto on this thread: jose's WebCrypto signing
    // goes through the thread pool and takes several times longer, on every device answer. Receipts are
    // checked with jose (the tests, `verifyReceipt` of the SDK).
    sign: async (payload, typ) => {
      const header = typ === undefined ? receiptHeader : headerOf(typ);
      const input = `${header}.${base64url(JSON.stringify(payload))}`;
      const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
    jwks: () => ({ keys: [published] }),
  };
}
