import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, VerifyServiceTable } from '../db/schema.js';
import type { VerifyService } from './verify-service.js';

type ServiceRow = Selectable<VerifyServiceTable>;
/** A service's row to insert, without the sequence number the database gives it. */
export type NewServiceRow = Omit<ServiceRow, 'seq'>;
export type ServiceRowChanges = Omit<Updateable<VerifyServiceTable>, 'seq' | 'sid' | 'app_id' | 'created_at'>;

function toService(row: ServiceRow): VerifyService {
  return {
    sid: row.sid,
    appId: Number(row.app_id),
    friendlyName: row.friendly_name,
    codeLength: Number(row.code_length),
    lookupEnabled: Number(row.lookup_enabled) === 1,
    skipSmsToLandlines: Number(row.skip_sms_to_landlines) === 1,
    doNotShareWarningEnabled: Number(row.do_not_share_warning_enabled) === 1,
    customCodeEnabled: Number(row.custom_code_enabled) === 1,
    push: {
      includeDate: Number(row.push_include_date) === 1,
      apnCredentialSid: row.push_apn_credential_sid,
      fcmCredentialSid: row.push_fcm_credential_sid,
    },
    totp: {
      issuer: row.totp_issuer,
      timeStep: Number(row.totp_time_step),
      codeLength: Number(row.totp_code_length),
      skew: Number(row.totp_skew),
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** One page of an app's services, and where the next one starts (`undefined`: it was the last). */
export interface ServicePage {
  readonly services: readonly VerifyService[];
  readonly nextAfter: number | undefined;
}

/**
 * The only code that reads and writes Verify services. Every statement names the app: another app's SID
 * finds nothing, exactly as an unknown one (D8).
 */
export class VerifyServiceRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async insert(row: NewServiceRow): Promise<VerifyService> {
    const inserted = await this.db
      .insertInto('verify_services')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toService(inserted);
  }

  async find(appId: number, sid: string): Promise<VerifyService | undefined> {
    const row = await this.db
      .selectFrom('verify_services')
      .selectAll()
      .where('app_id', '=', appId)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return row === undefined ? undefined : toService(row);
  }

  /** The app's services made after the one numbered `after` (0: from the first), `size` at most. */
  async page(appId: number, after: number, size: number): Promise<ServicePage> {
    const rows = await this.db
      .selectFrom('verify_services')
      .selectAll()
      .where('app_id', '=', appId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(size + 1)
      .execute();
    const shown = rows.slice(0, size);
    return {
      services: shown.map(toService),
      nextAfter: rows.length > size ? Number(shown.at(-1)?.seq) : undefined,
    };
  }

  async update(appId: number, sid: string, changes: ServiceRowChanges): Promise<VerifyService | undefined> {
    const row = await this.db
      .updateTable('verify_services')
      .set(changes)
      .where('app_id', '=', appId)
      .where('sid', '=', sid)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toService(row);
  }

  /** Removes a service and (by cascade) its verifications; `false`: the app has no such service. */
  async remove(appId: number, sid: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('verify_services')
      .where('app_id', '=', appId)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
