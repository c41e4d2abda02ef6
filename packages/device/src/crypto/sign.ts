import { base64url, utf8 } from '@countersign/protocol';

const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * SIG(text): ECDSA P-256/SHA-256 over the UTF-8 bytes of `text`, as IEEE P1363 `r‖s` (64 bytes, which is
 * what WebCrypto produces), in base64url without padding.
 */
export async function sign(privateKey: CryptoKey, text: string): Promise<string> {
  return base64url(new Uint8Array(await globalThis.crypto.subtle.sign(SIGNING, privateKey, utf8(text))));
}
