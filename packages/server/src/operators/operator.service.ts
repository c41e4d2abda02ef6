import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { OperatorError } from '../lib/operator-error.js';
import type { SecurityLog } from '../operations/security-log.js';
import { OPERATOR_ROLES, type Operator, type OperatorRole } from './operator.js';
import type { OperatorPasskey, OperatorRepository, OperatorSummary } from './operator.repository.js';

/** How long a setup link stays valid. */
export const SETUP_LINK_TTL_MS = 24 * 60 * 60_000;
/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 30 * 60_000;
/** …and this long after its sign-in, whatever happens. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** How long a passkey assertion allows dangerous changes. */
export const STEP_UP_MS = 5 * 60_000;
/** How long a WebAuthn challenge may be answered. */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** A session's last activity is written at most this often: a request in between changes nothing. */
const TOUCH_EVERY_MS = 60_000;
const RECOVERY_CODES = 10;
/** Recovery codes are 10 letters of this alphabet (50 bits), shown as two groups of five. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const EMAIL = /^[^\s@\p{C}]+@[^\s@\p{C}]+\.[^\s@\p{C}]+$/u;

/** A mistake in an operator command: a malformed email, an unknown role, an operator that exists. */
export class OperatorSetupError extends OperatorError {
  override readonly name = 'OperatorSetupError';
  override readonly exitCode = 2;
}

/** A session as the console's routes see it; `id` is the secret the cookie holds. */
export interface ConsoleSession {
  readonly operator: Operator;
  /** When the session ends whatever happens (12 h after sign-in). */
  readonly expiresAt: number;
  /** When it ends unless another request comes (30 min after the last). */
  readonly idleExpiresAt: number;
  /** Until when dangerous changes need no new passkey assertion. */
  readonly freshUntil: number;
}

/** A session just opened: what the cookie must hold. */
export interface OpenedSession extends ConsoleSession {
  readonly id: string;
}

/** An operator just added, with the one-time link to set up a passkey. */
export interface AddedOperator {
  readonly operator: Operator;
  readonly setupUrl: string;
  readonly expiresAt: number;
}

export interface OperatorServiceOptions {
  readonly repository: OperatorRepository;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  /** Sign-ins, failed sign-ins and setups are security events (and so in the audit chain). */
  readonly securityLog: SecurityLog;
  /** The service's public URL: the passkeys' relying party is its host name and their origin its origin. */
  readonly publicUrl: string;
}

/** No sign-in says why it failed: a passkey unknown, a challenge used, a signature wrong look alike. */
const signInFailed = (reason: string) => new AuthyError('60044', { event: 'authn_login_fail', reason });

const setupRefused = () => new AuthyError('60034', { message: 'The setup link is invalid, used or expired' });

/** Reads an email the way operators are kept: trimmed, lower case, one plain address. */
export function operatorEmail(text: string): string {
  const email = text.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new OperatorSetupError(`"${text}" is not an email address`);
  }
  return email;
}

export function operatorRole(text: string): OperatorRole {
  const role = OPERATOR_ROLES.find((r) => r === text);
  if (role === undefined)
    throw new OperatorSetupError(`the role is ${OPERATOR_ROLES.join(' or ')}, not "${text}"`);
  return role;
}

