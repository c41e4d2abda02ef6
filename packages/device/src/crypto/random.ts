import { base64url } from '@countersign/protocol';

/** B64U of `length` bytes from the platform's CSPRNG (WebCrypto `getRandomValues`). */
export function randomBase64url(length: number): string {
  return base64url(globalThis.crypto.getRandomValues(new Uint8Array(length)));
}

/** `length` bytes from the platform's CSPRNG. */
export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}
