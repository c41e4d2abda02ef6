import { base64, decodeBase64 } from './base64.js';

/** B64U: base64url without padding (RFC 4648 §5), the one binary-to-text encoding of the device protocol. */
export function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
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
  return decodeBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}

/** The UTF-8 bytes of a string: what is hashed and signed whenever the protocol names text. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}
