/** A browser's session with the bank. The cookie holds a random id; the store keeps only its hash. */
export interface Session {
  readonly idHash: string;
  /** The synchroniser token every form of this session carries. */
  readonly csrfToken: string;
  /** Set once the password was right. */
  readonly accountId: number | null;
  /** Set once the second factor passed too (or at registration): only then is the customer signed in. */
  readonly signedIn: boolean;
  /** The push approval asked for this login, while it is being asked. */
  readonly loginApproval: string | null;
  /**
   * When the customer last proved it is them within this session, beyond the session itself: the password
   * typed again, or the registration's phone code. Adding a device needs it to be recent.
   */
  readonly confirmedAt: number | null;
  /** The approval asked on a phone already set up to confirm it is them (instead of the password). */
  readonly confirmApproval: string | null;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}
