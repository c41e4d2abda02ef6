import { base64url } from './lib/base64url.js';
import { sha256 } from './lib/sha256.js';

/** The parts of a device's request that its signature covers. */
export interface RequestToSign {
  /** The HTTP method; signed upper-cased, so `post` and `POST` sign alike. */
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/device/v1/requests?x=1`. */
  readonly pathWithQuery: string;
  /**
   * UNIX milliseconds, as sent in `Countersign-Timestamp`. The service passes the header's text, so the
   * digits signed are the digits sent.
   */
  readonly timestamp: number | string;
  /** B64U of 16 random bytes, as sent in `Countersign-Nonce`. */
  readonly nonce: string;
  /** The exact body bytes (empty for none); text is its UTF-8 bytes. */
  readonly body: string | Uint8Array;
}

/**
 * The string a device signs for one request, and the service checks:
 * `"countersign-device-request\n" + METHOD + "\n" + PATH_WITH_QUERY + "\n" + TIMESTAMP + "\n" + NONCE + "\n"
 * + B64U(SHA256(BODY_BYTES))`, METHOD upper-cased.
 */
export function requestSigningString(request: RequestToSign): string {
  return [
    'countersign-device-request',
    request.method.toUpperCase(),
    request.pathWithQuery,
    String(request.timestamp),
    request.nonce,
    base64url(sha256(request.body)),
  ].join('\n');
}
