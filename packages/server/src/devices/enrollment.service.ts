import {
  canonicalJson,
  invitationEnrollmentDocument,
  linkEnrollmentDocument,
  type PublicJwk,
  phoneEnrollmentDocument,
} from '@countersign/protocol';
import QRCode from 'qrcode';
import type { App } from '../apps/app.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { MessageQueue } from '../messaging/message-queue.js';
import type { SendGuard } from '../messaging/send-guard.js';
import type { SecurityLog } from '../operations/security-log.js';
import { maskForStatus, parsePhone } from '../users/phone-number.js';
import type { UserService } from '../users/user.service.js';
import type { Platform } from './device.js';
import type { DeviceRepository } from './device.repository.js';
import { type Account, accountsOf } from './device-accounts.js';
import { parsePublicJwk, toKeyObject, verifySignature } from './device-key.js';
import type { InvitationRepository } from './invitation.repository.js';

const ENROLLMENT_TTL_MS = 10 * 60_000;
const PHONE_ENROLLMENT_TRIES = 5;

export interface EnrollmentInput {
  publicKey: unknown;
  name: string;
  platform: Platform;
  proof: string;
}

/**
 * Told of each device enrolled with an app's link, after it is stored: the Verify v2 push factor of an
 * access token's link is made here (the listener is the verify feature's; devices know nothing of it).
 */
export type LinkEnrolledListener = (enrolled: {
  readonly enrollmentDigest: string;
  readonly appId: number;
  readonly userId: number;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly now: number;
}) => Promise<void>;

/** A device just enrolled: its id, and the accounts it holds. */
export interface Enrolled {
  readonly deviceId: string;
  readonly accounts: Account[];
}

export interface EnrollmentServiceOptions {
  readonly repository: DeviceRepository;
  /** Enrollment invitations (D15): the device side reads and uses them. */
  readonly invitations: InvitationRepository;
  readonly users: UserService;
  /** Where the phone's code goes out (the background message worker). */
  readonly messages: MessageQueue;
  readonly guard: SendGuard;
  readonly securityLog: SecurityLog;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  /** The service's public URL, which enrollment links point to. */
  readonly publicUrl: string;
  /** How long a phone's enrollment code lives. */
  readonly codeTtlMs: number;
  /** Told of each enrollment with an app's link (Verify v2 push factors). */
  readonly onLinkEnrolled?: LinkEnrolledListener;
}

/** Enrolling devices: by a link an app hands its user, or by a code sent to the phone (D8). */
export class EnrollmentService {
  constructor(private readonly options: EnrollmentServiceOptions) {}

  private digest(purpose: string, value: string): string {
    return hmacHex(this.options.keys.pepper, `${purpose}:${value}`);
  }

  /**
   * An enrollment link for one of the app's users: single use, 256 bits, ten minutes (R26) or `ttlMs` if
   * shorter. `digest` is what the link is stored under (a Verify access token records it).
   */
  async createEnrollmentLink(app: App, idParam: string | undefined, options: { ttlMs?: number } = {}) {
    const { repository, users, random, clock, publicUrl } = this.options;
    const user = await users.find(app, idParam);
    const token = random.bytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = now + Math.min(options.ttlMs ?? ENROLLMENT_TTL_MS, ENROLLMENT_TTL_MS);
    const digest = this.digest('enrollment', token);
    await repository.insertEnrollment({ digest, appId: app.id, userId: user.userId, now, expiresAt });
    const url = `${publicUrl}/authenticator/#enroll=${token}`;
    return { url, qrCode: await QRCode.toDataURL(url, { margin: 1, width: 300 }), expiresAt, digest };
  }

