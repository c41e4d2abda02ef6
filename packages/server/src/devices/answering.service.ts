import { type AnswerDocument, canonicalJson, displayHash, readAnswerDocument } from '@countersign/protocol';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { type ApprovalService, notAnswerable } from '../approvals/approval.service.js';
import type { AnswerableRequest, HistoryRow } from '../approvals/approval-request.js';
import { constantTimeEqual } from '../crypto/digest.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import type { WindowedSecurityEvents } from '../operations/windowed-security-events.js';
import type { ReceiptSigner } from '../receipts/receipt-signer.js';
import type { UserService } from '../users/user.service.js';
import { type Device, type DeviceRequest, servedScope, serves } from './device.js';
import { toKeyObject, verifySignature } from './device-key.js';
import type { UserVerificationService } from './user-verification.service.js';

/** How far a device's `signed_at` may be from the service's clock. */
const SIGNING_SKEW_MS = 5 * 60_000;
/** "This wasn't me" pauses pushes to the user for this long (R42). */
export const NOT_ME_PAUSE_MS = 60 * 60_000;

export interface AnswerInput {
  document: unknown;
  signature: string;
  /** The passkey's assertion over the answer's challenge, when the device verified its user (D14). */
  assertion?: AuthenticationResponseJSON;
}

/** Another user's or app's request answers exactly as an unknown one; only the log tells them apart (R9). */
const requestNotFound = (exists: boolean) => new AuthyError('60049', exists ? { event: 'authz_fail' } : {});

/** An answer that does not fit its request: 60080, naming what. */
const mismatch = (what: string) =>
  new AuthyError('60080', {
    message: `The answer does not match the approval request: ${what}`,
    event: 'authz_fail',
  });

/** Reads an answer document strictly: exactly the protocol's keys, each of its type (R28). */
function parseAnswer(value: unknown): AnswerDocument {
  const read = readAnswerDocument(value);
  if ('problem' in read) throw mismatch(read.problem);
  return read.document;
}

/** Where a page of history ends: its last request, which the next page starts after. */
export interface HistoryCursor {
  readonly createdAt: number;
  readonly uuid: string;
}

/** A request of a device's history, and whether this device answered it. */
export interface HistoryEntry extends HistoryRow {
  readonly current: boolean;
}

export interface AnsweringServiceOptions {
  /** The approval state machine, which records an answer once. */
  readonly approvals: ApprovalService;
  /** For "this wasn't me": pushes to the user pause. */
  readonly users: Pick<UserService, 'pausePushes'>;
  readonly receipts: ReceiptSigner;
  /** Checks an answer's passkey assertion against its app's setting (D14). */
  readonly userVerification: Pick<UserVerificationService, 'check'>;
  readonly securityLog: SecurityLog;
  /** Refused answers are security events, the first of each device in a minute. */
  readonly refusals: WindowedSecurityEvents;
  readonly random: Random;
  readonly clock: Clock;
  /** The service's public URL: the issuer of receipts. */
  readonly publicUrl: string;
}

/** A device's side of approval requests: the ones it may answer, and its signed answers. */
export class AnsweringService {
  constructor(private readonly options: AnsweringServiceOptions) {}

  /** The pending requests the device may answer, oldest first. */
  async pending(device: Device): Promise<DeviceRequest[]> {
    const requests = await this.options.approvals.pendingFor(device.userId);
    return requests.filter((r) => serves(device, r.appId, r.appProfile));
  }

  /**
   * A page of the final requests the device may see (those of the apps it answers, D8), whichever of the
   * user's devices answered them, newest first. `after` is the previous page's `next`.
   */
  async history(
    device: Device,
    page: { after: HistoryCursor | null; limit: number },
  ): Promise<{ entries: HistoryEntry[]; next: HistoryCursor | null }> {
    // One more than asked: whether it comes says whether there is a next page.
    const rows = await this.options.approvals.history(device.userId, servedScope(device), {
      after: page.after,
      limit: page.limit + 1,
    });
    const entries = rows.slice(0, page.limit).map((row) => ({ ...row, current: row.deviceId === device.id }));
    const last = entries.at(-1);
    const next =
      rows.length > page.limit && last !== undefined ? { createdAt: last.createdAt, uuid: last.uuid } : null;
    return { entries, next };
  }

