import type { PublicJwk } from '@countersign/protocol';
import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { Database, DeviceTable } from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import type { Device, Platform } from './device.js';

/** A device's columns, and whether it registered a passkey: what every read of a device selects. */
function withPasskeyFlag<O>(query: SelectQueryBuilder<Database, 'devices', O>) {
  return query
    .selectAll('devices')
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('device_passkeys')
            .select('device_passkeys.device_id')
            .whereRef('device_passkeys.device_id', '=', 'devices.id'),
        )
        .as('has_passkey'),
    );
}

function toDevice(row: Selectable<DeviceTable> & { has_passkey: unknown }): Device {
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
    // SQLite answers 0 or 1, PostgreSQL a boolean.
    hasPasskey: row.has_passkey === true || Number(row.has_passkey) === 1,
  };
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
/** A device as it is added: not yet seen, not revoked. */
export type NewDevice = Omit<Device, 'lastSeenAt' | 'revokedAt' | 'hasPasskey'>;

export class DeviceRepository {
  /**
   * The push targets of every new request, for apps that accept phone-enrolled devices and for those that
   * take only their own: compiled once each.
   */
  private readonly targets;
  /** What every signed device request and every answer read and write: compiled once. */
  private readonly byId;
  private readonly nonce;
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
      withPasskeyFlag(db.selectFrom('devices')).where('devices.id', '=', id),
    );
    this.nonce = compiledOnce(store, (deviceId: string, nonce: string, expiresAt: number) =>
      db
        .insertInto('device_nonces')
        .values({ device_id: deviceId, nonce, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['device_id', 'nonce']).doNothing())
        .returning('nonce'),
    );
  }

  /** Adds a device, in `into` when it is part of a caller's transaction (an admission's approval). */
  async insert(device: NewDevice, into: Kysely<Database> = this.db): Promise<void> {
    await into
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

  /**
   * Deletes the user's devices (their passkeys and admissions go with them) and enrollments, in the
   * transaction `tx` that erases the user; gives the devices deleted.
   */
  async eraseUser(tx: Transaction<Database>, userId: number): Promise<number> {
    await tx.deleteFrom('enrollments').where('user_id', '=', userId).execute();
    await tx.deleteFrom('phone_enrollments').where('user_id', '=', userId).execute();
    const result = await tx.deleteFrom('devices').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async find(id: string): Promise<Device | undefined> {
    const [row] = (await this.byId(id)).rows;
    return row === undefined ? undefined : toDevice(row);
  }

  async listForUser(userId: number): Promise<Device[]> {
    const rows = await withPasskeyFlag(this.db.selectFrom('devices'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toDevice);
  }

  /**
   * Devices for an operator, revoked ones too, oldest first: a user's, and/or those that answer the app's
   * requests (enrolled by its link, or enrolled by phone for a user it registered).
   */
  async listForOperator(query: { userId?: number; appId?: number }): Promise<Device[]> {
    let select = withPasskeyFlag(this.db.selectFrom('devices'));
    if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
    const appId = query.appId;
    if (appId !== undefined)
      select = select.where((eb) =>
        eb.or([
          eb('enrolled_app_id', '=', appId),
          eb.and([
            eb('enrolled_app_id', 'is', null),
            eb('user_id', 'in', eb.selectFrom('app_users').select('user_id').where('app_id', '=', appId)),
          ]),
        ]),
      );
    const rows = await select.orderBy('created_at').orderBy('id').execute();
    return rows.map(toDevice);
  }

  /** Live devices of a user that may answer an app's requests (D8). */
  async listAnswering(userId: number, appId: number, phoneDevicesAccepted: boolean): Promise<Device[]> {
    const rows = await withPasskeyFlag(this.db.selectFrom('devices'))
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

  /**
   * Writes the code of an invitation's enrollment (D15), replacing the one before it: one row per
   * invitation, a new code with its own tries and ten minutes each time the device asks for one.
   */
  async replacePhoneEnrollment(row: {
    id: string;
    userId: number | null;
    digest: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    const values = {
      user_id: row.userId,
      code_digest: row.digest,
      attempts: 0,
      created_at: row.now,
      expires_at: row.expiresAt,
      used_at: null,
    };
    await this.db
      .insertInto('phone_enrollments')
      .values({ id: row.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
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
