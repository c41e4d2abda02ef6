/** B64U: base64url without padding (RFC 4648 §5), the only binary-to-text encoding the protocol uses. */
export function base64url(bytes: Uint8Array): string {
  // btoa exists in browsers and in Node ≥ 16; Buffer is Node-only.
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The bytes of a B64U string, e.g. the push key for `pushManager.subscribe({ applicationServerKey })`.
 * Anything but the base64url alphabet, padding included, is a `TypeError`.
 */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> {
  // A length of 4n + 1 characters cannot come from whole bytes.
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new TypeError('not a base64url string (RFC 4648 §5, without padding)');
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The UTF-8 bytes of a string: what is hashed and signed whenever the protocol names text. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}
