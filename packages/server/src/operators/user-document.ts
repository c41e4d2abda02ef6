import type { ApprovalService } from '../approvals/approval.service.js';
import type { Device } from '../devices/device.js';
import type { DeviceService } from '../devices/device.service.js';
import { maskForStatus } from '../users/phone-number.js';
import type { UserService } from '../users/user.service.js';
import { isoTime } from './iso-time.js';

/** A user's link to an app as an operator reads it (`UserService.search`). */
type OperatorLink = Awaited<ReturnType<UserService['search']>>[number];

/** Only the last four digits, as the Authy API's user status shows them (`maskForStatus`). */
export function maskedPhone(link: Pick<OperatorLink, 'countryCode' | 'phone'>): string {
  return `+${link.countryCode} ${maskForStatus(link.phone)}`;
}

/** A user's link to an app as `users list` and the console's search show it: never the full phone number. */
export function userLinkDocument(link: OperatorLink, now: number) {
  return {
    authy_id: link.userId,
    app_id: link.appId,
    app_name: link.appName,
    email: link.email,
    phone: maskedPhone(link),
    locked: link.lockedUntil !== null && link.lockedUntil > now,
    created_at: isoTime(link.createdAt),
  };
}

/** A device as `users show`, `devices list` and the console show it. */
export function deviceDocument(device: Device) {
  return {
    device_id: device.id,
    authy_id: device.userId,
    enrolled_app_id: device.enrolledAppId,
    name: device.name,
    platform: device.platform,
    created_at: isoTime(device.createdAt),
    last_seen_at: isoTime(device.lastSeenAt),
    revoked_at: isoTime(device.revokedAt),
  };
}

export type DeviceDocument = ReturnType<typeof deviceDocument>;

/** What a user's document is read from. */
export interface UserSources {
  readonly users: Pick<UserService, 'operatorLinksOf'>;
  readonly devices: Pick<DeviceService, 'listForOperator'>;
  readonly approvals: Pick<ApprovalService, 'pendingFor'>;
}

/**
 * The `users show` document, which the console shows too: the user's apps with their lock state, devices,
 * and pending requests; the phone masked. `undefined`: no user with that Authy id.
 */
export async function userDocument(sources: UserSources, userId: number, now: number) {
  const links = await sources.users.operatorLinksOf(userId);
  const [first] = links;
  if (first === undefined) return undefined;
  const [devices, pending] = await Promise.all([
    sources.devices.listForOperator({ userId }),
    sources.approvals.pendingFor(userId),
  ]);
  return {
    authy_id: userId,
    phone: maskedPhone(first),
    apps: links.map((link) => ({
      app_id: link.appId,
      app_name: link.appName,
      email: link.email,
      failed_attempts: link.failedCount,
      locked_until: link.lockedUntil !== null && link.lockedUntil > now ? isoTime(link.lockedUntil) : null,
      pushes_paused_until:
        link.pushPausedUntil !== null && link.pushPausedUntil > now ? isoTime(link.pushPausedUntil) : null,
      pending_requests: pending.filter((r) => r.appId === link.appId).length,
      created_at: isoTime(link.createdAt),
    })),
    devices: devices.map(deviceDocument),
  };
}

export type UserDocument = NonNullable<Awaited<ReturnType<typeof userDocument>>>;
