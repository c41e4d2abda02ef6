import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type {
  Database,
  VerifyAccessTokenTable,
  VerifyChallengeTable,
  VerifyEntityTable,
  VerifyFactorTable,
} from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import type { VerifyEvent } from './verify-event.js';
import type {
  ChallengeStatus,
  SeqPage,
  TotpAlg,
  VerifyAccessToken,
  VerifyChallenge,
  VerifyEntity,
  VerifyFactor,
} from './verify-factor.js';
import type { VerifyWebhookRepository } from './verify-webhook.repository.js';

type EntityRow = Selectable<VerifyEntityTable>;
type FactorRow = Selectable<VerifyFactorTable> & { service_sid: string; identity: string };
type ChallengeRow = Selectable<VerifyChallengeTable> & {
  service_sid: string;
  identity: string;
  /** The approval request's status and answer time, for a push challenge. */
  approval_status: string | null;
  approval_processed_at: number | null;
};

const toEntity = (row: EntityRow): VerifyEntity => ({
  sid: row.sid,
  serviceSid: row.service_sid,
  identity: row.identity,
  userId: row.user_id === null ? null : Number(row.user_id),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

const toFactor = (row: FactorRow): VerifyFactor => {
  const base = {
    sid: row.sid,
    entitySid: row.entity_sid,
    serviceSid: row.service_sid,
    identity: row.identity,
    friendlyName: row.friendly_name,
    status: row.status === 'verified' ? ('verified' as const) : ('unverified' as const),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.device_id !== null) return { ...base, factorType: 'push', deviceId: row.device_id };
  return {
    ...base,
    factorType: 'totp',
    config: {
      alg: row.alg as TotpAlg,
      codeLength: Number(row.code_length),
      timeStep: Number(row.time_step),
      skew: Number(row.skew),
    },
  };
};

/**
 * A challenge as read at `now`: a pending one past its expiration date reads `expired`. A push challenge
 * reads its approval request's status; its details are the approval service's to add.
 */
const toChallenge = (row: ChallengeRow, now: number): VerifyChallenge => {
  const raw = row.approval_uuid === null ? row.status : (row.approval_status ?? 'expired');
  const status: ChallengeStatus =
    raw === 'approved' || raw === 'denied' || raw === 'expired'
      ? raw
      : Number(row.expires_at) <= now
        ? 'expired'
        : 'pending';
  const responded = row.approval_uuid === null ? row.responded_at : row.approval_processed_at;
  return {
    sid: row.sid,
    entitySid: row.entity_sid,
    serviceSid: row.service_sid,
    identity: row.identity,
    factorSid: row.factor_sid,
    factorType: row.approval_uuid === null ? 'totp' : 'push',
    status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    respondedAt: responded === null || status === 'expired' ? null : Number(responded),
    expiresAt: Number(row.expires_at),
    approvalUuid: row.approval_uuid,
    details: null,
    hiddenDetails: null,
  };
};

const toAccessToken = (
  row: Selectable<VerifyAccessTokenTable> & { service_sid: string; identity: string },
): VerifyAccessToken => ({
  sid: row.sid,
  serviceSid: row.service_sid,
  identity: row.identity,
  factorFriendlyName: row.factor_friendly_name,
  ttl: Number(row.ttl),
  createdAt: Number(row.created_at),
});

function paged<R extends { seq: number }, T>(rows: R[], size: number, map: (row: R) => T): SeqPage<T> {
  const shown = rows.slice(0, size);
  return { items: shown.map(map), nextAfter: rows.length > size ? Number(shown.at(-1)?.seq) : undefined };
}

/** A factor's TOTP state, read by the statement that counted the attempt. */
export interface FactorAttempt {
  /** Failures counted so far, this attempt included. */
  readonly failedCount: number;
  readonly lockCount: number;
  readonly friendlyName: string;
  readonly seedCt: string;
  readonly alg: TotpAlg;
  readonly codeLength: number;
  readonly timeStep: number;
  readonly skew: number;
}

/** What a check may do while it holds the factor's attempt: each runs inside the attempt's transaction. */
export interface FactorSession {
  /**
   * Accepts a step (only if no step at or after it was accepted) and clears the failures; an `unverified`
   * factor becomes `verified`, and then (only then) `verified` is recorded.
   */
  acceptStep(step: number, verified: VerifyEvent): Promise<boolean>;
  /** Takes back this attempt's count: it proved a code, it was not a guess (D12). */
  forgive(): Promise<void>;
  /** Locks until `until` and clears the failure count. */
  lock(until: number): Promise<void>;
  /** Records a challenge of the factor in the same unit, and its event if it has one (`challenge.approved`). */
  insertChallenge(row: NewChallengeRow, event: VerifyEvent | undefined): Promise<void>;
}

export type FactorAttemptResult<T> =
  | { state: 'open'; value: T }
  | { state: 'locked'; lockedUntil: number }
  | { state: 'unknown' };

export type NewEntityRow = Omit<EntityRow, 'seq'>;
export type NewFactorRow = Omit<Selectable<VerifyFactorTable>, 'seq'>;
export type NewChallengeRow = Omit<Selectable<VerifyChallengeTable>, 'seq'>;
/** What an event of a factor about to be removed says besides the factor, which its removal reads. */
export type FactorEventContext = Omit<VerifyEvent, 'type' | 'factor' | 'challenge'>;
export type NewAccessTokenRow = Omit<Selectable<VerifyAccessTokenTable>, 'seq' | 'factor_sid'>;

/**
 * The only code that reads and writes Verify entities, factors and challenges. Every statement names the app,
 * and every lookup the service and the identity in the path: another account's (or entity's) SID finds
 * nothing, exactly as an unknown one (D8).
 */
export class FactorRepository {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store<Publication>,
    /** Where factor and challenge events go, in the transaction of their change. */
    private readonly webhooks: VerifyWebhookRepository,
  ) {
    this.db = store.db;
  }

  /** Makes the entity, or answers the one the service already has of that identity (even made concurrently). */
  async insertEntity(row: NewEntityRow): Promise<VerifyEntity> {
    const inserted = await this.db
      .insertInto('verify_entities')
      .values(row)
      .onConflict((oc) => oc.columns(['service_sid', 'identity']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted !== undefined) return toEntity(inserted);
    const found = await this.findEntity(row.app_id, row.service_sid, row.identity);
    if (found === undefined) throw new Error('an entity conflicted and then could not be read');
    return found;
  }

  async findEntity(appId: number, serviceSid: string, identity: string): Promise<VerifyEntity | undefined> {
    const row = await this.db
      .selectFrom('verify_entities')
      .selectAll()
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('identity', '=', identity)
      .executeTakeFirst();
    return row === undefined ? undefined : toEntity(row);
  }

  async pageEntities(appId: number, serviceSid: string, after: number, size: number) {
    const rows = await this.db
      .selectFrom('verify_entities')
      .selectAll()
      .where('app_id', '=', appId)
      .where('service_sid', '=', serviceSid)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(size + 1)
      .execute();
    return paged(rows, size, toEntity);
  }

  /**
   * Removes an entity and (by cascade) its factors and challenges, recording `factor.deleted` for each factor
   * in the same transaction; `false`: there is no such entity.
   */
  async removeEntity(appId: number, entitySid: string, context: FactorEventContext): Promise<boolean> {
    return this.store.change(async (tx) => {
      const factors = await tx
        .selectFrom('verify_factors')
        .select(['sid', 'friendly_name', 'factor_type'])
        .where('app_id', '=', appId)
        .where('entity_sid', '=', entitySid)
        .orderBy('seq')
        .execute();
      const result = await tx
        .deleteFrom('verify_entities')
        .where('app_id', '=', appId)
        .where('sid', '=', entitySid)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return { value: false, events: [] };
      const events: Publication[] = [];
      for (const factor of factors) events.push(...(await this.factorDeleted(tx, factor, context)));
      return { value: true, events };
    });
  }

  private factorDeleted(
    tx: Kysely<Database>,
    factor: { sid: string; friendly_name: string; factor_type: string },
    context: FactorEventContext,
  ): Promise<Publication[]> {
    return this.webhooks.recordEvent(tx, {
      ...context,
      type: 'factor.deleted',
      factor: {
        sid: factor.sid,
        type: factor.factor_type === 'push' ? 'push' : 'totp',
        friendlyName: factor.friendly_name,
      },
    });
  }

  /** Factors with their entity's path names; a push factor whose device was revoked is gone. */
  private factors() {
    return this.db
      .selectFrom('verify_factors as f')
      .innerJoin('verify_entities as e', 'e.sid', 'f.entity_sid')
      .leftJoin('devices as d', 'd.id', 'f.device_id')
      .selectAll('f')
      .select(['e.service_sid', 'e.identity'])
      .where((eb) => eb.or([eb('f.device_id', 'is', null), eb('d.revoked_at', 'is', null)]));
  }

  /** Makes the factor and records `created` (`factor.created`) with it. */
  async insertFactor(row: NewFactorRow, entity: VerifyEntity, created: VerifyEvent): Promise<VerifyFactor> {
    return this.store.change(async (tx) => {
      const inserted = await tx
        .insertInto('verify_factors')
        .values(row)
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        value: toFactor({ ...inserted, service_sid: entity.serviceSid, identity: entity.identity }),
        events: await this.webhooks.recordEvent(tx, created),
      };
    });
  }

  async findFactor(appId: number, entitySid: string, sid: string): Promise<VerifyFactor | undefined> {
    const row = await this.factors()
      .where('f.app_id', '=', appId)
      .where('f.entity_sid', '=', entitySid)
      .where('f.sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toFactor(row);
  }

  async pageFactors(appId: number, entitySid: string, after: number, size: number) {
    const rows = await this.factors()
      .where('f.app_id', '=', appId)
      .where('f.entity_sid', '=', entitySid)
      .where('f.seq', '>', after)
      .orderBy('f.seq')
      .limit(size + 1)
      .execute();
    return paged(rows, size, toFactor);
  }

  async renameFactor(appId: number, entitySid: string, sid: string, friendlyName: string, now: number) {
    const result = await this.db
      .updateTable('verify_factors')
      .set({ friendly_name: friendlyName, updated_at: now })
      .where('app_id', '=', appId)
      .where('entity_sid', '=', entitySid)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Removes a factor and (by cascade) its challenges, recording `factor.deleted` in the same transaction;
   * `false`: the entity has no such factor.
   */
  async removeFactor(
    appId: number,
    entitySid: string,
    sid: string,
    context: FactorEventContext,
  ): Promise<boolean> {
    return this.store.change(async (tx) => {
      const removed = await tx
        .deleteFrom('verify_factors')
        .where('app_id', '=', appId)
        .where('entity_sid', '=', entitySid)
        .where('sid', '=', sid)
        .returning(['sid', 'friendly_name', 'factor_type'])
        .executeTakeFirst();
      if (removed === undefined) return { value: false, events: [] };
      return { value: true, events: await this.factorDeleted(tx, removed, context) };
    });
  }

  private challenges() {
    return this.db
      .selectFrom('verify_challenges as c')
      .innerJoin('verify_entities as e', 'e.sid', 'c.entity_sid')
      .leftJoin('approval_requests as a', 'a.uuid', 'c.approval_uuid')
      .selectAll('c')
      .select([
        'e.service_sid',
        'e.identity',
        'a.status as approval_status',
        'a.processed_at as approval_processed_at',
      ]);
  }

  async findChallenge(
    appId: number,
    entitySid: string,
    sid: string,
    now: number,
  ): Promise<VerifyChallenge | undefined> {
    const row = await this.challenges()
      .where('c.app_id', '=', appId)
      .where('c.entity_sid', '=', entitySid)
      .where('c.sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toChallenge(row, now);
  }

  async pageChallenges(
    appId: number,
    entitySid: string,
    filter: { factorSid?: string | undefined; status?: ChallengeStatus | undefined },
    after: number,
    size: number,
    now: number,
  ) {
    let query = this.challenges()
      .where('c.app_id', '=', appId)
      .where('c.entity_sid', '=', entitySid)
      .where('c.seq', '>', after);
    if (filter.factorSid !== undefined) query = query.where('c.factor_sid', '=', filter.factorSid);
    // A push challenge's status is its approval request's (a request gone with its user reads expired).
    const raw = sql<string>`case when c.approval_uuid is null then c.status else coalesce(a.status, 'expired') end`;
    if (filter.status === 'approved' || filter.status === 'denied')
      query = query.where(raw, '=', filter.status);
    if (filter.status === 'pending') query = query.where(raw, '=', 'pending').where('c.expires_at', '>', now);
    if (filter.status === 'expired')
      query = query.where((eb) =>
        eb.or([eb(raw, '=', 'expired'), eb.and([eb(raw, '=', 'pending'), eb('c.expires_at', '<=', now)])]),
      );
    const rows = await query
      .orderBy('c.seq')
      .limit(size + 1)
      .execute();
    return paged(rows, size, (row) => toChallenge(row, now));
  }

  /** Links the entity to the app's user its devices enroll for (once: a link made first is kept). */
  async linkUser(appId: number, entitySid: string, userId: number, now: number): Promise<number | undefined> {
    await this.db
      .updateTable('verify_entities')
      .set({ user_id: userId, updated_at: now })
      .where('app_id', '=', appId)
      .where('sid', '=', entitySid)
      .where('user_id', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('verify_entities')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('sid', '=', entitySid)
      .executeTakeFirst();
    return row?.user_id === null || row === undefined ? undefined : Number(row.user_id);
  }

  async insertAccessToken(row: NewAccessTokenRow, entity: VerifyEntity): Promise<VerifyAccessToken> {
    const inserted = await this.db
      .insertInto('verify_access_tokens')
      .values({ ...row, factor_sid: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccessToken({ ...inserted, service_sid: entity.serviceSid, identity: entity.identity });
  }

  async findAccessToken(
    appId: number,
    serviceSid: string,
    sid: string,
  ): Promise<VerifyAccessToken | undefined> {
    const row = await this.db
      .selectFrom('verify_access_tokens as t')
      .innerJoin('verify_entities as e', 'e.sid', 't.entity_sid')
      .selectAll('t')
      .select(['e.service_sid', 'e.identity'])
      .where('t.app_id', '=', appId)
      .where('e.service_sid', '=', serviceSid)
      .where('t.sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toAccessToken(row);
  }

  /**
   * The push factor an access token's enrollment makes: the token is taken (its `factor_sid` set, once, in
   * the statement that reads it) and the factor inserted, as one unit. `undefined`: the link was no access
   * token's, or its factor was made already.
   */
  async insertPushFactor(
    enrollmentDigest: string,
    factor: (token: { entitySid: string; appId: number; friendlyName: string | null }) => NewFactorRow,
  ): Promise<{ factorSid: string; appId: number } | undefined> {
    return this.store.change(async (tx) => {
      const none = { value: undefined, events: [] };
      const token = await tx
        .selectFrom('verify_access_tokens')
        .select(['sid', 'entity_sid', 'app_id', 'factor_friendly_name'])
        .where('enrollment_digest', '=', enrollmentDigest)
        .where('factor_sid', 'is', null)
        .executeTakeFirst();
      if (token === undefined) return none;
      const row = factor({
        entitySid: token.entity_sid,
        appId: Number(token.app_id),
        friendlyName: token.factor_friendly_name,
      });
      const taken = await tx
        .updateTable('verify_access_tokens')
        .set({ factor_sid: row.sid })
        .where('sid', '=', token.sid)
        .where('factor_sid', 'is', null)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) return none;
      await tx.insertInto('verify_factors').values(row).execute();
      // Made verified at once: both events, in the transaction that makes it.
      const about = await tx
        .selectFrom('verify_entities as e')
        .innerJoin('apps as a', 'a.id', 'e.app_id')
        .select(['e.service_sid', 'e.identity', 'a.account_sid'])
        .where('e.sid', '=', row.entity_sid)
        .executeTakeFirstOrThrow();
      const event = {
        appId: row.app_id,
        accountSid: about.account_sid,
        serviceSid: about.service_sid,
        identity: about.identity,
        factor: { sid: row.sid, type: 'push' as const, friendlyName: row.friendly_name },
        at: row.created_at,
      };
      const events = [
        ...(await this.webhooks.recordEvent(tx, { ...event, type: 'factor.created' })),
        ...(await this.webhooks.recordEvent(tx, { ...event, type: 'factor.verified' })),
      ];
      return { value: { factorSid: row.sid, appId: Number(token.app_id) }, events };
    });
  }

  /**
   * Settles push challenges whose approval request was answered or expired: each moves from `pending` once (a
   * conditional update), and its `challenge.approved|denied|expired` event is recorded in the same transaction,
   * so no outcome is reported twice or lost (a crash before the commit leaves it for the next sweep). Instances
   * take disjoint challenges (`FOR UPDATE SKIP LOCKED` on PostgreSQL). Returns how many were settled.
   */
  async settlePushChallenges(limit: number): Promise<number> {
    return this.store.change(async (tx) => {
      const due = await tx
        .selectFrom('verify_challenges as c')
        .innerJoin('approval_requests as r', 'r.uuid', 'c.approval_uuid')
        .innerJoin('verify_factors as f', 'f.sid', 'c.factor_sid')
        .innerJoin('verify_entities as e', 'e.sid', 'c.entity_sid')
        .innerJoin('apps as a', 'a.id', 'c.app_id')
        .select([
          'c.sid',
          'c.app_id',
          'r.status',
          'r.updated_at',
          'r.message',
          'r.details',
          'f.sid as factor_sid',
          'f.friendly_name',
          'e.service_sid',
          'e.identity',
          'a.account_sid',
        ])
        .where('c.status', '=', 'pending')
        .where('r.status', 'in', ['approved', 'denied', 'expired'])
        .where(
          'c.sid',
          'in',
          this.store.lockForUpdateSkipLocked(
            tx
              .selectFrom('verify_challenges')
              .select('sid')
              .where('status', '=', 'pending')
              .where('approval_uuid', 'is not', null)
              .orderBy('seq')
              .limit(limit),
          ),
        )
        .execute();
      const events: Publication[] = [];
      for (const row of due) {
        const status = row.status as 'approved' | 'denied' | 'expired';
        const at = Number(row.updated_at);
        const moved = await tx
          .updateTable('verify_challenges')
          .set({ status, updated_at: at, responded_at: status === 'expired' ? null : at })
          .where('sid', '=', row.sid)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) continue;
        const fields = Object.entries(JSON.parse(row.details) as Record<string, string>).map(
          ([label, value]) => ({
            label,
            value,
          }),
        );
        events.push(
          ...(await this.webhooks.recordEvent(tx, {
            type: `challenge.${status}`,
            appId: Number(row.app_id),
            accountSid: row.account_sid,
            serviceSid: row.service_sid,
            identity: row.identity,
            factor: { sid: row.factor_sid, type: 'push', friendlyName: row.friendly_name },
            challenge: { sid: row.sid, details: { message: row.message, fields } },
            at,
          })),
        );
      }
      return { value: due.length, events };
    });
  }

  async insertChallenge(row: NewChallengeRow): Promise<void> {
    await this.db.insertInto('verify_challenges').values(row).execute();
  }

  /**
   * Runs one check of a code against a factor as one unit (R15, R16, D12), as the Authy side's
   * `TokenRepository.attempt` does for a user: the attempt is counted before `evaluate` sees the code, by the
   * conditional statement that also reads the seed and holds the factor's row until the unit ends, so
   * concurrent checks take turns. A factor not of the entity reads as `unknown`; a locked one as `locked`.
   */
  async attempt<T>(
    appId: number,
    entitySid: string,
    sid: string,
    now: number,
    evaluate: (attempt: FactorAttempt, session: FactorSession) => Promise<T>,
  ): Promise<FactorAttemptResult<T>> {
    return this.store.change<FactorAttemptResult<T>>(async (tx) => {
      // What the unit records for the webhooks, announced once it commits.
      const events: Publication[] = [];
      const mine = (q: Transaction<Database>) =>
        q
          .updateTable('verify_factors')
          .where('app_id', '=', appId)
          .where('entity_sid', '=', entitySid)
          .where('sid', '=', sid);
      const counted = await mine(tx)
        .set({ failed_count: sql`failed_count + 1` })
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .returning([
          'failed_count',
          'lock_count',
          'friendly_name',
          'seed_ct',
          'alg',
          'code_length',
          'time_step',
          'skew',
        ])
        .executeTakeFirst();
      if (counted === undefined) {
        const row = await tx
          .selectFrom('verify_factors')
          .select('locked_until')
          .where('app_id', '=', appId)
          .where('entity_sid', '=', entitySid)
          .where('sid', '=', sid)
          .executeTakeFirst();
        if (row === undefined) return { value: { state: 'unknown' }, events };
        return {
          value: { state: 'locked', lockedUntil: Number(row.locked_until ?? now) },
          events,
        };
      }
      const session: FactorSession = {
        acceptStep: async (step, verified) => {
          const accepted = await mine(tx)
            .set({ last_step: step, failed_count: 0, lock_count: 0, updated_at: now })
            .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
            .executeTakeFirst();
          if (Number(accepted.numUpdatedRows) !== 1) return false;
          // Verified once: the one statement that moves it from `unverified` reports it.
          const first = await mine(tx)
            .set({ status: 'verified' })
            .where('status', '=', 'unverified')
            .executeTakeFirst();
          if (Number(first.numUpdatedRows) === 1)
            events.push(...(await this.webhooks.recordEvent(tx, verified)));
          return true;
        },
        forgive: async () => {
          await mine(tx).set({ failed_count: sql`failed_count - 1` }).where('failed_count', '>', 0).execute();
        },
        lock: async (until) => {
          await mine(tx)
            .set({ locked_until: until, lock_count: sql`lock_count + 1`, failed_count: 0 })
            .execute();
        },
        insertChallenge: async (row, event) => {
          await tx.insertInto('verify_challenges').values(row).execute();
          if (event !== undefined) events.push(...(await this.webhooks.recordEvent(tx, event)));
        },
      };
      const attempt: FactorAttempt = {
        failedCount: Number(counted.failed_count),
        lockCount: Number(counted.lock_count),
        friendlyName: counted.friendly_name,
        seedCt: counted.seed_ct,
        alg: counted.alg as TotpAlg,
        codeLength: Number(counted.code_length),
        timeStep: Number(counted.time_step),
        skew: Number(counted.skew),
      };
      const value = await evaluate(attempt, session);
      return { value: { state: 'open', value }, events };
    });
  }
}
