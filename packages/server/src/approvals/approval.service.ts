import { type App, policyOf } from '../apps/app.js';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AuthyError, invalidParameter } from '../errors/authy-error.js';
import type { EventBus, Publication } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { UserService } from '../users/user.service.js';
import type { ApprovalRepository, ApprovalRow } from './approval.repository.js';
import type {
  AnswerableRequest,
  ApprovalRequest,
  ApprovalStatus,
  HistoryRow,
  HistoryScope,
  Logo,
  OperatorQuery,
  OperatorRequest,
  RecordedAnswer,
} from './approval-request.js';

/** Pending requests one user may have in one app before more are refused (R40). */
export const PENDING_LIMIT = 10;
/**
 * Bytes of JSON a request's content (message, details, hidden details, logos) may take, so that every
 * callback, which carries all of it, stays under 20 KB (R53).
 */
export const CONTENT_LIMIT_BYTES = 16 * 1024;
/** How far back a device's history goes. */
export const HISTORY_DAYS = 90;
const DAY_MS = 24 * 60 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface NewApprovalRequest {
  message: string;
  details: Record<string, string | number | boolean>;
  hiddenDetails: Record<string, string | number | boolean>;
  logos: Logo[];
  secondsToExpire: number | undefined;
}

const hiddenContext = sealedContext.hiddenDetails;
/**
 * What `hidden_details_ct` holds when a request has no hidden details: nothing to seal, so nothing to open
 * on every status read and callback (a sealed value is never empty: it starts with its version).
 */
const NO_HIDDEN_DETAILS = '';
const notFound = () => new AuthyError('60049');

function asStrings(values: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = String(value);
  return out;
}

/** What tells the operators watching every request (the console's feed) that this one changed. */
function changed(request: { uuid: string; appId: number; userId: number }): Publication {
  // Ids only, picked one by one: a request carries its content, and an event goes out in NOTIFY payloads.
  const { uuid, appId, userId } = request;
  return { topic: topics.requests, event: { type: 'changed', uuid, appId, userId } };
}

/**
 * What a final status tells the user's devices (the request is no longer theirs to answer), the apps
 * waiting on the request and the operators watching, on every instance.
 */
function finalEvents(
  request: { uuid: string; appId: number; userId: number },
  status: 'approved' | 'denied' | 'expired',
): Publication[] {
  const { uuid, userId } = request;
  return [
    { topic: topics.user(userId), event: { type: 'withdrawn', uuid } },
    { topic: topics.request(uuid), event: { type: 'status', uuid, status } },
    changed(request),
  ];
}

/** Why a request can no longer be answered: it expired (410), or it was answered already. */
export function notAnswerable(status: string): AuthyError {
  return status === 'expired'
    ? new AuthyError('60079', { status: 410, message: 'Approval request has expired' })
    : new AuthyError('60079', {
        message: 'Approval request was already answered',
        event: 'authn_token_reuse',
      });
}

export interface ApprovalServiceOptions {
  readonly repository: ApprovalRepository;
  readonly users: UserService;
  readonly box: SecretBox;
  readonly random: Random;
  readonly clock: Clock;
  readonly bus: EventBus;
  /** How long the callback event of an answer is left to this instance's worker (`callbackLeaseMs`). */
  readonly callbackLeaseMs: number;
  readonly pendingLimit?: number;
}

/**
 * OneTouch approval requests: created by apps, answered by devices, expired by time (on read and by the
 * sweeper), withdrawn with their user. The state machine's only owner: every transition goes through here.
 */
export class ApprovalService {
  private readonly repository: ApprovalRepository;
  private readonly users: UserService;
  private readonly box: SecretBox;
  private readonly random: Random;
  private readonly clock: Clock;
  private readonly bus: EventBus;
  private readonly callbackLeaseMs: number;
  private readonly pendingLimit: number;

  constructor(options: ApprovalServiceOptions) {
    this.repository = options.repository;
    this.users = options.users;
    this.box = options.box;
    this.random = options.random;
    this.clock = options.clock;
    this.bus = options.bus;
    this.callbackLeaseMs = options.callbackLeaseMs;
    this.pendingLimit = options.pendingLimit ?? PENDING_LIMIT;
  }

