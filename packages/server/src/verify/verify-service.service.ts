import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { SERVICE_DEFAULTS, type VerifyService, type VerifyServiceChanges } from './verify-service.js';
import type { ServiceRowChanges, VerifyServiceRepository } from './verify-service.repository.js';
import { newSid } from './verify-sid.js';

/** Twilio's 404 for a resource this account does not have: unknown and foreign SIDs read alike (D8). */
export function notFound(path: string): AuthyError {
  return new AuthyError('20404', { message: `The requested resource ${path} was not found` });
}

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

/** The columns a change sets; `undefined` ones stay as they are. */
function columns(changes: VerifyServiceChanges): ServiceRowChanges {
  const set: Record<string, unknown> = {
    friendly_name: changes.friendlyName,
    code_length: changes.codeLength,
    lookup_enabled: flag(changes.lookupEnabled),
    skip_sms_to_landlines: flag(changes.skipSmsToLandlines),
    do_not_share_warning_enabled: flag(changes.doNotShareWarningEnabled),
    custom_code_enabled: flag(changes.customCodeEnabled),
    push_include_date: flag(changes.pushIncludeDate),
    push_apn_credential_sid: changes.pushApnCredentialSid,
    push_fcm_credential_sid: changes.pushFcmCredentialSid,
    totp_issuer: changes.totpIssuer,
    totp_time_step: changes.totpTimeStep,
    totp_code_length: changes.totpCodeLength,
    totp_skew: changes.totpSkew,
  };
  return Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as ServiceRowChanges;
}

/** Verify v2 services of an app: made, read, changed and removed by the app itself (over `/v2`). */
export class VerifyServices {
  constructor(
    private readonly repository: VerifyServiceRepository,
    private readonly random: Random,
    private readonly clock: Clock,
  ) {}

  async create(appId: number, friendlyName: string, changes: VerifyServiceChanges): Promise<VerifyService> {
    const now = this.clock.now();
    const d = SERVICE_DEFAULTS;
    return this.repository.insert({
      sid: newSid('VA', this.random),
      app_id: appId,
      friendly_name: friendlyName,
      code_length: changes.codeLength ?? d.codeLength,
      lookup_enabled: flag(changes.lookupEnabled ?? d.lookupEnabled) ?? 0,
      skip_sms_to_landlines: flag(changes.skipSmsToLandlines ?? d.skipSmsToLandlines) ?? 0,
      do_not_share_warning_enabled: flag(changes.doNotShareWarningEnabled ?? d.doNotShareWarningEnabled) ?? 0,
      custom_code_enabled: flag(changes.customCodeEnabled ?? d.customCodeEnabled) ?? 0,
      push_include_date: flag(changes.pushIncludeDate ?? d.pushIncludeDate) ?? 1,
      push_apn_credential_sid: changes.pushApnCredentialSid ?? null,
      push_fcm_credential_sid: changes.pushFcmCredentialSid ?? null,
      // Twilio names the TOTP issuer after the service unless told otherwise.
      totp_issuer: changes.totpIssuer ?? friendlyName,
      totp_time_step: changes.totpTimeStep ?? d.totpTimeStep,
      totp_code_length: changes.totpCodeLength ?? d.totpCodeLength,
      totp_skew: changes.totpSkew ?? d.totpSkew,
      created_at: now,
      updated_at: now,
    });
  }

  /** The app's service, or Twilio's 404. */
  async fetch(appId: number, sid: string): Promise<VerifyService> {
    const service = await this.repository.find(appId, sid);
    if (service === undefined) throw notFound(`/Services/${sid}`);
    return service;
  }

  page(appId: number, after: number, size: number) {
    return this.repository.page(appId, after, size);
  }

  async update(appId: number, sid: string, changes: VerifyServiceChanges): Promise<VerifyService> {
    const updated = await this.repository.update(appId, sid, {
      ...columns(changes),
      updated_at: this.clock.now(),
    });
    if (updated === undefined) throw notFound(`/Services/${sid}`);
    return updated;
  }

  /** Removes the service and its verifications. */
  async remove(appId: number, sid: string): Promise<void> {
    if (!(await this.repository.remove(appId, sid))) throw notFound(`/Services/${sid}`);
  }
}