/** The challenge a WebAuthn response answers, read from its client data (B64U); `undefined` if unreadable. */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | undefined {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    const challenge = (parsed as { challenge?: unknown }).challenge;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console's operators (issue 17, item 1): added with a one-time setup link, signed in by passkey only
 * (user verification required), with ten single-use recovery codes; sessions with idle and absolute ends,
 * a CSRF token bound to each, and a "fresh" window after a passkey assertion for dangerous changes. Every
 * WebAuthn challenge is kept until used and used once. Setup tokens, session ids and recovery codes are
 * kept only as HMAC digests.
 */
export class OperatorService {
  private readonly rpId: string;
  private readonly origin: string;

  constructor(private readonly options: OperatorServiceOptions) {
    const url = new URL(options.publicUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  private digest(kind: string, secret: string): string {
    return hmacHex(this.options.keys.pepper, `operator-${kind}:${secret}`);
  }

  private secret(): string {
    return this.options.random.bytes(32).toString('base64url');
  }

  /** Adds an operator; its setup link (`/console/#/setup/<token>`: the token never reaches a server log). */
  async add(emailText: string, roleText: string): Promise<AddedOperator> {
    const now = this.options.clock.now();
    const operator: Operator = {
      id: this.options.random.uuid(),
      email: operatorEmail(emailText),
      role: operatorRole(roleText),
      createdAt: now,
    };
    const token = this.secret();
    const expiresAt = now + SETUP_LINK_TTL_MS;
    const added = await this.options.repository.insert(operator, {
      digest: this.digest('setup', token),
      expiresAt,
    });
    if (!added) throw new OperatorSetupError(`${operator.email} is an operator already`);
    return { operator, setupUrl: `${this.origin}/console/#/setup/${token}`, expiresAt };
  }

  list(): Promise<OperatorSummary[]> {
    return this.options.repository.list(this.options.clock.now());
  }

  find(id: string): Promise<Operator | undefined> {
    return this.options.repository.find(id);
  }

  findByEmail(email: string): Promise<Operator | undefined> {
    return this.options.repository.findByEmail(email);
  }

  /** Removes an operator: its passkeys, codes and sessions go with it, so it is signed out everywhere. */
  remove(id: string): Promise<Operator | undefined> {
    return this.options.repository.remove(id);
  }

  private async challenge(purpose: string, operatorId: string | null): Promise<string> {
    const challenge = this.secret();
    const now = this.options.clock.now();
    await this.options.repository.forgetExpiredChallenges(now);
    await this.options.repository.insertChallenge({
      challenge,
      purpose,
      operatorId,
      expiresAt: now + CHALLENGE_TTL_MS,
    });
    return challenge;
  }

  private async registrationOptions(
    operator: Operator,
    purpose: 'setup' | 'passkey',
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.options.repository.passkeyIdsOf(operator.id);
    return generateRegistrationOptions({
      rpName: 'Countersign console',
      rpID: this.rpId,
      userID: new TextEncoder().encode(operator.id),
      userName: operator.email,
      userDisplayName: operator.email,
      challenge: await this.challenge(purpose, operator.id),
      timeout: 60_000,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.id,
        transports: p.transports as AuthenticatorTransport[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: [-7, -8, -257],
    });
  }

  /** Verifies a registration answering a challenge of `purpose` for `operator`; the passkey it made. */
  private async verifiedPasskey(
    operator: Operator,
    purpose: 'setup' | 'passkey',
    response: RegistrationResponseJSON,
  ): Promise<OperatorPasskey> {
    const now = this.options.clock.now();
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: async (challenge) =>
          (await this.options.repository.takeChallenge(issued(challenge), purpose, now))?.operatorId ===
          operator.id,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch {
      throw new AuthyError('60034', { message: 'The passkey registration does not verify' });
    }
    if (!verified.verified)
      throw new AuthyError('60034', { message: 'The passkey registration does not verify' });
    const { credential } = verified.registrationInfo;
    return {
      operatorId: operator.id,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
    };
  }

  /** The passkey registration options of a setup link's operator. */
  async setupOptions(
    token: string,
  ): Promise<{ operator: Operator; options: PublicKeyCredentialCreationOptionsJSON }> {
    const operator = await this.options.repository.setupOperator(
      this.digest('setup', token),
      this.options.clock.now(),
    );
    if (operator === undefined) throw setupRefused();
    return { operator, options: await this.registrationOptions(operator, 'setup') };
  }

  /**
   * Completes a setup: keeps the passkey, uses the link, makes ten recovery codes (shown now, never again) and
   * opens a session — the passkey was just made with the user verified.
   */
  async completeSetup(
    token: string,
    response: RegistrationResponseJSON,
    from: string,
  ): Promise<{ session: OpenedSession; recoveryCodes: string[] }> {
    const digest = this.digest('setup', token);
    const operator = await this.options.repository.setupOperator(digest, this.options.clock.now());
    if (operator === undefined) throw setupRefused();
    const passkey = await this.verifiedPasskey(operator, 'setup', response);
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => this.recoveryCode());
    const completed = await this.options.repository.completeSetup(
      digest,
      { passkey, recoveryCodeDigests: recoveryCodes.map((code) => this.digest('recovery', code)) },
      this.options.clock.now(),
    );
    if (!completed) throw setupRefused();
    await this.record('operator_setup', { operator: operator.email, from });
    return { session: await this.openSession(operator, true), recoveryCodes: recoveryCodes.map(spaced) };
  }

  private recoveryCode(): string {
    const bytes = this.options.random.bytes(RECOVERY_CODES);
    // 31 letters: each byte modulo 31 is biased by under 1 in 8; 10 letters still carry over 49 bits.
    return [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  }

  /** Options to sign in with any operator's passkey (discoverable credentials, the user verified). */
  async signInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.rpId,
      challenge: await this.challenge('sign-in', null),
      timeout: 60_000,
      userVerification: 'required',
    });
  }

  /**
   * Checks an assertion answering a challenge of `purpose` (for `operatorId`, or anyone's for a sign-in):
   * the challenge is used once, the passkey's signature, origin, relying party and UV flag must verify, and
   * its counter must advance. Gives the operator whose passkey it is.
   */
  private async verifiedAssertion(
    response: AuthenticationResponseJSON,
    purpose: 'sign-in' | 'step-up',
    operatorId: string | null,
  ): Promise<Operator> {
    const now = this.options.clock.now();
    const id = typeof response?.id === 'string' ? response.id : '';
    const passkey = id === '' || id.length > 1024 ? undefined : await this.options.repository.findPasskey(id);
    if (passkey === undefined) {
      // The challenge is used all the same: an unknown passkey cannot keep trying one.
      const challenge = challengeOf(response);
      if (challenge !== undefined)
        await this.options.repository.takeChallenge(issued(challenge), purpose, now);
      throw signInFailed('unknown passkey');
    }
    if (operatorId !== null && passkey.operatorId !== operatorId)
      throw signInFailed('another operator’s passkey');
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: async (challenge) => {
          const taken = await this.options.repository.takeChallenge(issued(challenge), purpose, now);
          return taken !== undefined && (operatorId === null || taken.operatorId === operatorId);
        },
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: passkey.counter,
          transports: passkey.transports as AuthenticatorTransport[],
        },
        requireUserVerification: true,
      });
    } catch (error) {
      throw signInFailed(error instanceof Error ? error.message : 'does not verify');
    }
    if (!verified.verified) throw signInFailed('does not verify');
    const advanced = await this.options.repository.advanceCounter(
      passkey.credentialId,
      verified.authenticationInfo.newCounter,
      now,
    );
    if (!advanced) throw signInFailed('signature counter did not advance');
    const operator = await this.options.repository.find(passkey.operatorId);
    if (operator === undefined) throw signInFailed('operator removed');
    return operator;
  }

  /** Signs in with a passkey: a fresh session, which may make dangerous changes at once. */
  async signIn(response: AuthenticationResponseJSON, from: string): Promise<OpenedSession> {
    const operator = await this.recordingFailure(from, 'passkey', () =>
      this.verifiedAssertion(response, 'sign-in', null),
    );
    await this.record('operator_sign_in', { operator: operator.email, method: 'passkey', from });
    return this.openSession(operator, true);
  }

  private async record(type: string, detail: Record<string, unknown>): Promise<void> {
    await this.options.securityLog.record({
      id: this.options.random.uuid(),
      type,
      appId: null,
      userId: null,
      deviceId: null,
      detail,
      now: this.options.clock.now(),
    });
  }

  /** Runs a sign-in check; a refusal is recorded as a failed sign-in (with its reason, never a secret). */
  private async recordingFailure<T>(from: string, method: string, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof AuthyError && error.code === '60044') {
        await this.record('operator_sign_in_failed', { method, reason: error.reason ?? null, from });
      }
      throw error;
    }
  }

  /**
   * Signs in with a recovery code, which is then used. The session is not fresh: a dangerous change needs a
   * passkey (the operator registers a new one first).
   */
  async signInWithRecoveryCode(emailText: string, code: string, from: string): Promise<OpenedSession> {
    const operator = await this.recordingFailure(from, 'recovery_code', () =>
      this.recoveryCodeOperator(emailText, code),
    );
    await this.record('operator_sign_in', { operator: operator.email, method: 'recovery_code', from });
    return this.openSession(operator, false);
  }

  private async recoveryCodeOperator(emailText: string, code: string): Promise<Operator> {
    let email: string;
    try {
      email = operatorEmail(emailText);
    } catch {
      throw signInFailed('malformed email');
    }
    const operator = await this.options.repository.findByEmail(email);
    const normalised = code.toLowerCase().replace(/[\s-]/g, '');
    // The digest is computed whether or not the operator exists: the answer's timing tells nobody which.
    const digest = this.digest('recovery', normalised);
    if (operator === undefined || normalised.length !== RECOVERY_CODES) throw signInFailed('no such code');
    if (!(await this.options.repository.useRecoveryCode(operator.id, digest, this.options.clock.now()))) {
      throw signInFailed('no such code');
    }
    return operator;
  }

  /** Options to confirm a dangerous change with one of the session operator's passkeys. */
  async stepUpOptions(operator: Operator): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = await this.options.repository.passkeyIdsOf(operator.id);
    return generateAuthenticationOptions({
      rpID: this.rpId,
      challenge: await this.challenge('step-up', operator.id),
      timeout: 60_000,
      userVerification: 'required',
      allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports })),
    });
  }

  /** Confirms the session's operator with a passkey: dangerous changes are allowed for the next minutes. */
  async stepUp(sessionId: string, operator: Operator, response: AuthenticationResponseJSON): Promise<number> {
    await this.verifiedAssertion(response, 'step-up', operator.id);
    const until = this.options.clock.now() + STEP_UP_MS;
    await this.options.repository.freshenSession(this.digest('session', sessionId), until);
    return until;
  }

  /** Options to register another passkey for the signed-in operator. */
  passkeyOptions(operator: Operator): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.registrationOptions(operator, 'passkey');
  }

  async addPasskey(operator: Operator, response: RegistrationResponseJSON): Promise<void> {
    const passkey = await this.verifiedPasskey(operator, 'passkey', response);
    await this.options.repository.addPasskey(passkey, this.options.clock.now());
  }

  private async openSession(operator: Operator, fresh: boolean): Promise<OpenedSession> {
    const now = this.options.clock.now();
    const id = this.secret();
    const expiresAt = now + SESSION_ABSOLUTE_MS;
    const freshUntil = fresh ? now + STEP_UP_MS : 0;
    await this.options.repository.insertSession({
      digest: this.digest('session', id),
      operatorId: operator.id,
      now,
      expiresAt,
      freshUntil,
    });
    return { id, operator, expiresAt, idleExpiresAt: now + SESSION_IDLE_MS, freshUntil };
  }

  /**
   * The live session a cookie holds, or `undefined` (unknown, idle for 30 minutes, or past its 12 hours). A
   * request that is `active` moves the idle end on (written at most once a minute).
   */
  async session(sessionId: string, active: boolean): Promise<ConsoleSession | undefined> {
    if (sessionId.length === 0 || sessionId.length > 128) return undefined;
    const now = this.options.clock.now();
    const digest = this.digest('session', sessionId);
    const stored = await this.options.repository.findSession(digest);
    if (stored === undefined) return undefined;
    if (stored.expiresAt <= now || stored.lastSeenAt + SESSION_IDLE_MS <= now) {
      await this.options.repository.deleteSession(digest);
      return undefined;
    }
    let lastSeenAt = stored.lastSeenAt;
    if (active && now - stored.lastSeenAt >= TOUCH_EVERY_MS) {
      await this.options.repository.touchSession(digest, now);
      lastSeenAt = now;
    }
    return {
      operator: stored.operator,
      expiresAt: stored.expiresAt,
      idleExpiresAt: Math.min(stored.expiresAt, lastSeenAt + SESSION_IDLE_MS),
      freshUntil: stored.freshUntil,
    };
  }

  /** Whether a dangerous change may be made now without another passkey assertion. */
  isFresh(session: ConsoleSession): boolean {
    return session.freshUntil > this.options.clock.now();
  }

  /** The CSRF token bound to a session: derived from its id, so nothing more is kept. */
  csrfToken(sessionId: string): string {
    return this.digest('csrf', sessionId);
  }

  async signOut(sessionId: string): Promise<void> {
    await this.options.repository.deleteSession(this.digest('session', sessionId));
  }
}

/**
 * The challenge as the service issued it, from the one a response carries: the options carry the issued text's
 * UTF-8 bytes in B64U, and the browser signs over that encoding.
 */
const issued = (challenge: string) => Buffer.from(challenge, 'base64url').toString('utf8');

/** A recovery code as shown: two groups of five letters. */
const spaced = (code: string) => `${code.slice(0, 5)}-${code.slice(5)}`;