  /**
   * Stores a new request for the user and announces it. The user's link, the pending limit (R40) and the
   * insert are one statement; the reasons for a refusal are looked up only when it comes.
   */
  async create(
    app: App,
    idParam: string | undefined,
    input: NewApprovalRequest,
  ): Promise<Omit<ApprovalRequest, 'userEmail'>> {
    const userId = this.users.idOf(idParam);
    const policy = policyOf(app);
    const seconds = input.secondsToExpire ?? policy.defaultApprovalSeconds;
    try {
      this.checkContent(input, seconds, policy);
    } catch (error) {
      // An unknown user is the first thing a caller is told.
      await this.users.find(app, idParam);
      throw error;
    }
    const now = this.clock.now();
    const uuid = this.random.uuid();
    const details = asStrings(input.details);
    const hiddenDetails = asStrings(input.hiddenDetails);
    const numberMatch = app.numberMatching === 'off' ? null : this.random.digits(Number(app.numberMatching));
    const logos = input.logos.length === 0 ? null : input.logos;
    const expiresAt = seconds === 0 ? null : now + seconds * 1000;
    const stored = await this.repository.insertIfRoom(
      {
        uuid,
        app_id: app.id,
        user_id: userId,
        app_name: app.name,
        message: input.message,
        details: JSON.stringify(details),
        hidden_details_ct:
          Object.keys(hiddenDetails).length === 0
            ? NO_HIDDEN_DETAILS
            : this.box.seal(JSON.stringify(hiddenDetails), hiddenContext(uuid)),
        logos: logos === null ? null : JSON.stringify(logos),
        seconds_to_expire: seconds,
        expires_at: expiresAt,
        nonce: this.random.bytes(16).toString('base64url'),
        number_match: numberMatch,
        created_at: now,
      },
      this.pendingLimit,
      [
        { topic: topics.user(userId), event: { type: 'request', uuid } },
        changed({ uuid, appId: app.id, userId }),
      ],
    );
    if (!stored) {
      await this.users.find(app, idParam);
      throw new AuthyError('60003', {
        message:
          'Too many pending approval requests for this user. Wait for an answer or for them to expire.',
        event: 'excess_rate_limit_exceeded',
      });
    }
    // The push goes out from this instance only: every instance hears the user's topic.
    this.bus.publish(topics.approvals, {
      type: 'created',
      uuid,
      appId: app.id,
      userId,
      expiresAt,
      phoneDevicesAccepted: policy.phoneDevicesAccepted,
    });
    return {
      uuid,
      appId: app.id,
      userId,
      message: input.message,
      details,
      hiddenDetails,
      logos,
      secondsToExpire: seconds,
      expiresAt,
      status: 'pending',
      numberMatch,
      createdAt: now,
      updatedAt: now,
      processedAt: null,
      reason: null,
      deviceId: null,
      receipt: null,
      signedAt: null,
      deviceSignature: null,
    };
  }

  /** The limits of a request's life and size (R53), for its app's profile. */
  private checkContent(
    input: NewApprovalRequest,
    seconds: number,
    policy: ReturnType<typeof policyOf>,
  ): void {
    if (seconds === 0 && !policy.neverExpireAllowed) {
      throw invalidParameter(
        'seconds_to_expire',
        `must be between 1 and ${policy.maxApprovalSeconds} for this app`,
      );
    }
    if (seconds > policy.maxApprovalSeconds) {
      throw invalidParameter(
        'seconds_to_expire',
        `must be at most ${policy.maxApprovalSeconds} for this app`,
      );
    }
    const content = JSON.stringify([input.message, input.details, input.hiddenDetails, input.logos]);
    if (Buffer.byteLength(content) > CONTENT_LIMIT_BYTES) {
      throw invalidParameter(
        'details',
        `with message, hidden_details and logos must be at most ${CONTENT_LIMIT_BYTES} bytes`,
      );
    }
  }

  /** The request as it stands now: a pending request past its expiry reads, and is stored, as expired (R33). */
  async status(app: App, uuid: string | undefined): Promise<ApprovalRequest> {
    const id = uuid?.toLowerCase();
    if (id === undefined || !UUID.test(id)) throw notFound();
    const row = await this.repository.find(app.id, id);
    if (row === undefined) throw notFound();
    const now = this.clock.now();
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (row.status === 'pending' && expiresAt !== null && expiresAt <= now) {
      const events = finalEvents(
        { uuid: row.uuid, appId: Number(row.app_id), userId: Number(row.user_id) },
        'expired',
      );
      if (await this.repository.expire(row.uuid, now, this.random.uuid(), events)) this.wakeCallbacks();
      const fresh = await this.repository.find(app.id, id);
      if (fresh === undefined) throw notFound();
      return this.toRequest(fresh);
    }
    return this.toRequest(row);
  }

  /**
   * Sends a pending request's push again (Verify v2's Notifications): the request as it stands, its push
   * re-sent only if it is still pending.
   */
  async renotify(app: App, uuid: string): Promise<ApprovalRequest> {
    const request = await this.status(app, uuid);
    if (request.status !== 'pending') return request;
    this.bus.publish(topics.approvals, {
      type: 'created',
      uuid: request.uuid,
      appId: app.id,
      userId: request.userId,
      expiresAt: request.expiresAt,
      phoneDevicesAccepted: policyOf(app).phoneDevicesAccepted,
    });
    return request;
  }