  /** Whether a published request event concerns this device. */
  async concerns(device: Device, uuid: string): Promise<boolean> {
    const request = await this.options.approvals.answerable(uuid);
    return (
      request !== undefined &&
      request.userId === device.userId &&
      serves(device, request.appId, request.appProfile)
    );
  }

  /**
   * Verifies a signed answer, and its user verification where the app asks for it (D14), and moves the
   * request from pending exactly once (R28, R29, R32, R33). Every refusal leaves the request as it was.
   */
  async answer(device: Device, uuid: string, input: AnswerInput): Promise<'approved' | 'denied'> {
    const { approvals, clock } = this.options;
    const request = await approvals.answerable(uuid);
    if (
      request === undefined ||
      request.userId !== device.userId ||
      !serves(device, request.appId, request.appProfile)
    )
      throw requestNotFound(request !== undefined);
    const now = clock.now();
    let document: AnswerDocument;
    let uv: Awaited<ReturnType<AnsweringServiceOptions['userVerification']['check']>>;
    try {
      document = verifiedAnswer(device, request, input, now);
      if (request.status !== 'pending') throw notAnswerable(request.status);
      if (request.expiresAt !== null && request.expiresAt <= now) throw notAnswerable('expired');
      uv = await this.options.userVerification.check(
        device,
        request.userVerification,
        document,
        input.assertion,
      );
    } catch (error) {
      // An answer too late is no one's fault; a forged, mismatched or unverified one is worth an event.
      if (error instanceof AuthyError && error.code !== '60079') {
        await this.options.refusals.record(`device.answer_refused:${device.id}`, {
          type: 'device.answer_refused',
          appId: request.appId,
          userId: request.userId,
          deviceId: device.id,
          detail: { uuid: request.uuid, error_code: error.code, message: error.message },
        });
      }
      throw error;
    }
    const { status, reason } = outcome(request, document);
    const receipt = await this.options.receipts.sign({
      iss: this.options.publicUrl,
      sub: request.uuid,
      aud: String(request.appId),
      iat: Math.floor(now / 1000),
      status,
      reason,
      device_id: device.id,
      answer: document,
      device_signature: input.signature,
      device_public_key: device.publicKey,
      ...uv,
    });
    await approvals.answer(request, {
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
    await this.options.users.pausePushes(request.appId, request.userId, now + NOT_ME_PAUSE_MS);
    await this.options.securityLog.record({
      id: this.options.random.uuid(),
      type: 'user.suspicious_activity',
      appId: request.appId,
      userId: request.userId,
      deviceId: device.id,
      detail: { uuid: request.uuid, reason: 'not_me' },
      now,
    });
  }
}

/**
 * The device's answer document, once its signature verifies and it is bound to this request as the device
 * was shown it (R28): its uuid, its device, its nonce, the digest of what was displayed, and a signing time
 * near now and not before the request.
 */
function verifiedAnswer(
  device: Device,
  request: AnswerableRequest,
  input: AnswerInput,
  now: number,
): AnswerDocument {
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
  if (
    Math.abs(now - document.signed_at) > SIGNING_SKEW_MS ||
    document.signed_at < request.createdAt - SIGNING_SKEW_MS
  ) {
    throw mismatch('signed_at');
  }
  return document;
}

/** What the answer decides: the device's decision, unless a wrong number turns an approval into a denial (R39). */
function outcome(
  request: AnswerableRequest,
  document: AnswerDocument,
): { status: 'approved' | 'denied'; reason: string | null } {
  if (request.numberMatchRequired && document.decision === 'approved') {
    // A wrong code ends the request: the user may be approving someone else's login.
    const typed = document.number_match ?? '';
    if (!constantTimeEqual(typed, request.numberMatch ?? ''))
      return { status: 'denied', reason: 'number_mismatch' };
  }
  return { status: document.decision, reason: document.reason };
}
