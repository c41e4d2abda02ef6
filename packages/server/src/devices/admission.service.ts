import {
  type AdmissionDocument,
  admissionChallenge,
  admissionClaimDocument,
  admissionCode,
  canonicalJson,
  type PublicJwk,
  readAdmissionDocument,
} from '@countersign/protocol';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { UserVerification } from '../apps/app.js';
import { hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import type { Admission, AdmissionClaim } from './admission.js';
import type { AdmissionRepository } from './admission.repository.js';
import { type Device, type Platform, serves } from './device.js';
import type { DeviceRepository } from './device.repository.js';
import { type Account, type AccountSource, accountsOf } from './device-accounts.js';
import { type SignedRequest, verifySignedRequest } from './device-auth.js';
import { parsePublicJwk, toKeyObject, verifySignature } from './device-key.js';
import type { UserVerificationService, UvOutcome } from './user-verification.service.js';

/** How long an admission link lives, claimed or not (R26: ten minutes at most). */
export const ADMISSION_TTL_MS = 10 * 60_000;
/** An admission id: a UUID as `Random.uuid` makes it. */
const ADMISSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How far the holding device's `signed_at` may be from the service's clock. */
const SIGNING_SKEW_MS = 5 * 60_000;

/** Every way a link can fail to be claimed answers alike: unknown, expired and used tokens are one. */
const linkRefused = () =>
  new AuthyError('60034', { message: 'The admission link is invalid, used or expired' });

/** Another device's admission answers exactly as an unknown one; only the log tells them apart (R9). */
const admissionNotFound = (exists: boolean) =>
  new AuthyError('60031', {
    status: 404,
    message: 'Admission not found',
    ...(exists && { event: 'authz_fail' as const }),
  });

const notWaiting = (state: 'expired' | AdmissionStatusView) =>
  state === 'expired'
    ? new AuthyError('60034', { status: 410, message: 'The admission expired' })
    : new AuthyError('60034', {
        status: 409,
        message:
          state === 'pending'
            ? 'No device has claimed the admission yet'
            : `The admission is no longer waiting: it was ${state}`,
      });

const mismatch = (what: string) =>
  new AuthyError('60034', {
    message: `The admission document does not match the admission: ${what}`,
    event: 'authz_fail',
  });

/** An admission's state as its devices see it: `expired` once its time passed undecided. */
export type AdmissionStatusView = 'pending' | 'claimed' | 'approved' | 'denied' | 'expired';

/** What the holding device sees of an admission. */
export interface AdmissionView {
  readonly id: string;
  readonly status: AdmissionStatusView;
  readonly expiresAt: number;
  readonly authyId: number;
  readonly appId: number | null;
  /** The app's setting (the strictest of its apps for a device enrolled by phone): whether approving needs the user (D14). */
  readonly userVerification: UserVerification;
  /** The device that claimed it, with the comparison code both screens show. */
  readonly newDevice: {
    readonly deviceId: string;
    readonly publicKey: PublicJwk;
    readonly name: string;
    readonly platform: Platform;
    readonly code: string;
  } | null;
}

/** What the new device learns of its admission; once approved, what an enrollment answers. */
export type AdmissionOutcome =
  | { readonly status: Exclude<AdmissionStatusView, 'approved'> }
  | { readonly status: 'approved'; readonly deviceId: string; readonly accounts: Account[] };

export interface ClaimInput {
  publicKey: unknown;
  name: string;
  platform: Platform;
  proof: string;
}

/** The apps of a user, with their user verification settings, and their TOTP seeds. */
export interface AdmissionUsers extends AccountSource {
  links(
    userId: number,
  ): Promise<
    Array<Awaited<ReturnType<AccountSource['links']>>[number] & { userVerification: UserVerification }>
  >;
}

export interface AdmissionServiceOptions {
  readonly repository: AdmissionRepository;
  readonly devices: DeviceRepository;
  /** The apps of a user, with their settings, and their TOTP seeds (the accounts a new device gets). */
  readonly users: AdmissionUsers;
  readonly userVerification: Pick<UserVerificationService, 'checkChallenge'>;
  readonly securityLog: SecurityLog;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  /** The service's public URL, which admission links point to. */
  readonly publicUrl: string;
}

const STRICTNESS: readonly UserVerification[] = ['off', 'preferred', 'required'];

/**
 * Adding a device from one the user holds (docs/device-protocol.md, "Adding a device from another"): the
 * holding device opens a one-time link, a new device claims it with its own new key, the holding device
 * signs the admission (with user verification where its app asks for it, D14), and the new device becomes
 * a device of the holding device's user and app — never more (D8).
 */
export class AdmissionService {
  constructor(private readonly options: AdmissionServiceOptions) {}

  private digest(token: string): string {
    return hmacHex(this.options.keys.pepper, `admission:${token}`);
  }

  /** Opens an admission: a link with a 256-bit single-use token, of which only the digest is kept (R26). */
  async start(holder: Device): Promise<{ id: string; url: string; expiresAt: number }> {
    const { repository, securityLog, random, clock, publicUrl } = this.options;
    const token = random.bytes(32).toString('base64url');
    const id = random.uuid();
    const now = clock.now();
    const expiresAt = now + ADMISSION_TTL_MS;
    await repository.insert({ id, digest: this.digest(token), holder, now, expiresAt });
    await securityLog.record({
      id: random.uuid(),
      type: 'device.admission_started',
      appId: holder.enrolledAppId,
      userId: holder.userId,
      deviceId: holder.id,
      detail: { admission_id: id },
      now,
    });
    return { id, url: `${publicUrl}/authenticator/#admit=${token}`, expiresAt };
  }

  /**
   * Claims an admission link for a new device, once: the proof shows it holds its new key (R27), and of
   * concurrent claims exactly one wins. Gives the admission, the new device's id-to-be and the comparison
   * code.
   */
  async claim(
    token: string,
    input: ClaimInput,
  ): Promise<{ admissionId: string; deviceId: string; code: string; expiresAt: number }> {
    const { repository, securityLog, random, clock } = this.options;
    const jwk = parsePublicJwk(input.publicKey);
    if (jwk === undefined) throw new AuthyError('60034', { message: 'The public key must be a P-256 JWK' });
    const document = admissionClaimDocument(token, jwk, input.name, input.platform);
    if (!verifySignature(toKeyObject(jwk), canonicalJson(document), input.proof)) {
      throw new AuthyError('60034', { message: 'The proof of possession does not verify' });
    }
    const now = clock.now();
    const claim = { deviceId: random.uuid(), publicKey: jwk, name: input.name, platform: input.platform };
    const admission = await repository.claim(this.digest(token), claim, now);
    if (admission === undefined) throw linkRefused();
    await securityLog.record({
      id: random.uuid(),
      type: 'device.admission_claimed',
      appId: admission.enrolledAppId,
      userId: admission.userId,
      deviceId: admission.holderDeviceId,
      detail: {
        admission_id: admission.id,
        new_device_id: claim.deviceId,
        name: input.name,
        platform: input.platform,
      },
      now,
    });
    return {
      admissionId: admission.id,
      deviceId: claim.deviceId,
      code: admissionCode(admission.id, jwk),
      expiresAt: admission.expiresAt,
    };
  }

  /** The admission as its holding device sees it; any other device is told it does not exist. */
  async view(holder: Device, id: string): Promise<AdmissionView> {
    const admission = await this.held(holder, id);
    const { claim } = admission;
    return {
      id: admission.id,
      status: this.statusOf(admission),
      expiresAt: admission.expiresAt,
      authyId: admission.userId,
      appId: admission.enrolledAppId,
      userVerification: await this.settingOf(holder),
      newDevice: claim === null ? null : { ...claim, code: admissionCode(admission.id, claim.publicKey) },
    };
  }

  /**
   * Approves a claimed admission with the holding device's signature over the admission document, and its
   * passkey's assertion over that document's hash where its app asks for user verification (D14). Exactly
   * once, and in the same transaction the new device is created with the holding device's scope.
   */
  async approve(
    holder: Device,
    id: string,
    input: { document: unknown; signature: string; assertion?: AuthenticationResponseJSON },
  ): Promise<UvOutcome> {
    const { repository, userVerification, securityLog, random, clock } = this.options;
    const admission = await this.held(holder, id);
    const now = clock.now();
    const status = this.statusOf(admission, now);
    const claim = admission.claim;
    if (status !== 'claimed' || claim === null) throw notWaiting(status);
    const document = this.verifiedDocument(holder, admission, claim, input, now);
    const uv = await userVerification.checkChallenge(
      holder,
      await this.settingOf(holder),
      { approval: true, challenge: admissionChallenge(document) },
      input.assertion,
    );
    const device = {
      id: claim.deviceId,
      userId: admission.userId,
      enrolledAppId: admission.enrolledAppId,
      publicKey: claim.publicKey,
      name: claim.name,
      platform: claim.platform,
      createdAt: now,
    };
    const approved = await repository.approve(
      admission,
      { document: canonicalJson(document), signature: input.signature },
      device,
      now,
    );
    if (!approved) {
      const latest = await repository.find(id);
      throw notWaiting(latest === undefined ? 'expired' : this.statusOf(latest, now));
    }
    await securityLog.record({
      id: random.uuid(),
      type: 'device.registered',
      appId: admission.enrolledAppId,
      userId: admission.userId,
      deviceId: device.id,
      detail: {
        name: device.name,
        platform: device.platform,
        method: 'admission',
        admission_id: admission.id,
        by: holder.id,
        uv: uv.uv,
      },
      now,
    });
    return uv;
  }

  /** Denies an admission, claimed or not, once: its link can no longer be claimed nor approved. */
  async deny(holder: Device, id: string): Promise<void> {
    const { repository, securityLog, random, clock } = this.options;
    const admission = await this.held(holder, id);
    const now = clock.now();
    if (!(await repository.deny(admission.id, now))) throw notWaiting(this.statusOf(admission, now));
    await securityLog.record({
      id: random.uuid(),
      type: 'device.admission_denied',
      appId: admission.enrolledAppId,
      userId: admission.userId,
      deviceId: holder.id,
      detail: { admission_id: admission.id, new_device_id: admission.claim?.deviceId ?? null },
      now,
    });
  }

  /**
   * The admission's outcome for the new device, which signs this request with its new key under its
   * device id-to-be (`Countersign-Device`); once approved, its id and accounts, as an enrollment answers.
   */
  async outcome(id: string, request: SignedRequest): Promise<AdmissionOutcome> {
    const { devices, clock } = this.options;
    const admission = await this.find(id);
    const claim = admission?.claim ?? null;
    await verifySignedRequest(
      {
        find: async (deviceId) =>
          claim !== null && claim.deviceId === deviceId
            ? { id: deviceId, publicKey: claim.publicKey }
            : undefined,
        useNonce: (deviceId, nonce, expiresAt) => devices.useNonce(deviceId, nonce, expiresAt),
      },
      clock,
      request,
    );
    if (admission === undefined || claim === null) throw admissionNotFound(false);
    const status = this.statusOf(admission);
    if (status !== 'approved') return { status };
    const device = await devices.find(claim.deviceId);
    if (device === undefined || device.revokedAt !== null) return { status: 'denied' };
    return {
      status: 'approved',
      deviceId: device.id,
      accounts: await accountsOf(device, this.options.users),
    };
  }

  /** The admission, if `holder` opened it; to any other device it does not exist (D8). */
  private async held(holder: Device, id: string): Promise<Admission> {
    const admission = await this.find(id);
    if (admission === undefined || admission.holderDeviceId !== holder.id) {
      throw admissionNotFound(admission !== undefined);
    }
    return admission;
  }

  /** The admission, when `id` is one's: anything else (a NUL byte PostgreSQL refuses…) is never looked up. */
  private find(id: string): Promise<Admission | undefined> {
    return ADMISSION_ID.test(id) ? this.options.repository.find(id) : Promise.resolve(undefined);
  }

  private statusOf(admission: Admission, now: number = this.options.clock.now()): AdmissionStatusView {
    const open = admission.status === 'pending' || admission.status === 'claimed';
    return open && admission.expiresAt <= now ? 'expired' : admission.status;
  }

  /**
   * Whether approving needs the user (D14): the setting of the app that enrolled the holding device, or,
   * for a device enrolled by phone, the strictest of the apps it answers.
   */
  private async settingOf(holder: Device): Promise<UserVerification> {
    const links = await this.options.users.links(holder.userId);
    const served = links.filter((link) => serves(holder, link.appId, link.profile));
    if (served.length === 0) return 'preferred';
    return served.reduce<UserVerification>(
      (strictest, link) =>
        STRICTNESS.indexOf(link.userVerification) > STRICTNESS.indexOf(strictest)
          ? link.userVerification
          : strictest,
      'off',
    );
  }

  /**
   * The holding device's admission document, once its signature verifies and every member is this
   * admission as the service recorded it: the claimed key, name and platform, the holding device and its
   * scope, and a signing time near now.
   */
  private verifiedDocument(
    holder: Device,
    admission: Admission,
    claim: AdmissionClaim,
    input: { document: unknown; signature: string },
    now: number,
  ): AdmissionDocument {
    const read = readAdmissionDocument(input.document);
    if ('problem' in read) throw mismatch(read.problem);
    const document = read.document;
    if (!verifySignature(toKeyObject(holder.publicKey), canonicalJson(document), input.signature)) {
      throw new AuthyError('60031', {
        status: 401,
        message: 'Could not verify the admission signature',
        event: 'authn_login_fail',
      });
    }
    if (document.admission_id !== admission.id) throw mismatch('admission_id');
    if (document.device_id !== holder.id) throw mismatch('device_id');
    if (document.new_device_id !== claim.deviceId) throw mismatch('new_device_id');
    if (canonicalJson(document.new_public_key) !== canonicalJson(claim.publicKey)) {
      throw mismatch('new_public_key');
    }
    // A device is let in with its own new key, never with the key of the device that admits it.
    if (canonicalJson(claim.publicKey) === canonicalJson(holder.publicKey)) throw mismatch('new_public_key');
    if (document.new_device_name !== claim.name) throw mismatch('new_device_name');
    if (document.new_device_platform !== claim.platform) throw mismatch('new_device_platform');
    if (document.authy_id !== admission.userId) throw mismatch('authy_id');
    if (document.app_id !== admission.enrolledAppId) throw mismatch('app_id');
    if (Math.abs(now - document.signed_at) > SIGNING_SKEW_MS) throw mismatch('signed_at');
    return document;
  }
}
