import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './base64url.js';

// Synchronous and the same in every runtime: WebCrypto's digest and HMAC are asynchronous only, and the
// SDK's and the service's callers (verifyCallback, the webhook worker) are synchronous.

/** SHA256(x): the raw 32-byte digest; text is hashed as its UTF-8 bytes. */
export function sha256(data: string | Uint8Array): Uint8Array {
  return nobleSha256(typeof data === 'string' ? utf8(data) : data);
}

/** HMAC-SHA256 over the concatenation of `parts` (text as UTF-8). */
export function hmacSha256(key: Uint8Array, ...parts: readonly (string | Uint8Array)[]): Uint8Array {
  const mac = hmac.create(nobleSha256, key);
  for (const part of parts) mac.update(typeof part === 'string' ? utf8(part) : part);
  return mac.digest();
}
