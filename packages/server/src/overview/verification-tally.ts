import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

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
 * Counts verifications per app and minute, for the console's Overview (issue 17). The token and phone
 * repositories call it in the statement sequence of the verify (`db` is their transaction, when they have
 * one), so that a verify and its count commit together; it is one statement, and the last one, so that the
 * counter's row is held no longer than the commit.
 */
export interface VerificationTally {
  count(db: Kysely<Database>, verification: Verification): Promise<void>;
}
