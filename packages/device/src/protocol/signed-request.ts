import { randomBase64url } from '../crypto/random.js';
import { sha256Base64url } from '../crypto/sha256.js';
import { sign } from '../crypto/sign.js';

/** The parts of a request that its signature covers. */
export interface RequestToSign {
  /** Upper-case HTTP method. */
  method: string;
  /** Path and query exactly as sent, e.g. `/device/v1/requests?x=1`. */
  pathWithQuery: string;
  /** UNIX milliseconds, as sent in `Countersign-Timestamp`. */
  timestamp: number;
  /** B64U of 16 random bytes, as sent in `Countersign-Nonce`. */
  nonce: string;
  /** The exact body bytes (empty for none). */
  body: Uint8Array<ArrayBuffer>;
}

/**
 * The string a device signs for one request:
 * `"countersign-device-request\n" + METHOD + "\n" + PATH_WITH_QUERY + "\n" + TIMESTAMP + "\n" + NONCE + "\n"
 * + B64U(SHA256(BODY_BYTES))`.
 */
export async function requestSigningString(request: RequestToSign): Promise<string> {
  return [
    'countersign-device-request',
    request.method,
    request.pathWithQuery,
    String(request.timestamp),
    request.nonce,
    await sha256Base64url(request.body),
  ].join('\n');
}

/** The four `Countersign-*` headers that authenticate a device's call. A fresh nonce each time. */
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
    'Countersign-Signature': await sign(privateKey, await requestSigningString({ ...request, nonce })),
  };
}
