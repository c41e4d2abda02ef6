import { type App, policyOf } from '../apps/app.js';
import type { Random } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AuthyError } from '../errors/authy-error.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import { pushEndpointAllowed } from '../push/push-endpoint.js';
import { subscriptionContext } from '../push/push-notifier.js';
import type { PushSubscription } from '../push/push-sender.js';
import type { Device } from './device.js';
import type { DeviceRepository } from './device.repository.js';
import { type Account, type AccountSource, accountsOf } from './device-accounts.js';
import { authenticateDevice, type SignedRequest } from './device-auth.js';

export interface DeviceServiceOptions {
  readonly repository: DeviceRepository;
  /** Where a device's accounts are read from (the users feature). */
  readonly users: AccountSource;
  readonly securityLog: SecurityLog;
  /** Seals push subscriptions at rest. */
  readonly box: SecretBox;
  readonly random: Random;
  readonly clock: Clock;
  /** Push endpoints allowed besides the browsers' push services (`COUNTERSIGN_PUSH_ALLOW`). */
  readonly pushAllow: readonly string[];
}

/** Enrolled devices: their signed requests, their accounts, the user's list of them, revocation, push. */
export class DeviceService {
  constructor(private readonly options: DeviceServiceOptions) {}

  /** Checks a signed device request (R37). */
  authenticate(request: SignedRequest): Promise<Device> {
    return authenticateDevice(this.options.repository, this.options.clock, request);
  }

  /** The accounts the device holds: one per app it answers, with the TOTP secret for codes. */
  accounts(device: Device): Promise<Account[]> {
    return accountsOf(device, this.options.users);
  }

  /** The devices of the user that this device may see: itself, and those enrolled for its app. */
  async list(device: Device) {
    const devices = await this.options.repository.listForUser(device.userId);
    return devices
      .filter((d) => d.id === device.id || d.enrolledAppId === device.enrolledAppId)
      .map((d) => ({
        device_id: d.id,
        name: d.name,
        platform: d.platform,
        created_at: new Date(d.createdAt).toISOString(),
        last_seen_at: d.lastSeenAt === null ? null : new Date(d.lastSeenAt).toISOString(),
        current: d.id === device.id,
      }));
  }

  /** Revokes one of the user's devices at once (R31); its streams are told to close. */
  async revoke(device: Device, id: string): Promise<void> {
    const visible = await this.list(device);
    if (!visible.some((d) => d.device_id === id))
      throw new AuthyError('60031', { status: 404, message: 'Device not found' });
    await this.revokeOne({ id, userId: device.userId, enrolledAppId: device.enrolledAppId }, device.id);
  }

  /**
   * An operator revokes a device (`countersign devices revoke`), as its user would from another device:
   * its streams close and its next signed call is refused. `false`: no such device, or already revoked.
   */
  async revokeByOperator(id: string): Promise<boolean> {
    return this.revokeAs(id, 'operator');
  }

  /**
   * Revokes a device for whoever `by` names (`operator`, `verify_factor` when its Verify push factor is
   * deleted): its streams close and its next signed call is refused. `false`: no such device, or revoked.
   */
  async revokeAs(id: string, by: string): Promise<boolean> {
    const device = await this.options.repository.find(id);
    if (device === undefined || device.revokedAt !== null) return false;
    return this.revokeOne(device, by);
  }

  /** Devices for an operator (`countersign devices list`), revoked ones too. */
  listForOperator(query: { userId?: number; appId?: number }): Promise<Device[]> {
    return this.options.repository.listForOperator(query);
  }

  private async revokeOne(
    device: Pick<Device, 'id' | 'userId' | 'enrolledAppId'>,
    by: string,
  ): Promise<boolean> {
    const { repository, securityLog, random, clock } = this.options;
    const now = clock.now();
    const closeStreams = [{ topic: topics.device(device.id), event: { type: 'revoked' as const } }];
    if (!(await repository.revoke(device.id, device.userId, now, closeStreams))) return false;
    await securityLog.record({
      id: random.uuid(),
      type: 'device.revoked',
      appId: device.enrolledAppId,
      userId: device.userId,
      deviceId: device.id,
      detail: { by },
      now,
    });
    return true;
  }

  /** App side: the user's live devices that may answer this app (status, and whether SMS is needed). */
  answeringDevices(app: App, userId: number): Promise<Device[]> {
    return this.options.repository.listAnswering(userId, app.id, policyOf(app).phoneDevicesAccepted);
  }

  /** Stores the device's Web Push subscription, sealed; only browsers' push services (or allowed hosts) are accepted. */
  async subscribePush(device: Device, subscription: PushSubscription): Promise<void> {
    if (!pushEndpointAllowed(subscription.endpoint, this.options.pushAllow)) {
      throw new AuthyError('60004', { message: 'Invalid parameter: endpoint - is not a known push service' });
    }
    const sealed = this.options.box.seal(JSON.stringify(subscription), subscriptionContext(device.id));
    await this.options.repository.setPushSubscription(device.id, sealed);
  }

  async forgetOldNonces(): Promise<void> {
    await this.options.repository.forgetNonces(this.options.clock.now());
  }
}
