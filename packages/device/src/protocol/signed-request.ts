import { type RequestToSign, requestSigningString } from '@countersign/protocol';
import { randomBase64url } from '../crypto/random.js';
import { sign } from '../crypto/sign.js';

/**
 * The four `Countersign-*` headers that authenticate a device's call: the signature is
 * SIG(`requestSigningString`) over a fresh 16-byte nonce each time.
 */
export async function signedRequestHeaders(
  privateKey: CryptoKey,
  deviceId: string,
  request: Omit<RequestToSign, 'nonce'>,
): Promise<Record<string, string>> {
  const nonce = randomBase64url(16);
  return {
    'Countersign-Device': deviceId,
    'Countersign-Timestamp': String(request.timestamp),
    'Countersign-Nonce': nonce,
    'Countersign-Signature': await sign(privateKey, requestSigningString({ ...request, nonce })),
  };
}
