/**
 * Standard base64 (RFC 4648 §4) with padding: how the Authy and Standard Webhooks signatures, and a
 * `whsec_` secret, are written. `btoa` and `atob` exist in browsers and in Node.
 */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The bytes of a standard base64 string the caller has already checked to be one. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
