import { type App, policyOf } from '../apps/app.js';
import { constantTimeEqual } from '../crypto/digest.js';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { base32Seed, stepAt, totpCode, totpUri } from '../crypto/totp.js';
import { AuthyError, invalidTwilioParameter, type SecurityEvent } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import { lockEnd } from '../tokens/lockout.js';
import type { FactorEventContext, FactorRepository } from './factor.repository.js';
import type { VerifyEvent } from './verify-event.js';
import type { TotpAlg, VerifyChallenge, VerifyEntity, VerifyFactor } from './verify-factor.js';
import type { VerifyService } from './verify-service.js';
import { notFound } from './verify-service.service.js';
import { newSid } from './verify-sid.js';

/** How long a TOTP challenge stays answerable (Twilio's default for challenges). */
const CHALLENGE_TTL_MS = 5 * 60_000;
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

  /** Removes the entity and its factors: each factor's `factor.deleted` is recorded with the removal. */
  async removeEntity(app: App, entity: VerifyEntity): Promise<void> {
    if (!(await this.repository.removeEntity(app.id, entity.sid, this.eventContext(app, entity)))) {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}`);
    }
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

  /** Removes the factor, recording its `factor.deleted` with the removal. */
  async removeFactor(app: App, entity: VerifyEntity, sid: string): Promise<void> {
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
    if (factor.status !== 'verified') throw invalidTwilioParameter('FactorSid', 'the factor is not verified');
    const sid = newSid('YC', this.options.random);
    const outcome = await this.check(app, entity, factorSid, authPayload, sid);
    const made = await this.repository.findChallenge(app.id, entity.sid, sid, this.options.clock.now());
    if (made === undefined)
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Challenges/${sid}`);
    return { challenge: made, outcome };
  }

  async fetchChallenge(app: App, entity: VerifyEntity, sid: string): Promise<VerifyChallenge> {
    const challenge = await this.repository.findChallenge(app.id, entity.sid, sid, this.options.clock.now());
    if (challenge === undefined) {
      throw notFound(`/Services/${entity.serviceSid}/Entities/${entity.identity}/Challenges/${sid}`);
    }
    return challenge;
  }

  pageChallenges(
    app: App,
    entity: VerifyEntity,
    filter: { factorSid?: string | undefined; status?: VerifyChallenge['status'] | undefined },
    after: number,
    size: number,
  ) {
    return this.repository.pageChallenges(app.id, entity.sid, filter, after, size, this.options.clock.now());
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
