import type { ApprovalRequest } from '../approvals/approval-request.js';
import type { Device } from '../devices/device.js';
import { isoTime } from './iso-time.js';
import { deviceDocument } from './user-document.js';

/** What the service keeps about a person, read from the feature that keeps each part. */
export interface ExportSources {
  identity(userId: number): Promise<
    | {
        readonly namespace: string;
        readonly countryCode: string;
        readonly phone: string;
        readonly createdAt: number;
      }
    | undefined
  >;
  links(userId: number): Promise<
    ReadonlyArray<{
      readonly appId: number;
      readonly appName: string;
      readonly email: string;
      readonly failedCount: number;
      readonly lockedUntil: number | null;
      readonly pushPausedUntil: number | null;
      readonly createdAt: number;
    }>
  >;
  /** The user's devices; with `appId`, those that answer that app. */
  devices(userId: number, appId?: number): Promise<readonly Device[]>;
  /** Every request, hidden details opened. */
  requests(userId: number, appId?: number): Promise<readonly ApprovalRequest[]>;
  activities(
    userId: number,
    appId?: number,
  ): Promise<
    ReadonlyArray<{
      readonly appId: number;
      readonly type: string;
      readonly data: Record<string, unknown>;
      readonly userIp: string | null;
      readonly createdAt: number;
    }>
  >;
  /** Messages of the console provider to the number (E.164), bodies opened. */
  messages(
    e164: string,
    appId?: number,
  ): Promise<
    ReadonlyArray<{
      readonly id: string;
      readonly appId: number | null;
      readonly channel: string;
      readonly to: string;
      readonly body: string;
      readonly createdAt: number;
    }>
  >;
  phoneVerifications(
    countryCode: string,
    phone: string,
    appId?: number,
  ): Promise<
    ReadonlyArray<{
      readonly id: string;
      readonly appId: number;
      readonly via: string;
      readonly state: string;
      readonly createdAt: number;
    }>
  >;
  /** Twilio Verify v2 verifications of the number (E.164). */
  verifyVerifications(
    e164: string,
    appId?: number,
  ): Promise<
    ReadonlyArray<{
      readonly sid: string;
      readonly serviceSid: string;
      readonly appId: number;
      readonly channel: string;
      readonly status: string;
      readonly createdAt: number;
    }>
  >;
  securityEvents(
    userId: number,
    appId?: number,
  ): Promise<
    ReadonlyArray<{
      readonly id: string;
      readonly type: string;
      readonly appId: number | null;
      readonly deviceId: string | null;
      readonly detail: Record<string, unknown>;
      readonly createdAt: number;
    }>
  >;
}

/**
 * Everything the service stores about a person (`countersign users export`, the data subject's access
 * request): the phone number in full, each app's email, devices, requests with their details and hidden
 * details, verifications, messages sent and security events naming them; only one app's part with `appId`.
 * Never a secret: no TOTP seed, no code digest, no key. `undefined`: no such user, or not in that app.
 */
export async function exportUser(sources: ExportSources, userId: number, appId?: number) {
  const identity = await sources.identity(userId);
  if (identity === undefined) return undefined;
  const links = (await sources.links(userId)).filter((l) => appId === undefined || l.appId === appId);
  if (links.length === 0) return undefined;
  const e164 = `+${identity.countryCode}${identity.phone}`;
  const [devices, requests, activities, messages, phoneVerifications, verifyVerifications, events] =
    await Promise.all([
      sources.devices(userId, appId),
      sources.requests(userId, appId),
      sources.activities(userId, appId),
      sources.messages(e164, appId),
      sources.phoneVerifications(identity.countryCode, identity.phone, appId),
      sources.verifyVerifications(e164, appId),
      sources.securityEvents(userId, appId),
    ]);
  return {
    authy_id: userId,
    country_code: identity.countryCode,
    phone: identity.phone,
    e164,
    sandbox: identity.namespace !== 'live',
    created_at: isoTime(identity.createdAt),
    apps: links.map((l) => ({
      app_id: l.appId,
      app_name: l.appName,
      email: l.email,
      registered_at: isoTime(l.createdAt),
      failed_attempts: l.failedCount,
      locked_until: isoTime(l.lockedUntil),
      push_paused_until: isoTime(l.pushPausedUntil),
    })),
    devices: devices.map(deviceDocument),
    requests: requests.map((r) => ({
      uuid: r.uuid,
      app_id: r.appId,
      email: r.userEmail,
      message: r.message,
      details: r.details,
      hidden_details: r.hiddenDetails,
      logos: r.logos,
      status: r.status,
      reason: r.reason,
      created_at: isoTime(r.createdAt),
      expires_at: isoTime(r.expiresAt),
      processed_at: isoTime(r.processedAt),
      device_id: r.deviceId,
      receipt: r.receipt,
    })),
    activities: activities.map((a) => ({
      app_id: a.appId,
      type: a.type,
      data: a.data,
      user_ip: a.userIp,
      created_at: isoTime(a.createdAt),
    })),
    verifications: [
      ...phoneVerifications.map((v) => ({
        kind: 'phone_verification' as const,
        id: v.id,
        app_id: v.appId,
        via: v.via,
        state: v.state,
        created_at: isoTime(v.createdAt),
      })),
      ...verifyVerifications.map((v) => ({
        kind: 'verify' as const,
        id: v.sid,
        app_id: v.appId,
        service_sid: v.serviceSid,
        via: v.channel,
        state: v.status,
        created_at: isoTime(v.createdAt),
      })),
    ],
    messages: messages.map((m) => ({
      id: m.id,
      app_id: m.appId,
      channel: m.channel,
      to: m.to,
      body: m.body,
      created_at: isoTime(m.createdAt),
    })),
    security_events: events.map((e) => ({
      id: e.id,
      type: e.type,
      app_id: e.appId,
      device_id: e.deviceId,
      detail: e.detail,
      created_at: isoTime(e.createdAt),
    })),
  };
}

export type UserExportDocument = NonNullable<Awaited<ReturnType<typeof exportUser>>>;
