import type { PublicJwk } from '@countersign/protocol';
import type { Kysely, Selectable } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, DeviceAdmissionTable } from '../db/schema.js';
import type { Admission, AdmissionClaim, AdmissionStatus } from './admission.js';
import type { Device, Platform } from './device.js';
import type { DeviceRepository, NewDevice } from './device.repository.js';

function toAdmission(row: Selectable<DeviceAdmissionTable>): Admission {
  const claimed =
    row.new_device_id !== null &&
    row.new_public_key !== null &&
    row.new_name !== null &&
    row.new_platform !== null;
  return {
    id: row.id,
    holderDeviceId: row.holder_device_id,
    userId: Number(row.user_id),
    enrolledAppId: row.enrolled_app_id === null ? null : Number(row.enrolled_app_id),
    status: row.status as AdmissionStatus,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    claim: claimed
      ? {
          deviceId: row.new_device_id as string,
          publicKey: JSON.parse(row.new_public_key as string) as PublicJwk,
          name: row.new_name as string,
          platform: row.new_platform as Platform,
        }
      : null,
  };
}

/** The only code that reads and writes device admissions. */
export class AdmissionRepository {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    /** The devices' own writer, which adds the admitted device inside the approval's transaction. */
    private readonly devices: Pick<DeviceRepository, 'insert'>,
  ) {
    this.db = store.db;
  }

  async insert(row: {
    id: string;
    digest: string;
    holder: Pick<Device, 'id' | 'userId' | 'enrolledAppId'>;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db
      .insertInto('device_admissions')
      .values({
        id: row.id,
        token_digest: row.digest,
        holder_device_id: row.holder.id,
        user_id: row.holder.userId,
        enrolled_app_id: row.holder.enrolledAppId,
        status: 'pending',
        created_at: row.now,
        expires_at: row.expiresAt,
        new_device_id: null,
        new_public_key: null,
        new_name: null,
        new_platform: null,
        claimed_at: null,
        decided_at: null,
        approval: null,
        approval_signature: null,
      })
      .execute();
  }

  async find(id: string): Promise<Admission | undefined> {
    const row = await this.db
      .selectFrom('device_admissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toAdmission(row);
  }

  /**
   * Claims a pending, unexpired admission by its token's digest, once: of any number of concurrent claims,
   * exactly one changes the row and gets the admission back.
   */
  async claim(digest: string, claim: AdmissionClaim, now: number): Promise<Admission | undefined> {
    const row = await this.db
      .updateTable('device_admissions')
      .set({
        status: 'claimed',
        new_device_id: claim.deviceId,
        new_public_key: JSON.stringify(claim.publicKey),
        new_name: claim.name,
        new_platform: claim.platform,
        claimed_at: now,
      })
      .where('token_digest', '=', digest)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toAdmission(row);
  }

  /**
   * Approves a claimed, unexpired admission whose holding device is still live, once, and creates the new
   * device in the same transaction: `false` when another answer came first, it expired, or the holding
   * device was revoked meanwhile.
   */
  async approve(
    admission: Admission,
    approval: { document: string; signature: string },
    device: NewDevice,
    now: number,
  ): Promise<boolean> {
    return this.store.change(async (tx) => {
      const result = await tx
        .updateTable('device_admissions')
        .set({
          status: 'approved',
          decided_at: now,
          approval: approval.document,
          approval_signature: approval.signature,
        })
        .where('id', '=', admission.id)
        .where('status', '=', 'claimed')
        .where('expires_at', '>', now)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('devices')
              .select('devices.id')
              .where('devices.id', '=', admission.holderDeviceId)
              .where('devices.revoked_at', 'is', null),
          ),
        )
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return { value: false, events: [] };
      await this.devices.insert(device, tx);
      return { value: true, events: [] };
    });
  }

  /** Denies a pending or claimed admission, once; `false` when it was already decided. */
  async deny(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('device_admissions')
      .set({ status: 'denied', decided_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'claimed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
