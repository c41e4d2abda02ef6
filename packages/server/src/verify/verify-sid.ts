import type { Random } from '../crypto/random.js';

/**
 * The kinds of Twilio SIDs made: accounts, services, verifications, send attempts, entities, factors,
 * challenges, access tokens, notifications, webhooks.
 */
export type SidPrefix = 'AC' | 'VA' | 'VE' | 'VL' | 'YE' | 'YF' | 'YC' | 'YK' | 'NT' | 'YW';

/** A Twilio-style SID: two letters and 32 lowercase hex digits, from the CSPRNG (R68). */
export function newSid(prefix: SidPrefix, random: Random): string {
  return `${prefix}${random.bytes(16).toString('hex')}`;
}

/** Whether `text` is a SID of the kind `prefix`. */
export function isSid(prefix: SidPrefix, text: string): boolean {
  return text.length === 34 && text.startsWith(prefix) && /^[0-9a-f]{32}$/.test(text.slice(2));
}
