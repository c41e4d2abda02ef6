import type { App } from '../apps/app.js';
import type { AppService } from '../apps/app.service.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { DeviceService } from '../devices/device.service.js';
import type { InvitationVia } from '../devices/invitation.js';
import type { InvitationOutcome, InvitationService } from '../devices/invitation.service.js';
import type { ImportRow } from '../users/import-file.js';
import type { UserService } from '../users/user.service.js';
import type { ImportReport, UserImport } from '../users/user-import.js';

/**
 * Who acts, for the audit log: `cli:<os user>` from `cli`, or `operator:<email>` from the console's client
 * address.
 */
export interface Actor {
  readonly actor: string;
  readonly from: string;
}

/**
 * The changes an operator makes to users and devices, whether from the command line or the console: the
 * same service calls and the same audit entries, so that both read alike in the log.
 */
export interface OperatorActionSources {
  readonly apps: Pick<AppService, 'find'>;
  readonly users: Pick<UserService, 'unlock' | 'operatorLinksOf' | 'remove'>;
  readonly devices: Pick<DeviceService, 'revokeByOperator'>;
  readonly audit: AuditTrail;
}

/**
 * Lifts a user's TOTP lockout (one app or all) so the user may verify again; gives the number of app links
 * changed, 0 (nothing recorded) when the user is not registered there.
 */
export async function unlockUser(
  s: OperatorActionSources,
  who: Actor,
  userId: number,
  appId: number | undefined,
): Promise<number> {
  const unlocked = await s.users.unlock(userId, appId);
  if (unlocked > 0) {
    await s.audit.record({
      ...who,
      action: 'user.unlock',
      target: { type: 'user', id: String(userId) },
      after: { app_id: appId ?? null, apps_unlocked: unlocked },
    });
  }
  return unlocked;
}

/**
 * Removes a user from one app as the Authy API's user delete does (R8): the same service call, so the
 * user's pending requests in that app are withdrawn with the link. Says what was missing when nothing was.
 */
export async function deleteUser(
  s: OperatorActionSources,
  who: Actor,
  userId: number,
  appId: number,
): Promise<'deleted' | 'no_app' | 'no_user'> {
  const app: App | undefined = await s.apps.find(appId);
  if (app === undefined) return 'no_app';
  const linked = await s.users.operatorLinksOf(userId);
  if (!linked.some((link) => link.appId === appId)) return 'no_user';
  await s.users.remove(app, String(userId));
  await s.audit.record({
    ...who,
    action: 'user.delete',
    target: { type: 'user', id: String(userId) },
    before: { app_id: appId },
  });
  return 'deleted';
}

/** What an erasure changes and where it reports. */
export interface ErasureSources {
  readonly users: Pick<UserService, 'erase'>;
  readonly audit: AuditTrail;
}

/**
 * Erases a person everywhere their data lives (`countersign users erase`, issue 21): every app's link, their
 * requests and callbacks, devices, messages, verifications and security events. Audited with the Authy id
 * and the counts only: the entry holds none of the data it erased. `undefined`: no such user.
 */
export async function eraseUser(
  s: ErasureSources,
  who: Actor,
  userId: number,
): Promise<{ counts: Record<string, number>; cleared: boolean } | undefined> {
  const erased = await s.users.erase(userId);
  if (erased === undefined) return undefined;
  await s.audit.record({
    ...who,
    action: 'user.erase',
    target: { type: 'user', id: String(userId) },
    after: { ...erased.counts, files_cleared: erased.cleared },
  });
  return erased;
}

/**
 * Revokes a device as its user would from another device: its streams close and its next signed call is
 * refused. `false`: no such device, or revoked already (nothing recorded).
 */
export async function revokeDevice(s: OperatorActionSources, who: Actor, deviceId: string): Promise<boolean> {
  const revoked = await s.devices.revokeByOperator(deviceId);
  if (revoked) {
    await s.audit.record({ ...who, action: 'device.revoke', target: { type: 'device', id: deviceId } });
  }
  return revoked;
}

/** What an import reads and where it reports. */
export interface ImportSources {
  readonly apps: Pick<AppService, 'find'>;
  readonly userImport: Pick<UserImport, 'run'>;
  readonly audit: AuditTrail;
}

/**
 * Imports an app's users with their Authy ids (`countersign users import`). A written import is audited with
 * its counts, never a phone number or an email; a dry run, or one refused, wrote nothing and records nothing.
 */
export async function importUsers(
  s: ImportSources,
  who: Actor,
  appId: number,
  rows: readonly ImportRow[],
  options: { dryRun: boolean; file: string },
): Promise<ImportReport | 'no_app'> {
  const app = await s.apps.find(appId);
  if (app === undefined) return 'no_app';
  const report = await s.userImport.run(app, rows, options.dryRun);
  if (report.written) {
    await s.audit.record({
      ...who,
      action: 'user.import',
      target: { type: 'app', id: String(appId) },
      after: {
        file: options.file,
        rows: report.rows,
        created: report.created,
        linked: report.linked,
        emails_updated: report.emailsUpdated,
        unchanged: report.unchanged,
        highest_id: report.highestId,
      },
    });
  }
  return report;
}

/** What an invitation run reads and where it reports. */
export interface InvitationSources {
  readonly apps: Pick<AppService, 'find'>;
  readonly invitations: Pick<InvitationService, 'invite' | 'notEnrolled'>;
  readonly audit: AuditTrail;
}

/**
 * Invites an app's users to enroll a device (`countersign enrollments invite`): the users given, or every
 * user of the app without a live device answering it. Audited with its counts, never a phone number, an
 * email or a link.
 */
export async function inviteUsers(
  s: InvitationSources,
  who: Actor,
  appId: number,
  users: readonly number[] | 'not_enrolled',
  options: { via: InvitationVia; validDays: number },
): Promise<InvitationOutcome[] | 'no_app'> {
  const app = await s.apps.find(appId);
  if (app === undefined) return 'no_app';
  const ids = users === 'not_enrolled' ? await s.invitations.notEnrolled(app) : users;
  const outcomes = await s.invitations.invite(app, ids, options);
  const count = (state: InvitationOutcome['state']) => outcomes.filter((o) => o.state === state).length;
  await s.audit.record({
    ...who,
    action: 'enrollment.invite',
    target: { type: 'app', id: String(appId) },
    after: {
      via: options.via,
      valid_days: options.validDays,
      chosen: users === 'not_enrolled' ? 'not_enrolled' : 'file',
      users: outcomes.length,
      queued: count('queued'),
      exported: count('exported'),
      failed: count('failed'),
      not_in_app: count('not_in_app'),
    },
  });
  return outcomes;
}
