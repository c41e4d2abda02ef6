import { type App, policyOf } from '../apps/app.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { stepAt, totpCode } from '../crypto/totp.js';
import { AuthyError, type SecurityEvent, userNotFound } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { type Channel, MessagingError, type MessagingProvider } from '../messaging/messaging-provider.js';
import type { SendGuard } from '../messaging/send-guard.js';
import type { SecurityLog } from '../operations/security-log.js';
import type { Verification, VerificationTally } from '../overview/verification-tally.js';
import type { AppUser } from '../users/app-user.js';
import { maskForMessage, parsePhone } from '../users/phone-number.js';
import type { UserService } from '../users/user.service.js';
import { lockEnd } from './lockout.js';
import type { AttemptResult, TokenRepository } from './token.repository.js';

const TOKEN = /^[0-9]{6,10}$/;
const SANDBOX_TOKEN = '0000000';

export interface TokenSettings {
  codeTtlSeconds: number;
  sendLimitPer10Minutes: number;
}

export interface SendOptions {
  force?: boolean | undefined;
  action?: string | undefined;
  actionMessage?: string | undefined;
}

/** `ignored`: the user has a device, so Authy would not send (pass force to send anyway). */
export type SendResult = { cellphone: string; ignored: boolean };

export type VerifyResult = { channel: 'totp' | 'sms' | 'call' };

const tokenInvalid = (event: SecurityEvent = 'authn_login_fail') =>
  new AuthyError('60020', { extra: { token: 'is invalid' }, event });
/** A valid code used again (R25): the app hears it as 60019, the log as `authn_token_reuse`. */
const tokenReused = () =>
  new AuthyError('60019', { extra: { token: 'is invalid' }, event: 'authn_token_reuse' });

/**
 * How the Overview counts a verify: a code sent by SMS or voice accepted is `sms`; everything else is `totp`
 * (a refused token cannot tell which code it meant to be). A refusal that locked the user is `locked`.
 */
const tallied = (
  result: Exclude<AttemptResult<'totp' | 'sms' | AuthyError>, { state: 'unknown' }>,
): Pick<Verification, 'kind' | 'outcome'> => {
  if (result.state === 'locked') return { kind: 'totp', outcome: 'refused' };
  const { value } = result;
  if (!(value instanceof AuthyError)) return { kind: value, outcome: 'accepted' };
  return { kind: 'totp', outcome: value.event === 'authn_login_lock' ? 'locked' : 'refused' };
};

export interface TokenServiceOptions {
  readonly repository: TokenRepository;
  readonly users: UserService;
  readonly messaging: MessagingProvider;
  readonly guard: SendGuard;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  readonly usage: UsageCounter;
  readonly settings: TokenSettings;
  /** A lockout is a security event (`user.locked`). */
  readonly securityLog: SecurityLog;
  /** Where each verify's outcome is counted (the Overview's counters). */
  readonly tally: VerificationTally;
  /** Live devices of the user that answer this app: with one, SMS is not needed unless forced. */
  readonly answeringDevices: (app: App, userId: number) => Promise<number>;
}

/** TOTP verification (D3, D4) and SMS / voice codes (R21, R22). */
export class TokenService {
  private readonly repository: TokenRepository;
  private readonly users: UserService;
  private readonly messaging: MessagingProvider;
  private readonly guard: SendGuard;
  private readonly keys: ServiceKeys;
  private readonly random: Random;
  private readonly clock: Clock;
  private readonly usage: UsageCounter;
  private readonly settings: TokenSettings;
  private readonly answeringDevices: (app: App, userId: number) => Promise<number>;
  private readonly securityLog: SecurityLog;
  private readonly tally: VerificationTally;

  constructor(options: TokenServiceOptions) {
    this.repository = options.repository;
    this.users = options.users;
    this.messaging = options.messaging;
    this.guard = options.guard;
    this.keys = options.keys;
    this.random = options.random;
    this.clock = options.clock;
    this.usage = options.usage;
    this.settings = options.settings;
    this.answeringDevices = options.answeringDevices;
    this.securityLog = options.securityLog;
    this.tally = options.tally;
  }

  private codeDigest(user: Pick<AppUser, 'appId' | 'userId'>, action: string, code: string): string {
    return hmacHex(this.keys.pepper, `otp:${user.appId}:${user.userId}:${action}:${code}`);
  }

