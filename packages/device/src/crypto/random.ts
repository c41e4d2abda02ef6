import { base64url } from '@countersign/protocol';

/** B64U of `length` bytes from the platform's CSPRNG (WebCrypto `getRandomValues`). */
export function randomBase64url(length: number): string {
  return base64url(globalThis.crypto.getRandomValues(new Uint8Array(length)));
}

/** Lowercase hex of `length` bytes from the platform's CSPRNG. */
export function randomHex(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
