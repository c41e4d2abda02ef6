import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Session } from './session.js';
import type { SessionRepository } from './session.repository.js';

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
/** …and this long after it began, whatever happens. */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** How long a confirmation (the password typed again) lets the customer add a device. */
export const CONFIRMATION_MS = 5 * 60 * 1000;
/** `last_seen_at` is written at most this often. */
const TOUCH_EVERY_MS = 60 * 1000;

/** 32 random bytes, base64url: the cookie's whole alphabet. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

/** A session and the cookie value that names it (shown to the browser once, never stored). */
export interface IssuedSession {
  readonly session: Session;
  readonly cookieValue: string;
}

/** Sessions: random ids from node:crypto, stored hashed, renewed whenever the customer gains a privilege. */
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
  ) {}

  /** The live session the cookie names, or `undefined`. */
  load(cookieValue: string | undefined): Session | undefined {
    if (cookieValue === undefined || !SESSION_ID.test(cookieValue)) return undefined;
    const session = this.sessions.find(hashOf(cookieValue));
    if (session === undefined) return undefined;
    const now = this.clock.now();
    if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) {
      this.sessions.delete(session.idHash);
      return undefined;
    }
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) this.sessions.touch(session.idHash, now);
    return session;
  }

  /** A new anonymous session (it carries the CSRF token of the login and registration forms). */
  start(): IssuedSession {
    return this.issue(undefined, { accountId: null, signedIn: false });
  }

  /** The password was right: a new session id bound to the account, not yet signed in. */
  passwordAccepted(previous: Session | undefined, accountId: number): IssuedSession {
    return this.issue(previous, { accountId, signedIn: false });
  }

  /** The second factor passed: a new session id, signed in. */
  signIn(previous: Session | undefined, accountId: number): IssuedSession {
    return this.issue(previous, { accountId, signedIn: true });
  }

  /**
   * The customer proved it is them beyond the session: the password typed again, or a new account whose
   * phone code was just checked. A new session id, signed in, confirmed now.
   */
  confirm(previous: Session | undefined, accountId: number): IssuedSession {
    return this.issue(previous, { accountId, signedIn: true, confirmedAt: this.clock.now() });
  }

  /** Whether the session was confirmed recently enough to add a device (`CONFIRMATION_MS`). */
  recentlyConfirmed(session: Session): boolean {
    return session.confirmedAt !== null && this.clock.now() - session.confirmedAt < CONFIRMATION_MS;
  }

  setLoginApproval(session: Session, uuid: string | null): void {
    this.sessions.setLoginApproval(session.idHash, uuid);
  }

  setConfirmApproval(session: Session, uuid: string | null): void {
    this.sessions.setConfirmApproval(session.idHash, uuid);
  }

  end(session: Session): void {
    this.sessions.delete(session.idHash);
  }

  /** Whether a submitted form carries this session's CSRF token (compared in constant time). */
  csrfMatches(session: Session, submitted: string | undefined): boolean {
    if (submitted === undefined) return false;
    const expected = Buffer.from(session.csrfToken, 'utf8');
    const given = Buffer.from(submitted, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Forgets sessions past their time. */
  sweep(): void {
    const now = this.clock.now();
    this.sessions.deleteStale(now - SESSION_IDLE_MS, now - SESSION_MAX_MS);
  }

  private issue(
    previous: Session | undefined,
    state: { accountId: number | null; signedIn: boolean; confirmedAt?: number },
  ): IssuedSession {
    const cookieValue = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session: Session = {
      idHash: hashOf(cookieValue),
      csrfToken: randomBytes(32).toString('base64url'),
      accountId: state.accountId,
      signedIn: state.signedIn,
      loginApproval: null,
      confirmedAt: state.confirmedAt ?? null,
      confirmApproval: null,
      createdAt: now,
      lastSeenAt: now,
    };
    if (previous === undefined) this.sessions.insert(session);
    else this.sessions.replace(previous.idHash, session);
    return { session, cookieValue };
  }
}
