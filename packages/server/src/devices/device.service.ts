import {
  type AnswerDocument,
  canonicalJson,
  displayHash,
  linkEnrollmentDocument,
  type PublicJwk,
  phoneEnrollmentDocument,
  readAnswerDocument,
} from '@countersign/protocol';
import { Secret } from 'otpauth';
import QRCode from 'qrcode';
import { type ApprovalService, notAnswerable } from '../approvals/approval.service.js';
import type { AnswerableRequest } from '../approvals/approval-request.js';
import { type App, policyOf } from '../apps/app.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AuthyError } from '../errors/authy-error.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { MessageQueue } from '../messaging/message-queue.js';
import type { SendGuard } from '../messaging/send-guard.js';
import type { SecurityLog } from '../operations/security-log.js';
import { pushEndpointAllowed } from '../push/push-endpoint.js';
import { subscriptionContext } from '../push/push-notifier.js';
import type { PushSubscription } from '../push/push-sender.js';
import type { ReceiptSigner } from '../receipts/receipt-signer.js';
import { TOTP_PERIOD_SECONDS } from '../tokens/totp.js';
import { parsePhone } from '../users/phone-number.js';
import type { UserService } from '../users/user.service.js';
import type { Device, DeviceRequest, Platform } from './device.js';
import type { DeviceRepository } from './device.repository.js';
import { authenticateDevice, type SignedRequest } from './device-auth.js';
import { parsePublicJwk, toKeyObject, verifySignature } from './device-key.js';

const ENROLLMENT_TTL_MS = 10 * 60_000;
const PHONE_ENROLLMENT_TRIES = 5;
/** How far a device's `signed_at` may be from the service's clock. */
const SIGNING_SKEW_MS = 5 * 60_000;
/** "This wasn't me" pauses pushes to the user for this long (R42). */
export const NOT_ME_PAUSE_MS = 60 * 60_000;

export interface Account {
  app_id: number;
  app_name: string;
  authy_id: number;
  totp: { secret: string; digits: number; period: number; algorithm: 'SHA1' };
}

export interface EnrollmentInput {
  publicKey: unknown;
  name: string;
  platform: Platform;
  proof: string;
}

export interface AnswerInput {
  document: unknown;
  signature: string;
}

const mismatch = (what: string) =>
  new AuthyError('60080', {
    message: `The answer does not match the approval request: ${what}`,
    event: 'authz_fail',
  });
/** Another user's or app's request answers exactly as an unknown one; only the log tells them apart (R9). */
const requestNotFound = (exists: boolean) => new AuthyError('60049', exists ? { event: 'authz_fail' } : {});

/** Reads an answer document strictly: exactly the protocol's keys, each of its type (R28). */
function parseAnswer(value: unknown): AnswerDocument {
  const read = readAnswerDocument(value);
  if ('problem' in read) throw mismatch(read.problem);
  return read.document;
}

/** Devices: enrollment (by an app's link or by the phone), signed requests, pending requests and answers. */
export class DeviceService {
  constructor(
    private readonly repository: DeviceRepository,
    private readonly users: UserService,
    private readonly messages: MessageQueue,
    private readonly guard: SendGuard,
    private readonly keys: ServiceKeys,
    private readonly random: Random,
    private readonly clock: Clock,
    private readonly approvals: ApprovalService,
    private readonly receipts: ReceiptSigner,
    private readonly box: SecretBox,
    private readonly publicUrl: string,
    private readonly codeTtlMs: number,
    private readonly securityLog: SecurityLog,
  ) {}

  private digest(purpose: string, value: string): string {
    return hmacHex(this.keys.pepper, `${purpose}:${value}`);
  }

  /** An enrollment link for one of the app's users: single use, 256 bits, ten minutes (R26). */
  async createEnrollmentLink(app: App, idParam: string | undefined) {
    const user = await this.users.find(app, idParam);
    const token = this.random.bytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + ENROLLMENT_TTL_MS;
    await this.repository.insertEnrollment({
      digest: this.digest('enrollment', token),
      appId: app.id,
      userId: user.userId,
      now,
      expiresAt,
    });
    const url = `${this.publicUrl}/authenticator/#enroll=${token}`;
    return { url, qrCode: await QRCode.toDataURL(url, { margin: 1, width: 300 }), expiresAt };
  }

  private checkProof(publicKey: unknown, proof: string, document: (jwk: PublicJwk) => object): PublicJwk {
    const jwk = parsePublicJwk(publicKey);
    if (jwk === undefined) throw new AuthyError('60034', { message: 'The public key must be a P-256 JWK' });
    if (!verifySignature(toKeyObject(jwk), canonicalJson(document(jwk)), proof)) {
      throw new AuthyError('60034', { message: 'The proof of possession does not verify' });
    }
    return jwk;
  }

