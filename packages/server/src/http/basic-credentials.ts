import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/digest.js';
import type { CallCredentials } from './api-gate.js';

/** The longest `Authorization` value read: a SID and a key are far shorter. */
const MAX_AUTHORIZATION = 512;

/**
 * HTTP Basic credentials (RFC 7617) as the Twilio Verify v2 API takes them: the user name is the Account
 * SID, the password the app's API key. The key is looked up as every key is (by its HMAC); the SID must then
 * be the key holder's, compared in constant time, so a valid key under another SID fails like an unknown
 * key. Anything but one well-formed Basic header carries no key.
 */
export function basicCredentials<A extends { readonly accountSid: string }>(
  request: FastifyRequest,
): CallCredentials<A> {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION)
    return { key: undefined, inQuery: false };
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (match?.[1] === undefined) return { key: undefined, inQuery: false };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { key: undefined, inQuery: false };
  const user = decoded.slice(0, colon);
  return {
    key: decoded.slice(colon + 1),
    inQuery: false,
    matches: (caller) => constantTimeEqual(caller.accountSid, user),
  };
}
