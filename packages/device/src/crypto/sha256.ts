import { base64url } from '../encoding/base64url.js';

/** B64U(SHA256(bytes)): how the protocol names a digest. */
export async function sha256Base64url(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return base64url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)));
}
