/** B64U: base64url without padding (RFC 4648 §5), the only binary-to-text encoding the protocol uses. */
export function base64url(bytes: Uint8Array): string {
  // btoa exists in browsers and in Node ≥ 16; Buffer is Node-only.
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The UTF-8 bytes of a string: what is hashed and signed whenever the protocol names text. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}