  /** A request as a callback reports it, or `undefined` when it is gone (its user was removed). */
  async forCallback(appId: number, uuid: string): Promise<ApprovalRequest | undefined> {
    const row = await this.repository.find(appId, uuid);
    return row === undefined ? undefined : this.toRequest(row);
  }

  /** Every request of the user, oldest first, hidden details opened: for the person's own copy (`users export`). */
  async allOfUser(userId: number, appId?: number): Promise<ApprovalRequest[]> {
    return (await this.repository.allOfUser(userId, appId)).map((row) => this.toRequest(row));
  }

  /** Expires every pending request past its time (the sweeper's tick); returns how many. */
  async expireDue(limit = 500): Promise<number> {
    const expired = await this.repository.expireDue(
      this.clock.now(),
      limit,
      () => this.random.uuid(),
      (request) => finalEvents(request, 'expired'),
    );
    if (expired.length > 0) this.wakeCallbacks();
    return expired.length;
  }

  /** Pending, unexpired requests of the user, oldest first: what the user's devices may answer. */
  pendingFor(userId: number): Promise<AnswerableRequest[]> {
    return this.repository.pendingForUser(userId, this.clock.now());
  }

  /**
   * A page of the user's final requests of the last `HISTORY_DAYS` days in `scope`, newest first: `limit`
   * of them after `after` (the previous page's last), or the newest.
   */
  history(
    userId: number,
    scope: HistoryScope,
    page: { after: { createdAt: number; uuid: string } | null; limit: number },
  ): Promise<HistoryRow[]> {
    const now = this.clock.now();
    return this.repository.historyForUser({
      userId,
      scope,
      since: now - HISTORY_DAYS * DAY_MS,
      now,
      after: page.after,
      limit: page.limit,
    });
  }

  /** Requests of every app for an operator (`countersign requests list`), newest first; no hidden details. */
  listForOperator(query: OperatorQuery): Promise<OperatorRequest[]> {
    return this.repository.listForOperator({ ...query, now: this.clock.now() });
  }

  /** One request of any app for an operator (`countersign requests show`); no hidden details. */
  findForOperator(uuid: string): Promise<OperatorRequest | undefined> {
    return this.repository.findForOperator(uuid, this.clock.now());
  }

  /** A request as the answering flow reads it, whoever's it is: the caller checks. */
  answerable(uuid: string): Promise<AnswerableRequest | undefined> {
    return this.repository.findAnswerable(uuid);
  }

  /**
   * Records a device's verified answer: the request moves from pending exactly once, and only before it
   * expires (R29, R33); its callback event is written with it, leased to this instance's worker, which
   * delivers it at once (R50). Throws 60079 when the request was answered or expired first.
   */
  async answer(request: AnswerableRequest, answer: RecordedAnswer): Promise<void> {
    const eventId = this.random.uuid();
    const won = await this.repository.answer(
      request.uuid,
      {
        ...answer,
        eventId,
        eventState: request.answerCallbacks ? 'pending' : 'skipped',
        callbackLockedUntil: answer.now + this.callbackLeaseMs,
      },
      finalEvents(request, answer.status),
    );
    if (!won) {
      const fresh = await this.repository.findAnswerable(request.uuid);
      throw notAnswerable(fresh?.status === 'pending' ? 'expired' : (fresh?.status ?? 'expired'));
    }
    if (!request.answerCallbacks) return;
    this.bus.publish(topics.webhooks, {
      type: 'claimed',
      id: eventId,
      appId: request.appId,
      uuid: request.uuid,
      status: answer.status,
      at: answer.now,
    });
  }

  /** The callback events were written: this instance's worker delivers them now (the others poll). */
  private wakeCallbacks(): void {
    this.bus.publish(topics.webhooks, { type: 'due' });
  }

  private toRequest(row: ApprovalRow): ApprovalRequest {
    return {
      uuid: row.uuid,
      appId: Number(row.app_id),
      userId: Number(row.user_id),
      userEmail: row.email,
      message: row.message,
      details: JSON.parse(row.details) as Record<string, string>,
      hiddenDetails:
        row.hidden_details_ct === NO_HIDDEN_DETAILS
          ? {}
          : (JSON.parse(this.box.open(row.hidden_details_ct, hiddenContext(row.uuid))) as Record<
              string,
              string
            >),
      logos: row.logos === null ? null : (JSON.parse(row.logos) as Logo[]),
      secondsToExpire: Number(row.seconds_to_expire),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      status: row.status as ApprovalStatus,
      numberMatch: row.number_match,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      processedAt: row.processed_at === null ? null : Number(row.processed_at),
      reason: row.reason,
      deviceId: row.device_id,
      receipt: row.receipt,
      signedAt: row.answer === null ? null : (JSON.parse(row.answer) as { signed_at: number }).signed_at,
      deviceSignature: row.device_signature,
    };
  }
}