  private async createDevice(
    userId: number,
    enrolledAppId: number | null,
    jwk: PublicJwk,
    input: EnrollmentInput,
  ) {
    const device = {
      id: this.random.uuid(),
      userId,
      enrolledAppId,
      publicKey: jwk,
      name: input.name,
      platform: input.platform,
      createdAt: this.clock.now(),
    };
    await this.repository.insert(device);
    await this.securityLog.record({
      id: this.random.uuid(),
      type: 'device.registered',
      appId: enrolledAppId,
      userId,
      deviceId: device.id,
      detail: {
        name: input.name,
        platform: input.platform,
        method: enrolledAppId === null ? 'phone' : 'link',
      },
      now: device.createdAt,
    });
    return {
      deviceId: device.id,
      accounts: await this.accounts({ ...device, lastSeenAt: null, revokedAt: null }),
    };
  }

  /** Enrolls a device with an app's link; the proof shows it holds the key (R27). */
  async enrollWithToken(token: string, input: EnrollmentInput) {
    const jwk = this.checkProof(input.publicKey, input.proof, (key) => linkEnrollmentDocument(token, key));
    const enrollment = await this.repository.useEnrollment(
      this.digest('enrollment', token),
      this.clock.now(),
    );
    if (enrollment === undefined) throw new AuthyError('60034');
    return this.createDevice(enrollment.userId, enrollment.appId, jwk, input);
  }

  /**
   * Starts an Authy-style enrollment: a code goes to the phone if any app registered it. The request runs
   * the same statements and awaits, and gives the same answer, whether the number is registered or not
   * (R19, R90): the code is handed to the message worker in both cases, and for a number nobody registered
   * it is a decoy that the worker drops unsent. Past the phone's enrollment budget (`SendGuard`) the
   * answer is still the same, but nothing is sent and the enrollment can never complete: nobody can text a
   * phone without end, nor guess its codes across ever new enrollments (R22).
   */
  async startPhoneEnrollment(countryCode: string, phoneNumber: string) {
    const phone = parsePhone(phoneNumber, countryCode);
    if (phone === undefined || !phone.valid) throw new AuthyError('60033');
    const now = this.clock.now();
    const identity = await this.users.findLiveIdentity(phone.countryCode, phone.national);
    const admitted = await this.guard.admitEnrollment(phone.e164);
    const userId = admitted && identity !== undefined ? identity : null;
    const id = this.random.uuid();
    const code = this.random.digits(6);
    const expiresAt = now + this.codeTtlMs;
    await this.repository.insertPhoneEnrollment({
      id,
      userId,
      digest: this.digest(`phone-enrollment:${id}`, code),
      now,
      expiresAt,
    });
    await this.messages.enqueue(
      {
        appId: null,
        channel: 'sms',
        to: phone.e164,
        body: `Your Countersign device code is ${code}`,
        sandbox: false,
      },
      { expiresAt, decoy: userId === null },
    );
    return { enrollmentId: id, expiresAt };
  }

  async completePhoneEnrollment(id: string, code: string, input: EnrollmentInput) {
    const jwk = this.checkProof(input.publicKey, input.proof, (key) =>
      phoneEnrollmentDocument(id, code, key),
    );
    const now = this.clock.now();
    const attempt = await this.repository.tryPhoneEnrollment(id, PHONE_ENROLLMENT_TRIES, now);
    if (attempt === undefined) throw new AuthyError('60034');
    if (
      !constantTimeEqual(attempt.digest, this.digest(`phone-enrollment:${id}`, code)) ||
      attempt.userId === null
    ) {
      throw new AuthyError('60036', { event: 'authn_login_fail' });
    }
    if (!(await this.repository.usePhoneEnrollment(id, now))) throw new AuthyError('60034');
    return this.createDevice(attempt.userId, null, jwk, input);
  }

  /** Checks a signed device request (R37). */
  authenticate(request: SignedRequest): Promise<Device> {
    return authenticateDevice(this.repository, this.clock, request);
  }

  /** Whether a device may answer an app's requests: its own app's link, or its phone where the app allows (D8). */
  private serves(device: Device, appId: number, profile: string): boolean {
    if (device.enrolledAppId !== null) return device.enrolledAppId === appId;
    return policyOf({ profile: profile as App['profile'] }).phoneDevicesAccepted;
  }

  /** The accounts the device holds: one per app it answers, with the TOTP secret for codes. */
  async accounts(device: Device): Promise<Account[]> {
    const links = await this.users.links(device.userId);
    const accounts: Account[] = [];
    for (const link of links) {
      if (!this.serves(device, link.appId, link.profile)) continue;
      const seed = await this.users.seed({ appId: link.appId, userId: device.userId });
      accounts.push({
        app_id: link.appId,
        app_name: link.appName,
        authy_id: device.userId,
        totp: {
          secret: Secret.fromHex(seed).base32,
          digits: link.tokenLength,
          period: TOTP_PERIOD_SECONDS,
          algorithm: 'SHA1',
        },
      });
    }
    return accounts;
  }

  async pending(device: Device): Promise<DeviceRequest[]> {
    const requests = await this.approvals.pendingFor(device.userId);
    return requests.filter((r) => this.serves(device, r.appId, r.appProfile));
  }

