import type { ApprovalService } from '../approvals/approval.service.js';
import { CONTENT_LIMIT_BYTES } from '../approvals/approval.service.js';
import type { ApprovalRequest } from '../approvals/approval-request.js';
import { type App, policyOf } from '../apps/app.js';
import { constantTimeEqual } from '../crypto/digest.js';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { base32Seed, stepAt, totpCode, totpUri } from '../crypto/totp.js';
import type { DeviceService } from '../devices/device.service.js';
import type { EnrollmentService } from '../devices/enrollment.service.js';
import { AuthyError, invalidTwilioParameter, type SecurityEvent } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import { lockEnd } from '../tokens/lockout.js';
import type { UserService } from '../users/user.service.js';
import type { FactorEventContext, FactorRepository } from './factor.repository.js';
import type { VerifyEvent } from './verify-event.js';
import type {
  ChallengeField,
  ChallengeStatus,
  TotpAlg,
  VerifyAccessToken,
  VerifyChallenge,
  VerifyEntity,
  VerifyFactor,
  VerifyNotification,
} from './verify-factor.js';
import type { VerifyService } from './verify-service.js';
import { notFound } from './verify-service.service.js';
import { newSid } from './verify-sid.js';

/** How long a challenge stays answerable unless told (Twilio's default for challenges). */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** The longest a push challenge may live (Twilio's limit: an hour after it is made). */
const MAX_CHALLENGE_MS = 60 * 60_000;
/** An access token's life in seconds when none is given, and its bounds (Twilio's). */
export const ACCESS_TOKEN_TTL = { default: 60, min: 60, max: 300 } as const;
const ALGORITHM = { sha1: 'SHA1', sha256: 'SHA256', sha512: 'SHA512' } as const;

/** A TOTP factor's settings a create may give; absent ones follow the service's `Totp` settings. */
export interface TotpConfig {
  readonly alg?: TotpAlg | undefined;
  readonly codeLength?: number | undefined;
  readonly timeStep?: number | undefined;
  readonly skew?: number | undefined;
}

/** A new factor with its binding: the only time the secret and the URI are shown. */
export interface NewFactor {
  readonly factor: VerifyFactor;
  readonly binding: { readonly secret: string; readonly uri: string };
}

/** What a code did: `accepted`, a replay of a step already accepted, or a wrong code. */
export type CodeOutcome = 'accepted' | 'replayed' | 'wrong' | 'locked-now';
/** Inside the unit: a lock that had to be taken before the code was looked at. */
type AttemptOutcome = CodeOutcome | { readonly lockedUntil: number };

/** The factor's seed is bound to its row: a sealed seed copied into another factor does not open. */
const seedContext = sealedContext.verifyFactorSeed;

export interface FactorServiceOptions {
  readonly repository: FactorRepository;
  readonly box: SecretBox;
  readonly random: Random;
  readonly clock: Clock;
  /** A lockout is a security event (`verify_factor.locked`). */
  readonly securityLog: SecurityLog;
  /** The app's users: an entity with push factors has one (its devices enroll for it). */
  readonly users: UserService;
  /** Access tokens carry the app-initiated enrollment link (D8, R26). */
  readonly enrollment: EnrollmentService;
  /** Push challenges are approval requests: the one approval engine. */
  readonly approvals: ApprovalService;
  /** A push factor deleted revokes its device. */
  readonly devices: DeviceService;
}

/** A new access token, with the enrollment link it carries: shown in this answer only. */
export interface NewAccessToken {
  readonly token: VerifyAccessToken;
  readonly link: string;
}

/** What a push challenge asks: the message and fields the device shows, the hidden details it does not. */
export interface PushChallengeInput {
  readonly message: string;
  readonly fields: readonly ChallengeField[];
  readonly hiddenDetails: Record<string, string | number | boolean>;
  readonly expiresAt: number | undefined;
}

/**
 * Verify v2 entities, TOTP factors and TOTP challenges (issue 19). An entity is its own record under a
 * service, named by the app's identity for its user (not linked to the Authy side's users, whose ids the app
 * chose differently). Each TOTP step is accepted once; wrong codes count toward the Authy side's lock (D3):
 * more than the app's `maxFailures` in a row lock the factor, 15 minutes and doubling.
 */
export class FactorService {
  constructor(private readonly options: FactorServiceOptions) {}

  private get repository() {
    return this.options.repository;
  }

  /** Makes the entity; an identity the service already has is answered with its entity. */
  async createEntity(app: App, service: VerifyService, identity: string): Promise<VerifyEntity> {
    const found = await this.repository.findEntity(app.id, service.sid, identity);
    if (found !== undefined) return found;
    const now = this.options.clock.now();
    return this.repository.insertEntity({
      sid: newSid('YE', this.options.random),
      service_sid: service.sid,
      app_id: app.id,
      identity,
      user_id: null,
      created_at: now,
      updated_at: now,
    });
  }

  /** The service's entity of that identity, or Twilio's 404. */
  async entity(app: App, service: VerifyService, identity: string): Promise<VerifyEntity> {
    const entity = await this.repository.findEntity(app.id, service.sid, identity);
    if (entity === undefined) throw notFound(`/Services/${service.sid}/Entities/${identity}`);
    return entity;
  }

  pageEntities(app: App, service: VerifyService, after: number, size: number) {
    return this.repository.pageEntities(app.id, service.sid, after, size);
  }

  /**
   * Removes the entity with its factors and challenges (each factor's `factor.deleted` recorded with the removal),
   * and its user of the app with that user's devices.
   */
  async removeEntity(app: App, entity: VerifyEntity): Promise<void> {
    if (!(await this.repository.removeEntity(app.id, entity.sid, this.eventContext(app, entity)))) {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}`);
    }
    if (entity.userId === null) return;
    try {
      await this.options.users.remove(app, String(entity.userId));
    } catch (error) {
      // Removed on the Authy side meanwhile: nothing is left to remove.
      if (!(error instanceof AuthyError && error.code === '60026')) throw error;
    }
  }

  /** The app's user behind the entity, made (and linked, once) the first time a device needs one. */
  private async userOf(app: App, entity: VerifyEntity): Promise<number> {
    if (entity.userId !== null) return entity.userId;
    const userId = await this.options.users.linkVerifyEntity(app, entity.sid);
    // Two first access tokens at once make the same user (one identity per entity): either link stands.
    return (await this.repository.linkUser(app.id, entity.sid, userId, this.options.clock.now())) ?? userId;
  }

  /**
   * An access token for a push factor: the entity (made if new) gets its user of the app, and the token is
   * an app-initiated enrollment link for that user (single use, `ttl` seconds, R26). The device that enrolls
   * with it becomes the entity's push factor (`pushFactorEnrolled`).
   */
  async createAccessToken(
    app: App,
    service: VerifyService,
    identity: string,
    options: { friendlyName: string | undefined; ttl: number | undefined },
  ): Promise<NewAccessToken> {
    const ttl = options.ttl ?? ACCESS_TOKEN_TTL.default;
    const entity = await this.createEntity(app, service, identity);
    const userId = await this.userOf(app, entity);
    const link = await this.options.enrollment.createEnrollmentLink(app, String(userId), {
      ttlMs: ttl * 1000,
    });
    const token = await this.repository.insertAccessToken(
      {
        sid: newSid('YK', this.options.random),
        entity_sid: entity.sid,
        app_id: app.id,
        enrollment_digest: link.digest,
        factor_friendly_name: options.friendlyName ?? null,
        ttl,
        created_at: this.options.clock.now(),
        expires_at: link.expiresAt,
      },
      entity,
    );
    return { token, link: link.url };
  }

  /** A service's access token (never its link), or Twilio's 404. */
  async accessToken(app: App, service: VerifyService, sid: string): Promise<VerifyAccessToken> {
    const token = await this.repository.findAccessToken(app.id, service.sid, sid);
    if (token === undefined) throw notFound(`/Services/${service.sid}/AccessTokens/${sid}`);
    return token;
  }

  /**
   * A device enrolled with an app's link: if the link was an access token's, the entity's push factor is
   * made, `verified` at once (the enrollment proved the device holds its key, R27, which is what Twilio's
   * SDK does in its create and verify steps). Any other link makes nothing.
   */
  async pushFactorEnrolled(enrolled: {
    enrollmentDigest: string;
    deviceId: string;
    deviceName: string;
    now: number;
  }): Promise<string | undefined> {
    const sid = newSid('YF', this.options.random);
    const made = await this.repository.insertPushFactor(enrolled.enrollmentDigest, (token) => ({
      sid,
      entity_sid: token.entitySid,
      app_id: token.appId,
      friendly_name: token.friendlyName ?? enrolled.deviceName,
      factor_type: 'push',
      status: 'verified',
      // A push factor has no seed: the device's key is its binding.
      seed_ct: '',
      alg: '',
      code_length: 0,
      time_step: 0,
      skew: 0,
      last_step: null,
      failed_count: 0,
      lock_count: 0,
      locked_until: null,
      created_at: enrolled.now,
      updated_at: enrolled.now,
      device_id: enrolled.deviceId,
    }));
    if (made === undefined) return undefined;
    return made.factorSid;
  }

  /** A new TOTP factor, `unverified`, with its seed sealed at rest and shown here once. */
  async createTotp(
    app: App,
    service: VerifyService,
    entity: VerifyEntity,
    friendlyName: string,
    config: TotpConfig,
  ): Promise<NewFactor> {
    const now = this.options.clock.now();
    const sid = newSid('YF', this.options.random);
    const seedHex = this.options.random.bytes(20).toString('hex');
    const settings = {
      alg: config.alg ?? 'sha1',
      codeLength: config.codeLength ?? service.totp.codeLength,
      timeStep: config.timeStep ?? service.totp.timeStep,
      skew: config.skew ?? service.totp.skew,
    };
    const factor = await this.repository.insertFactor(
      {
        sid,
        entity_sid: entity.sid,
        app_id: app.id,
        friendly_name: friendlyName,
        factor_type: 'totp',
        status: 'unverified',
        seed_ct: this.options.box.seal(seedHex, seedContext(app.id, sid)),
        alg: settings.alg,
        code_length: settings.codeLength,
        time_step: settings.timeStep,
        skew: settings.skew,
        last_step: null,
        failed_count: 0,
        lock_count: 0,
        locked_until: null,
        created_at: now,
        updated_at: now,
        device_id: null,
      },
      entity,
      {
        ...this.eventContext(app, entity, now),
        type: 'factor.created',
        factor: { sid, type: 'totp', friendlyName },
      },
    );
    const uri = totpUri({
      seedHex,
      issuer: service.totp.issuer ?? service.friendlyName,
      label: friendlyName,
      digits: settings.codeLength,
      algorithm: ALGORITHM[settings.alg],
      periodSeconds: settings.timeStep,
    });
    return { factor, binding: { secret: base32Seed(seedHex), uri } };
  }

  /** The entity's factor, or Twilio's 404. */
  async factor(app: App, entity: VerifyEntity, sid: string): Promise<VerifyFactor> {
    const factor = await this.repository.findFactor(app.id, entity.sid, sid);
    if (factor === undefined)
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Factors/${sid}`);
    return factor;
  }

  pageFactors(app: App, entity: VerifyEntity, after: number, size: number) {
    return this.repository.pageFactors(app.id, entity.sid, after, size);
  }

  /**
   * Updates a factor: a new name, and with `authPayload` a code that verifies an `unverified` factor (a wrong
   * one leaves it `unverified`, as Twilio answers since 2021). A verified factor's code is checked the same way.
   */
  async updateFactor(
    app: App,
    entity: VerifyEntity,
    sid: string,
    changes: { friendlyName?: string | undefined; authPayload?: string | undefined },
  ): Promise<{ factor: VerifyFactor; outcome: CodeOutcome | undefined }> {
    await this.factor(app, entity, sid);
    if (changes.friendlyName !== undefined) {
      await this.repository.renameFactor(
        app.id,
        entity.sid,
        sid,
        changes.friendlyName,
        this.options.clock.now(),
      );
    }
    const outcome =
      changes.authPayload === undefined
        ? undefined
        : await this.check(app, entity, sid, changes.authPayload, undefined);
    return { factor: await this.factor(app, entity, sid), outcome };
  }

  /**
   * Deletes a factor and its challenges, recording its `factor.deleted` with the removal; a push factor's device
   * is revoked first (its streams close, its next signed call is refused), so that a failure between the two
   * never leaves a live device unlisted.
   */
  async removeFactor(app: App, entity: VerifyEntity, sid: string): Promise<void> {
    const factor = await this.factor(app, entity, sid);
    if (factor.factorType === 'push') await this.options.devices.revokeAs(factor.deviceId, 'verify_factor');
    if (!(await this.repository.removeFactor(app.id, entity.sid, sid, this.eventContext(app, entity)))) {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Factors/${sid}`);
    }
  }

  /**
   * A challenge of a verified TOTP factor answered by `authPayload`: `approved` for a right code of a step
   * not accepted before, else `pending` (Twilio's answer to a wrong code), `expired` once past its five minutes. A locked factor is 429 / 60202 and
   * makes no challenge.
   */
  async challenge(
    app: App,
    entity: VerifyEntity,
    factorSid: string,
    authPayload: string,
  ): Promise<{ challenge: VerifyChallenge; outcome: CodeOutcome }> {
    const factor = await this.repository.findFactor(app.id, entity.sid, factorSid);
    if (factor === undefined)
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Factors/${factorSid}`);
    if (factor.factorType !== 'totp')
      throw invalidTwilioParameter(
        'AuthPayload',
        'is for a totp factor; a push factor takes Details.Message',
      );
    if (factor.status !== 'verified') throw invalidTwilioParameter('FactorSid', 'the factor is not verified');
    const sid = newSid('YC', this.options.random);
    const outcome = await this.check(app, entity, factorSid, authPayload, sid);
    const made = await this.repository.findChallenge(app.id, entity.sid, sid, this.options.clock.now());
    if (made === undefined)
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Challenges/${sid}`);
    return { challenge: made, outcome };
  }

  /**
   * A push challenge: an approval request to the entity's user, shown by the authenticator as any other
   * (message and fields as its details, hidden details sealed) and answered with the same signed answers
   * and receipts; it lives until `expiresAt` (five minutes unless told, an hour at most).
   */
  async pushChallenge(
    app: App,
    entity: VerifyEntity,
    factorSid: string,
    input: PushChallengeInput,
  ): Promise<VerifyChallenge> {
    const factor = await this.repository.findFactor(app.id, entity.sid, factorSid);
    if (factor === undefined)
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Factors/${factorSid}`);
    if (factor.factorType !== 'push' || entity.userId === null)
      throw invalidTwilioParameter('AuthPayload', 'is required to challenge a totp factor');
    const now = this.options.clock.now();
    const expiresAt = input.expiresAt ?? now + CHALLENGE_TTL_MS;
    const longest = Math.min(MAX_CHALLENGE_MS, policyOf(app).maxApprovalSeconds * 1000);
    if (expiresAt <= now || expiresAt - now > longest)
      throw invalidTwilioParameter(
        'ExpirationDate',
        `must be after now and at most ${longest / 60_000} minutes from now`,
      );
    const details: Record<string, string> = {};
    for (const field of input.fields) {
      if (Object.hasOwn(details, field.label))
        throw invalidTwilioParameter('Details.Fields', `has the label "${field.label}" twice`);
      details[field.label] = field.value;
    }
    const content = JSON.stringify([input.message, details, input.hiddenDetails, []]);
    if (Buffer.byteLength(content) > CONTENT_LIMIT_BYTES)
      throw invalidTwilioParameter(
        'Details',
        `with HiddenDetails must be at most ${CONTENT_LIMIT_BYTES} bytes`,
      );
    const request = await this.options.approvals.create(app, String(entity.userId), {
      message: input.message,
      details,
      hiddenDetails: input.hiddenDetails,
      logos: [],
      secondsToExpire: Math.ceil((expiresAt - now) / 1000),
    });
    const sid = newSid('YC', this.options.random);
    await this.repository.insertChallenge({
      sid,
      entity_sid: entity.sid,
      factor_sid: factorSid,
      app_id: app.id,
      status: 'pending',
      created_at: now,
      updated_at: now,
      responded_at: null,
      expires_at: request.expiresAt ?? expiresAt,
      approval_uuid: request.uuid,
    });
    return this.fetchChallenge(app, entity, sid);
  }

  async fetchChallenge(app: App, entity: VerifyEntity, sid: string): Promise<VerifyChallenge> {
    const challenge = await this.repository.findChallenge(app.id, entity.sid, sid, this.options.clock.now());
    if (challenge === undefined) {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Challenges/${sid}`);
    }
    return this.withApproval(app, challenge);
  }

  async pageChallenges(
    app: App,
    entity: VerifyEntity,
    filter: { factorSid?: string | undefined; status?: ChallengeStatus | undefined },
    after: number,
    size: number,
  ) {
    const page = await this.repository.pageChallenges(
      app.id,
      entity.sid,
      filter,
      after,
      size,
      this.options.clock.now(),
    );
    const items: VerifyChallenge[] = [];
    for (const challenge of page.items) items.push(await this.withApproval(app, challenge));
    return { items, nextAfter: page.nextAfter };
  }

  /**
   * A push challenge as its approval request stands (read through the approval service, which stores an
   * expiry it sees): status, answer time, message, fields and hidden details. A TOTP challenge as it is.
   */
  private async withApproval(app: App, challenge: VerifyChallenge): Promise<VerifyChallenge> {
    if (challenge.approvalUuid === null) return challenge;
    let request: ApprovalRequest;
    try {
      request = await this.options.approvals.status(app, challenge.approvalUuid);
    } catch (error) {
      // The request went with its user (removed on the Authy side): the row's reading stands (expired).
      if (error instanceof AuthyError && error.code === '60049') return challenge;
      throw error;
    }
    // engine (ApprovalService.answer, .status, .expireDue): wire the events there, finding the challenge by
    // verify_challenges.approval_uuid (FactorRepository) — not here, where a decision is only read.
    const answered = request.status === 'approved' || request.status === 'denied';
    return {
      ...challenge,
      status: request.status,
      updatedAt: request.updatedAt,
      respondedAt: answered ? request.processedAt : null,
      details: {
        message: request.message,
        fields: Object.entries(request.details).map(([label, value]) => ({ label, value })),
      },
      hiddenDetails: request.hiddenDetails,
    };
  }

  /**
   * Sends a pending push challenge's push again (Twilio's Notifications). An expired challenge is 403 /
   * 60323, an answered one 400 / 60200, a TOTP one 400 / 60200.
   */
  async notify(app: App, entity: VerifyEntity, sid: string, ttl: number): Promise<VerifyNotification> {
    const challenge = await this.fetchChallenge(app, entity, sid);
    if (challenge.approvalUuid === null)
      throw invalidTwilioParameter('ChallengeSid', 'notifications are sent for push challenges only');
    const request =
      challenge.status === 'pending'
        ? await this.options.approvals.renotify(app, challenge.approvalUuid)
        : undefined;
    const status = request?.status ?? challenge.status;
    if (status === 'expired') throw new AuthyError('60323');
    if (status !== 'pending') throw invalidTwilioParameter('ChallengeSid', `the challenge is ${status}`);
    return { sid: newSid('NT', this.options.random), challenge, ttl, createdAt: this.options.clock.now() };
  }

  /**
   * Checks a code against the factor as one unit; with `challengeSid`, records the challenge in that unit.
   * Every step of the window is computed and compared in constant time, so timing does not tell which matched.
   */
  private async check(
    app: App,
    entity: VerifyEntity,
    factorSid: string,
    code: string,
    challengeSid: string | undefined,
  ): Promise<CodeOutcome> {
    const { clock, box } = this.options;
    const now = clock.now();
    const maxFailures = policyOf(app).maxFailures;
    const result = await this.repository.attempt(
      app.id,
      entity.sid,
      factorSid,
      now,
      async (attempt, session) => {
        const event = (type: VerifyEvent['type']): VerifyEvent => ({
          ...this.eventContext(app, entity, now),
          type,
          factor: { sid: factorSid, type: 'totp', friendlyName: attempt.friendlyName },
          ...(type.startsWith('challenge.') &&
            challengeSid !== undefined && { challenge: { sid: challengeSid, details: null } }),
        });
        const record = async (approved: boolean) => {
          if (challengeSid === undefined) return;
          await session.insertChallenge(
            {
              sid: challengeSid,
              entity_sid: entity.sid,
              factor_sid: factorSid,
              app_id: app.id,
              status: approved ? 'approved' : 'pending',
              created_at: now,
              updated_at: now,
              responded_at: approved ? now : null,
              expires_at: now + CHALLENGE_TTL_MS,
              approval_uuid: null,
            },
            // A TOTP challenge is approved or left pending (a wrong code): only approval is an event.
            approved ? event('challenge.approved') : undefined,
          );
        };
        if (attempt.failedCount > maxFailures) {
          const until = lockEnd(now, attempt.lockCount);
          await session.lock(until);
          return { lockedUntil: until } as AttemptOutcome;
        }
        const seed = box.open(attempt.seedCt, seedContext(app.id, factorSid));
        const current = stepAt(now, attempt.timeStep);
        let matched: number | undefined;
        for (let step = current - attempt.skew; step <= current + attempt.skew; step++) {
          const expected = totpCode(seed, step, attempt.codeLength, ALGORITHM[attempt.alg], attempt.timeStep);
          if (constantTimeEqual(expected, code) && matched === undefined) matched = step;
        }
        if (matched !== undefined) {
          if (await session.acceptStep(matched, event('factor.verified'))) {
            await record(true);
            return 'accepted' as AttemptOutcome;
          }
          // A code of a step already accepted: proof of the code, not a guess (D12), but never accepted twice.
          await session.forgive();
          await record(false);
          return 'replayed' as AttemptOutcome;
        }
        if (attempt.failedCount >= maxFailures) {
          await session.lock(lockEnd(now, attempt.lockCount));
          await record(false);
          return 'locked-now' as AttemptOutcome;
        }
        await record(false);
        return 'wrong' as AttemptOutcome;
      },
    );
    if (result.state === 'unknown') {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Factors/${factorSid}`);
    }
    if (result.state === 'locked') throw this.lockedError(result.lockedUntil, now, 'authn_login_fail_max');
    // A refusal is returned from the unit, not thrown, so that what the attempt wrote (its count, a lock) is kept.
    if (typeof result.value === 'object')
      throw this.lockedError(result.value.lockedUntil, now, 'authn_login_lock');
    if (result.value === 'locked-now') {
      await this.options.securityLog.record({
        id: this.options.random.uuid(),
        type: 'verify_factor.locked',
        appId: app.id,
        userId: null,
        deviceId: null,
        detail: { factor_sid: factorSid, failures: maxFailures + 1 },
        now,
      });
    }
    return result.value as CodeOutcome;
  }

  /** What every event of the entity's factors says of where it happened, and when (default: now). */
  /**
   * Settles the push challenges whose request was answered or expired, reporting each to the service's webhooks
   * once (the expiry sweeper's tick); returns how many.
   */
  settlePushChallenges(limit = 100): Promise<number> {
    return this.repository.settlePushChallenges(limit);
  }

  private eventContext(app: App, entity: VerifyEntity, at = this.options.clock.now()): FactorEventContext {
    return {
      appId: app.id,
      accountSid: app.accountSid,
      serviceSid: entity.serviceSid,
      identity: entity.identity,
      at,
    };
  }

  private lockedError(until: number, now: number, event: SecurityEvent): AuthyError {
    const seconds = Math.max(1, Math.ceil((until - now) / 1000));
    return new AuthyError('60202', {
      message: 'Max check attempts reached',
      headers: { 'retry-after': String(seconds) },
      event,
    });
  }
}
