import type { Statement } from '../db/store.js';

/** What a verification checked: a TOTP code (`/verify`), or a code sent by SMS or voice. */
export type VerificationKind = 'totp' | 'sms';
/** How it ended: accepted, refused, or refused with a lockout of the user (the refusal that locked). */
export type VerificationOutcome = 'accepted' | 'refused' | 'locked';

/** One verification's outcome, as the Overview counts it. */
export interface Verification {
  readonly appId: number;
  readonly kind: VerificationKind;
  readonly outcome: VerificationOutcome;
  /** When it happened (ms); counted in its minute. */
  readonly at: number;
}

/**
 * Counts verifications per app and minute, for the console's Overview (issue 17): the overview feature
 * provides it. The token and phone repositories run its statement in their verify's unit (in the verify's
 * transaction, when it has one), so that a verify and its count commit together; it is one upsert, run last,
 * so that the counter's row is held no longer than until the commit.
 */
export interface VerificationTally {
  /** The statement that counts `verification`, compiled once, its values bound. */
  countOf(verification: Verification): Statement;
}