  /**
   * Checks a token against the user's TOTP (current step and one back) and their live SMS/voice code.
   * Every step and every code is accepted once, even under concurrent calls; failures count toward a lock
   * that refuses even a correct code (R15, R16). `force` is not honoured: every check is a real one.
   */
  async verify(app: App, idParam: string | undefined, token: string, action = ''): Promise<VerifyResult> {
    const policy = policyOf(app);
    // Authy's sandbox: the magic token is valid for any id, registered or not (docs/sandbox.md).
    if (policy.sandbox && token === SANDBOX_TOKEN) return { channel: 'totp' };
    const unknownUser = (error: unknown) =>
      policy.sandbox && error instanceof AuthyError && error.code === '60026'
        ? new AuthyError('60026', { message: "User doesn't exist" })
        : error;
    let userId: number;
    try {
      userId = this.users.idOf(idParam);
      // An unknown user is reported before a malformed token, which is not counted as an attempt.
      if (!TOKEN.test(token)) {
        await this.users.find(app, idParam);
        throw tokenInvalid();
      }
    } catch (error) {
      throw unknownUser(error);
    }
    const user = { appId: app.id, userId };
    const now = this.clock.now();
    const maxFailures = policy.maxFailures;
    const result = await this.repository.attempt(app.id, userId, now, async (attempt, session) => {
      if (attempt.failedCount > maxFailures) {
        const until = await session.lock(this.lockEnd(now, attempt.lockCount));
        return this.lockedError(until, now, 'authn_login_lock');
      }
      const seed = this.users.openSeed(user, attempt.seedCt);
      const current = stepAt(now);
      let matched: number | undefined;
      for (const step of [current, current - 1]) {
        // Both steps are always computed and compared, so timing does not tell which one matched.
        if (constantTimeEqual(totpCode(seed, step, app.tokenLength), token) && matched === undefined)
          matched = step;
      }
      if (matched !== undefined) {
        if (await session.acceptStep(matched)) return 'totp' as const;
        // A code of a step already accepted: proof of the code, not a guess (D12).
        await session.forgive();
        return tokenReused();
      }
      const code = await session.latestCode(action);
      if (code !== undefined && constantTimeEqual(code.digest, this.codeDigest(user, action, token))) {
        if (!code.used && (await session.useCode(code.id))) return 'sms' as const;
        // The code just used, sent again: a double submit, not a guess (D12).
        await session.forgive();
        return tokenReused();
      }
      if (attempt.failedCount >= maxFailures) {
        await session.lock(this.lockEnd(now, attempt.lockCount));
        // The answer stays "invalid"; the log says this failure locked the user.
        return tokenInvalid('authn_login_lock');
      }
      return tokenInvalid();
    });
    if (result.state === 'unknown') throw unknownUser(userNotFound());
    this.tally.count({ appId: app.id, at: now, ...tallied(result) });
    if (result.state === 'locked') throw this.lockedError(result.lockedUntil, now, 'authn_login_fail_max');
    // A refusal is returned, not thrown, so that what the attempt wrote (its count, a lock) is committed.
    if (result.value instanceof AuthyError && result.value.event === 'authn_login_lock') {
      await this.securityLog.record({
        id: this.random.uuid(),
        type: 'user.locked',
        appId: app.id,
        userId,
        deviceId: null,
        detail: { failures: maxFailures + 1 },
        now,
      });
    }
    if (result.value instanceof AuthyError) throw result.value;
    this.usage.count(app.id, 'auths');
    return { channel: result.value };
  }

  private lockEnd(now: number, lockCount: number): number {
    return lockEnd(now, lockCount);
  }

  private lockedError(until: number, now: number, event: SecurityEvent): AuthyError {
    const seconds = Math.max(1, Math.ceil((until - now) / 1000));
    return new AuthyError('60003', {
      message: 'Too many failed attempts. Try again later.',
      headers: { 'retry-after': String(seconds) },
      event,
    });
  }

  /**
   * Sends a new code by SMS or voice; once it is sent the previous code for the same action stops working.
   * A failed send leaves the previous code usable and does not count toward the send limits (R75). The
   * app's countries and budgets, and the phone's, are checked before anything is stored (R12).
   */
  async send(
    app: App,
    idParam: string | undefined,
    channel: Channel,
    options: SendOptions,
  ): Promise<SendResult> {
    const user = await this.users.find(app, idParam);
    const cellphone = maskForMessage(user.countryCode, user.phone);
    const sandbox = policyOf(app).sandbox;
    // Authy's rule: a user with a device gets no SMS unless the app forces it. The sandbox always sends.
    if (options.force !== true && !sandbox && (await this.answeringDevices(app, user.userId)) > 0) {
      return { cellphone, ignored: true };
    }
    const now = this.clock.now();
    // Sandbox apps send nothing, so they have nothing to throttle.
    const recent = sandbox ? 0 : await this.repository.countSends(app.id, user.userId, now - 10 * 60_000);
    if (recent >= this.settings.sendLimitPer10Minutes) {
      throw new AuthyError('60003', {
        message: 'Too many codes were sent to this user. Try again later.',
        headers: { 'retry-after': '600' },
        event: 'excess_rate_limit_exceeded',
      });
    }
    const to = `+${user.countryCode}${user.phone}`;
    const charge = await this.guard.admit(
      app,
      { e164: to, country: parsePhone(user.phone, user.countryCode)?.country },
      user.userId,
    );
    const action = options.action ?? '';
    const code = this.random.digits(app.tokenLength);
    const id = await this.repository.insertCode({
      appId: app.id,
      userId: user.userId,
      channel,
      action,
      digest: this.codeDigest(user, action, code),
      now,
      expiresAt: now + this.settings.codeTtlSeconds * 1000,
    });
    const lead = options.actionMessage ?? `Your ${app.name} verification code is`;
    try {
      await this.messaging.send({
        appId: app.id,
        channel,
        to,
        body: `${lead} ${code}`,
        sandbox,
      });
    } catch (error) {
      await this.repository.markFailed(id);
      await this.guard.refund(charge);
      if (error instanceof MessagingError) {
        throw new AuthyError('60015', {
          message: `The ${channel === 'sms' ? 'SMS' : 'call'} could not be sent. Try again later.`,
        });
      }
      throw error;
    }
    await this.repository.activateCode(id, app.id, user.userId, action);
    this.usage.count(app.id, channel === 'sms' ? 'sms' : 'calls');
    return { cellphone, ignored: false };
  }
}
