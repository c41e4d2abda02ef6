import {
  type CompactVerifyGetKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type JSONWebKeySet,
} from 'jose';
import { CountersignError } from '../countersign-error.js';

/** The service's receipt keys: the key set itself, or where to fetch it. */
export type ReceiptKeys =
  | {
      /** The service's JWKS, as `/.well-known/jwks.json` serves it. */
      readonly jwks: JSONWebKeySet;
      readonly jwksUrl?: undefined;
    }
  | {
      /** `{baseUrl}/.well-known/jwks.json`; fetched, then cached by the key set for ten minutes. */
      readonly jwksUrl: string | URL;
      readonly jwks?: undefined;
      /** The fetch to use; the global one by default. */
      readonly fetch?: typeof fetch | undefined;
    };

/** A resolver of the key that signed a receipt, by its `kid`. */
export type ReceiptKeySet = CompactVerifyGetKey;

/** The key set of `keys`. A remote one fetches lazily and caches, so make it once and keep it. */
export function receiptKeySet(keys: ReceiptKeys): ReceiptKeySet {
  if (keys.jwks !== undefined) return createLocalJWKSet(keys.jwks);
  if (keys.jwksUrl === undefined) throw new TypeError('verifyReceipt needs jwks or jwksUrl');
  const url = new URL(keys.jwksUrl);
  const fetchKeys = keys.fetch ?? fetch;
  return createRemoteJWKSet(url, {
    [customFetch]: async (href, init) => {
      try {
        return await fetchKeys(href, init);
      } catch (caught) {
        // jose turns its own timeout into JWKSTimeout; any other failure is the network's.
        if (init.signal.aborted) throw caught;
        throw new CountersignError('network_error', `could not fetch the key set from ${url.origin}`, {
          cause: caught,
        });
      }
    },
  });
}
