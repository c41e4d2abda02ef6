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
  readonly createdAt: number;
  readonly lastSeenAt: number;
}