  /** Enrolls a device with an app's link; the proof shows it holds the key (R27). */
  async enrollWithToken(token: string, input: EnrollmentInput): Promise<Enrolled> {
    const jwk = checkProof(input.publicKey, input.proof, (key) => linkEnrollmentDocument(token, key));
    const digest = this.digest('enrollment', token);
    const enrollment = await this.options.repository.useEnrollment(digest, this.options.clock.now());
    if (enrollment === undefined) throw new AuthyError('60034');
    const enrolled = await this.createDevice(enrollment.userId, enrollment.appId, jwk, input);
    await this.options.onLinkEnrolled?.({
      enrollmentDigest: digest,
      appId: enrollment.appId,
      userId: enrollment.userId,
      deviceId: enrolled.deviceId,
      deviceName: input.name,
      now: this.options.clock.now(),
    });
    return enrolled;
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
    const { repository, users, guard, messages, random, clock, codeTtlMs } = this.options;
    const phone = parsePhone(phoneNumber, countryCode);
    if (phone === undefined || !phone.valid) throw new AuthyError('60033');
    const now = clock.now();
    const identity = await users.findLiveIdentity(phone.countryCode, phone.national);
    const admitted = await guard.admitEnrollment(phone.e164);
    const userId = admitted && identity !== undefined ? identity : null;
    const id = random.uuid();
    const code = random.digits(6);
    const expiresAt = now + codeTtlMs;
    await repository.insertPhoneEnrollment({
      id,
      userId,
      digest: this.digest(`phone-enrollment:${id}`, code),
      now,
      expiresAt,
    });
    await messages.enqueue(
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

  /** Enrolls a device with the code sent to the phone: a few tries per enrollment, then it is spent. */
  async completePhoneEnrollment(id: string, code: string, input: EnrollmentInput): Promise<Enrolled> {
    const { repository, clock } = this.options;
    const jwk = checkProof(input.publicKey, input.proof, (key) => phoneEnrollmentDocument(id, code, key));
    const now = clock.now();
    const attempt = await repository.tryPhoneEnrollment(id, PHONE_ENROLLMENT_TRIES, now);
    if (attempt === undefined) throw new AuthyError('60034');
    if (
      !constantTimeEqual(attempt.digest, this.digest(`phone-enrollment:${id}`, code)) ||
      attempt.userId === null
    ) {
      throw new AuthyError('60036', { event: 'authn_login_fail' });
    }
    if (!(await repository.usePhoneEnrollment(id, now))) throw new AuthyError('60034');
    return this.createDevice(attempt.userId, null, jwk, input);
  }

  /** Where an invitation's code is kept: one phone enrollment per invitation, not a UUID (no phone route takes it). */
  private invitationCodeId(digest: string): string {
    return `invitation:${digest.slice(0, 32)}`;
  }

  /** A live invitation, or the one refusal for unknown, expired and used links alike (D15). */
  private async liveInvitation(token: string) {
    const digest = this.digest('invitation', token);
    const found = await this.options.invitations.findLive(digest, this.options.clock.now());
    if (found === undefined)
      throw new AuthyError('60035', { message: 'The invitation is unknown, used or expired' });
    return { digest, ...found };
  }

  /** What a device shows on opening an invitation: the inviting app, the masked phone, the expiry. */
  async describeInvitation(token: string) {
    const found = await this.liveInvitation(token);
    return {
      appName: found.appName,
      phone: `+${found.countryCode} ${maskForStatus(found.phone)}`,
      expiresAt: found.expiresAt,
    };
  }

  /**
   * Sends the code that binds an invitation's enrollment to the user's phone (D15): the phone-enrollment
   * code path, its ten minutes and its budgets (R22, R26). Past a budget nothing is sent and the code can
   * never complete; asking again replaces the code.
   */
  async sendInvitationCode(token: string): Promise<{ expiresAt: number }> {
    const { repository, guard, messages, random, clock, codeTtlMs } = this.options;
    const found = await this.liveInvitation(token);
    const e164 = `+${found.countryCode}${found.phone}`;
    const admitted = await guard.admitEnrollment(e164);
    const id = this.invitationCodeId(found.digest);
    const code = random.digits(6);
    const now = clock.now();
    const expiresAt = now + codeTtlMs;
    await repository.replacePhoneEnrollment({
      id,
      userId: admitted ? found.userId : null,
      digest: this.digest(`invitation-code:${id}`, code),
      now,
      expiresAt,
    });
    await messages.enqueue(
      {
        appId: null,
        channel: 'sms',
        to: e164,
        body: `Your Countersign device code is ${code}`,
        sandbox: false,
      },
      { expiresAt, decoy: !admitted },
    );
    return { expiresAt };
  }

  /**
   * Enrolls a device with an invitation and the code its phone received (D15), as the app-initiated kind
   * (D8): the code's tries are counted, then the code and the invitation are each used once.
   */
  async enrollWithInvitation(token: string, code: string, input: EnrollmentInput): Promise<Enrolled> {
    const { repository, invitations, clock } = this.options;
    const jwk = checkProof(input.publicKey, input.proof, (key) =>
      invitationEnrollmentDocument(token, code, key),
    );
    const found = await this.liveInvitation(token);
    const id = this.invitationCodeId(found.digest);
    const now = clock.now();
    const attempt = await repository.tryPhoneEnrollment(id, PHONE_ENROLLMENT_TRIES, now);
    if (attempt === undefined) throw new AuthyError('60034');
    if (
      !constantTimeEqual(attempt.digest, this.digest(`invitation-code:${id}`, code)) ||
      attempt.userId !== found.userId
    ) {
      throw new AuthyError('60036', { event: 'authn_login_fail' });
    }
    if (!(await repository.usePhoneEnrollment(id, now))) throw new AuthyError('60034');
    const used = await invitations.use(found.digest, now);
    if (used === undefined) throw new AuthyError('60034');
    return this.createDevice(used.userId, used.appId, jwk, input, 'invitation');
  }

  private async createDevice(
    userId: number,
    enrolledAppId: number | null,
    jwk: PublicJwk,
    input: EnrollmentInput,
    method?: 'invitation',
  ): Promise<Enrolled> {
    const { repository, users, securityLog, random, clock } = this.options;
    const device = {
      id: random.uuid(),
      userId,
      enrolledAppId,
      publicKey: jwk,
      name: input.name,
      platform: input.platform,
      createdAt: clock.now(),
    };
    await repository.insert(device);
    await securityLog.record({
      id: random.uuid(),
      type: 'device.registered',
      appId: enrolledAppId,
      userId,
      deviceId: device.id,
      detail: {
        name: input.name,
        platform: input.platform,
        method: method ?? (enrolledAppId === null ? 'phone' : 'link'),
      },
      now: device.createdAt,
    });
    return {
      deviceId: device.id,
      accounts: await accountsOf({ ...device, lastSeenAt: null, revokedAt: null, hasPasskey: false }, users),
    };
  }
}

/** The key a device enrolls, once its proof shows the device holds the private half (R27). */
function checkProof(publicKey: unknown, proof: string, document: (jwk: PublicJwk) => object): PublicJwk {
  const jwk = parsePublicJwk(publicKey);
  if (jwk === undefined) throw new AuthyError('60034', { message: 'The public key must be a P-256 JWK' });
  if (!verifySignature(toKeyObject(jwk), canonicalJson(document(jwk)), proof)) {
    throw new AuthyError('60034', { message: 'The proof of possession does not verify' });
  }
  return jwk;
}
