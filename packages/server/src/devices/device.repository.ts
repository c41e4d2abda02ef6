import type { PublicJwk } from '@countersign/protocol';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { Database, DeviceTable } from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import type { Device, DeviceRequest, Platform } from './device.js';

function toDevice(row: Selectable<DeviceTable>): Device {
  return {
    id: row.id,
    userId: Number(row.user_id),
    enrolledAppId: row.enrolled_app_id === null ? null : Number(row.enrolled_app_id),
    publicKey: JSON.parse(row.public_key) as PublicJwk,
    name: row.name,
    platform: row.platform as Platform,
    createdAt: Number(row.created_at),
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** A pending request together with what deciding it needs. */
export interface AnswerableRequest extends DeviceRequest {
  readonly userId: number;
  readonly status: string;
  readonly numberMatch: string | null;
  readonly appProfile: string;
}

export interface Answer {
  status: 'approved' | 'denied';
  reason: string | null;
  deviceId: string;
  answer: string;
  signature: string;
  receipt: string;
  now: number;
  /** The callback event is leased to this instance's worker until then (`ClaimedCallback`). */
  callbackLockedUntil: number;
}

/**
 * The devices that answer an app's requests (D8): those enrolled by its link, and phone-enrolled ones when
 * the app accepts them.
 */
function answering(eb: ExpressionBuilder<Database, 'devices'>, appId: number, phoneDevicesAccepted: boolean) {
  return phoneDevicesAccepted
    ? eb.or([eb('enrolled_app_id', '=', appId), eb('enrolled_app_id', 'is', null)])
    : eb('enrolled_app_id', '=', appId);
}

/** The only code that reads and writes devices, enrollments and device nonces. */
export class DeviceRepository {
  /**
   * The push targets of every new request, for apps that accept phone-enrolled devices and for those that
   * take only their own: compiled once each.
   */
  private readonly targets;
  /** What every signed device request and every answer read and write: compiled once. */
  private readonly byId;
  private readonly nonce;
  private readonly requestByUuid;
  private readonly decideWithEvent;
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store<Publication>) {
    const db = store.db;
    this.db = db;
    const targets = (phoneDevicesAccepted: boolean) =>
      compiledOnce(store, (userId: number, appId: number) =>
        db
          .selectFrom('devices')
          .select(['id', 'push_subscription_ct'])
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .where('push_subscription_ct', 'is not', null)
          .where((eb) => answering(eb, appId, phoneDevicesAccepted)),
      );
    this.targets = { withPhoneDevices: targets(true), ownOnly: targets(false) };
    this.byId = compiledOnce(store, (id: string) =>
      db.selectFrom('devices').selectAll().where('id', '=', id),
    );
    this.nonce = compiledOnce(store, (deviceId: string, nonce: string, expiresAt: number) =>
      db
        .insertInto('device_nonces')
        .values({ device_id: deviceId, nonce, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['device_id', 'nonce']).doNothing())
        .returning('nonce'),
    );
    this.requestByUuid = compiledOnce(store, (uuid: string) =>
      this.requestQuery().where('approval_requests.uuid', '=', uuid),
    );
    // Every answer runs it: compiled once (see `decide`).
    this.decideWithEvent = store.followedChange(
      (
        uuid: string,
        status: string,
        reason: string | null,
        deviceId: string,
        answerText: string,
        signature: string,
        receipt: string,
        now: number,
        eventId: string,
        lockedUntil: number,
      ) => ({
        change: db
          .updateTable('approval_requests')
          .set({
            status,
            reason,
            device_id: deviceId,
            answer: answerText,
            device_signature: signature,
            receipt,
            processed_at: now,
            updated_at: now,
          })
          .where('uuid', '=', uuid)
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .returning(['app_id', 'uuid']),
        next: (after) =>
          after
            .insertInto('webhook_events')
            .columns([
              'id',
              'app_id',
              'uuid',
              'status',
              'state',
              'attempts',
              'next_attempt_at',
              'locked_until',
              'created_at',
              'updated_at',
            ])
            .expression((eb) =>
              eb
                .selectFrom('changed')
                .select([
                  eb.cast<string>(eb.val(eventId), 'text').as('id'),
                  'changed.app_id',
                  'changed.uuid',
                  eb.cast<string>(eb.val(status), 'text').as('status'),
                  eb.cast<string>(eb.val('pending'), 'text').as('state'),
                  eb.cast<number>(eb.val(0), 'integer').as('attempts'),
                  eb.cast<number>(eb.val(now), 'bigint').as('next_attempt_at'),
                  eb.cast<number>(eb.val(lockedUntil), 'bigint').as('locked_until'),
                  eb.cast<number>(eb.val(now), 'bigint').as('created_at'),
                  eb.cast<number>(eb.val(now), 'bigint').as('updated_at'),
                ]),
            )
            .returning('id'),
      }),
    );
  }

  async insert(device: Omit<Device, 'lastSeenAt' | 'revokedAt'>): Promise<void> {
    await this.db
      .insertInto('devices')
      .values({
        id: device.id,
        user_id: device.userId,
        enrolled_app_id: device.enrolledAppId,
        public_key: JSON.stringify(device.publicKey),
        name: device.name,
        platform: device.platform,
        push_subscription_ct: null,
        created_at: device.createdAt,
        last_seen_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async find(id: string): Promise<Device | undefined> {
    const [row] = (await this.byId(id)).rows;
    return row === undefined ? undefined : toDevice(row);
  }

  async listForUser(userId: number): Promise<Device[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toDevice);
  }

  /** Live devices of a user that may answer an app's requests (D8). */
  async listAnswering(userId: number, appId: number, phoneDevicesAccepted: boolean): Promise<Device[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where((eb) => answering(eb, appId, phoneDevicesAccepted))
      .orderBy('created_at')
      .execute();
    return rows.map(toDevice);
  }

  /** Revokes a live device once; `events` (its streams must close) go to every instance with the change. */
  async revoke(id: string, userId: number, now: number, events: readonly Publication[]): Promise<boolean> {
    return this.store.change(async (tx) => {
      const result = await tx
        .updateTable('devices')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      const revoked = Number(result.numUpdatedRows) === 1;
      return { value: revoked, events: revoked ? events : [] };
    });
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  async setPushSubscription(id: string, sealed: string | null): Promise<void> {
    await this.db.updateTable('devices').set({ push_subscription_ct: sealed }).where('id', '=', id).execute();
  }

  /** Records a request nonce; `false` when the device used it before (replay). */
  async useNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean> {
    return (await this.nonce(deviceId, nonce, expiresAt)).rows.length === 1;
  }

  async forgetNonces(before: number): Promise<void> {
    await this.db.deleteFrom('device_nonces').where('expires_at', '<', before).execute();
  }

  async insertEnrollment(row: {
    digest: string;
    appId: number;
    userId: number;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db
      .insertInto('enrollments')
      .values({
        token_digest: row.digest,
        app_id: row.appId,
        user_id: row.userId,
        created_at: row.now,
        expires_at: row.expiresAt,
        used_at: null,
      })
      .execute();
  }

  /** Uses an enrollment token once: returns its app and user only to the one caller that used it. */
  async useEnrollment(digest: string, now: number): Promise<{ appId: number; userId: number } | undefined> {
    const row = await this.db
      .updateTable('enrollments')
      .set({ used_at: now })
      .where('token_digest', '=', digest)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['app_id', 'user_id'])
      .executeTakeFirst();
    return row === undefined ? undefined : { appId: Number(row.app_id), userId: Number(row.user_id) };
  }

  async insertPhoneEnrollment(row: {
    id: string;
    userId: number | null;
    digest: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db
      .insertInto('phone_enrollments')
      .values({
        id: row.id,
        user_id: row.userId,
        code_digest: row.digest,
        attempts: 0,
        created_at: row.now,
        expires_at: row.expiresAt,
        used_at: null,
      })
      .execute();
  }

  /** Counts one try at a phone enrollment; `undefined` once it is used, expired or out of tries. */
  async tryPhoneEnrollment(
    id: string,
    maxAttempts: number,
    now: number,
  ): Promise<{ userId: number | null; digest: string } | undefined> {
    const row = await this.db
      .updateTable('phone_enrollments')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .where('attempts', '<', maxAttempts)
      .returning(['user_id', 'code_digest'])
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { userId: row.user_id === null ? null : Number(row.user_id), digest: row.code_digest };
  }

  async usePhoneEnrollment(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('phone_enrollments')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private requestQuery() {
    return this.db
      .selectFrom('approval_requests')
      .innerJoin('apps', 'apps.id', 'approval_requests.app_id')
      .select([
        'approval_requests.uuid',
        'approval_requests.app_id',
        'approval_requests.user_id',
        'approval_requests.app_name',
        'apps.name as current_app_name',
        'apps.profile',
        'approval_requests.message',
        'approval_requests.details',
        'approval_requests.created_at',
        'approval_requests.expires_at',
        'approval_requests.number_match',
        'approval_requests.nonce',
        'approval_requests.status',
      ]);
  }

  private toRequest(row: {
    uuid: string;
    app_id: number;
    user_id: number;
    app_name: string | null;
    current_app_name: string;
    profile: string;
    message: string;
    details: string;
    created_at: number;
    expires_at: number | null;
    number_match: string | null;
    nonce: string;
    status: string;
  }): AnswerableRequest {
    return {
      uuid: row.uuid,
      appId: Number(row.app_id),
      userId: Number(row.user_id),
      appName: row.app_name ?? row.current_app_name,
      appProfile: row.profile,
      message: row.message,
      details: JSON.parse(row.details) as Record<string, string>,
      createdAt: Number(row.created_at),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      numberMatchRequired: row.number_match !== null,
      numberMatch: row.number_match,
      nonce: row.nonce,
      status: row.status,
    };
  }

  /** Pending, unexpired requests for a user, oldest first; the caller filters by what the device may answer. */
  async pendingForUser(userId: number, now: number): Promise<AnswerableRequest[]> {
    const rows = await this.requestQuery()
      .where('approval_requests.user_id', '=', userId)
      .where('approval_requests.status', '=', 'pending')
      .where((eb) =>
        eb.or([eb('approval_requests.expires_at', 'is', null), eb('approval_requests.expires_at', '>', now)]),
      )
      .orderBy('approval_requests.created_at')
      .limit(100)
      .execute();
    return rows.map((r) => this.toRequest(r));
  }

  async findRequest(uuid: string): Promise<AnswerableRequest | undefined> {
    const [row] = (await this.requestByUuid(uuid)).rows;
    return row === undefined ? undefined : this.toRequest(row);
  }

  /**
   * Moves a request from pending to its answer once, and only before it expires: one row changed = this
   * answer won. The callback event is written, and `events` are sent, in the same transaction (R50).
   */
  async decide(
    uuid: string,
    answer: Answer,
    eventId: string,
    events: readonly Publication[],
  ): Promise<boolean> {
    return this.decideWithEvent(
      [
        uuid,
        answer.status,
        answer.reason,
        answer.deviceId,
        answer.answer,
        answer.signature,
        answer.receipt,
        answer.now,
        eventId,
        answer.callbackLockedUntil,
      ],
      events,
    );
  }

  /** Devices of a user that answer an app and have a push subscription. */
  async pushTargets(
    userId: number,
    appId: number,
    phoneDevicesAccepted: boolean,
  ): Promise<Array<{ id: string; subscriptionCt: string }>> {
    const query = phoneDevicesAccepted ? this.targets.withPhoneDevices : this.targets.ownOnly;
    const { rows } = await query(userId, appId);
    return rows.map((r) => ({ id: r.id, subscriptionCt: r.push_subscription_ct as string }));
  }
}