  /** Whether a published request event concerns this device. */
  async concerns(device: Device, uuid: string): Promise<boolean> {
    const request = await this.approvals.answerable(uuid);
    return (
      request !== undefined &&
      request.userId === device.userId &&
      this.serves(device, request.appId, request.appProfile)
    );
  }

  /**
   * Verifies a signed answer and moves the request from pending exactly once (R28, R29, R32, R33). Every
   * refusal leaves the request as it was.
   */
  async answer(device: Device, uuid: string, input: AnswerInput): Promise<'approved' | 'denied'> {
    const request = await this.approvals.answerable(uuid);
    if (
      request === undefined ||
      request.userId !== device.userId ||
      !this.serves(device, request.appId, request.appProfile)
    ) {
      throw requestNotFound(request !== undefined);
    }
    const document = parseAnswer(input.document);
    if (!verifySignature(toKeyObject(device.publicKey), canonicalJson(document), input.signature)) {
      throw new AuthyError('60031', {
        status: 401,
        message: 'Could not verify the answer signature',
        event: 'authn_login_fail',
      });
    }
    if (document.uuid !== request.uuid) throw mismatch('uuid');
    if (document.device_id !== device.id) throw mismatch('device_id');
    if (!constantTimeEqual(document.nonce, request.nonce)) throw mismatch('nonce');
    const shown = displayHash({
      app_name: request.appName,
      message: request.message,
      details: request.details,
    });
    if (!constantTimeEqual(document.display_hash, shown)) throw mismatch('display_hash');
    const now = this.clock.now();
    if (
      Math.abs(now - document.signed_at) > SIGNING_SKEW_MS ||
      document.signed_at < request.createdAt - SIGNING_SKEW_MS
    ) {
      throw mismatch('signed_at');
    }
    if (request.status !== 'pending') throw notAnswerable(request.status);
    if (request.expiresAt !== null && request.expiresAt <= now) throw notAnswerable('expired');

    let status = document.decision;
    let reason = document.reason;
    if (request.numberMatchRequired && document.decision === 'approved') {
      // A wrong code ends the request: the user may be approving someone else's login (R39).
      const typed = document.number_match ?? '';
      if (!constantTimeEqual(typed, request.numberMatch ?? '')) {
        status = 'denied';
        reason = 'number_mismatch' as AnswerDocument['reason'];
      }
    }
    const receipt = await this.receipts.sign({
      iss: this.publicUrl,
      sub: request.uuid,
      aud: String(request.appId),
      iat: Math.floor(now / 1000),
      status,
      reason,
      device_id: device.id,
      answer: document,
      device_signature: input.signature,
      device_public_key: device.publicKey,
    });
    await this.approvals.answer(request, {
      status,
      reason,
      deviceId: device.id,
      document: canonicalJson(document),
      signature: input.signature,
      receipt,
      now,
    });
    if (reason === 'not_me') await this.reportNotMe(device, request, now);
    return status;
  }

  /** "This wasn't me": recorded, and pushes to the user pause for a while (R42). */
  private async reportNotMe(device: Device, request: AnswerableRequest, now: number): Promise<void> {
    await this.users.pausePushes(request.appId, request.userId, now + NOT_ME_PAUSE_MS);
    await this.securityLog.record({
      id: this.random.uuid(),
      type: 'user.suspicious_activity',
      appId: request.appId,
      userId: request.userId,
      deviceId: device.id,
      detail: { uuid: request.uuid, reason: 'not_me' },
      now,
    });
  }

  async list(device: Device) {
    const devices = await this.repository.listForUser(device.userId);
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
    const now = this.clock.now();
    const closeStreams = [{ topic: topics.device(id), event: { type: 'revoked' as const } }];
    if (await this.repository.revoke(id, device.userId, now, closeStreams)) {
      await this.securityLog.record({
        id: this.random.uuid(),
        type: 'device.revoked',
        appId: device.enrolledAppId,
        userId: device.userId,
        deviceId: id,
        detail: { by: device.id },
        now,
      });
    }
  }

  /** App side: the user's live devices that may answer this app (status, and whether SMS is needed). */
  answeringDevices(app: App, userId: number): Promise<Device[]> {
    return this.repository.listAnswering(userId, app.id, policyOf(app).phoneDevicesAccepted);
  }

  /** Stores the device's Web Push subscription, sealed; only browsers' push services (or allowed hosts) are accepted. */
  async subscribePush(
    device: Device,
    subscription: PushSubscription,
    allowedHosts: readonly string[],
  ): Promise<void> {
    if (!pushEndpointAllowed(subscription.endpoint, allowedHosts)) {
      throw new AuthyError('60004', { message: 'Invalid parameter: endpoint - is not a known push service' });
    }
    const sealed = this.box.seal(JSON.stringify(subscription), subscriptionContext(device.id));
    await this.repository.setPushSubscription(device.id, sealed);
  }

  async forgetOldNonces(): Promise<void> {
    await this.repository.forgetNonces(this.clock.now());
  }
}
