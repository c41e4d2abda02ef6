import { type App, policyOf } from '../apps/app.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError, invalidTwilioParameter } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { type Channel, MessagingError, type MessagingProvider } from '../messaging/messaging-provider.js';
import type { SendGuard } from '../messaging/send-guard.js';
import type { VerificationTally } from '../overview/verification-tally.js';
import { type PhoneNumber, parseE164 } from '../users/phone-number.js';
import type {
  SendAttempt,
  SendPlan,
  VerificationRepository,
  VerificationRow,
} from './verification.repository.js';
import type { VerifyService } from './verify-service.js';
import { notFound } from './verify-service.service.js';
import { isSid, newSid } from './verify-sid.js';

/** Checks a verification takes before it is spent (Twilio's 60202). */
export const MAX_CHECKS = 5;
/** Codes a number may be sent by one service in ten minutes (Twilio's 60203). */
export const MAX_SENDS = 5;
const SEND_WINDOW_MS = 10 * 60_000;

/** Verify's statuses, `expired` read from the expiry. */
export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';
/** The statuses after which Twilio deletes a verification: a fetch finds it no more. */
const FINISHED: ReadonlySet<VerificationStatus> = new Set(['approved', 'canceled', 'expired']);

/** A verification as the API shows it. */
export interface Verification {
  readonly sid: string;
  readonly serviceSid: string;
  readonly to: string;
  readonly channel: string;
  readonly status: VerificationStatus;
  readonly sends: readonly SendAttempt[];
  /** The number's line type, when the service has lookups on (libphonenumber's reading, no carrier). */
  readonly lineType: string | null | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface StartVerification {
  readonly to: string;
  readonly channel: Channel;
  readonly customFriendlyName?: string | undefined;
}

export interface VerificationServiceOptions {
  readonly repository: VerificationRepository;
  readonly messaging: MessagingProvider;
  readonly guard: SendGuard;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  readonly usage: UsageCounter;
  readonly tally: VerificationTally;
  /** How long a code works: the server's `CODE_TTL_SECONDS`, as on the Authy side. */
  readonly codeTtlSeconds: number;
}

/** Twilio's line types, from libphonenumber's number types. */
const LINE_TYPES: Record<string, string> = {
  MOBILE: 'mobile',
  FIXED_LINE_OR_MOBILE: 'mobile',
  FIXED_LINE: 'landline',
  VOIP: 'voip',
  TOLL_FREE: 'tollfree',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'sharedcost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

const lineTypeOf = (phone: PhoneNumber) =>
  phone.type === undefined ? null : (LINE_TYPES[phone.type] ?? null);

/**
 * Verify v2 verifications: a code sent by SMS or voice through the same provider, budgets and outbox as the
 * Authy side's phone verification, kept only as a peppered HMAC (R66), checked five times at most and
 * accepted once (each a conditional statement).
 */
export class VerificationService {
  constructor(private readonly options: VerificationServiceOptions) {}

  /** The digest a code is kept as, bound to its verification. */
  private digest(sid: string, code: string): string {
    return hmacHex(this.options.keys.pepper, `verify:${sid}:${code}`);
  }

  /** The number in `To`, or 400 / 60200. */
  private phone(to: string): PhoneNumber {
    const phone = parseE164(to);
    if (phone === undefined || !phone.valid) {
      throw invalidTwilioParameter('To', 'is not a valid phone number in E.164 (+15017122661)');
    }
    return phone;
  }

  private async shown(row: VerificationRow, service: VerifyService): Promise<Verification> {
    const now = this.options.clock.now();
    const phone = service.lookupEnabled ? parseE164(row.to) : undefined;
    return {
      sid: row.sid,
      serviceSid: row.serviceSid,
      to: row.to,
      channel: row.channel,
      status:
        row.status === 'pending' && row.expiresAt <= now ? 'expired' : (row.status as VerificationStatus),
      sends: await this.options.repository.sends(row.sid),
      lineType: service.lookupEnabled ? (phone === undefined ? null : lineTypeOf(phone)) : undefined,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /**
   * Sends a code to `To`. A pending verification of the number in this service is sent again (same SID, a new
   * code); otherwise a new one starts. Refused: a landline by SMS (60205), a sixth send in ten minutes
   * (60203, or 60212 when sends made at the same time filled the window after this one counted), the app's
   * countries and budgets (as on the Authy side). A send the provider refuses is given
   * back: it counts toward no limit (R75).
   */
  async start(app: App, service: VerifyService, input: StartVerification): Promise<Verification> {
    const { repository, clock, random, guard, messaging } = this.options;
    const phone = this.phone(input.to);
    if (input.channel === 'sms' && phone.type === 'FIXED_LINE') throw new AuthyError('60205');
    const now = clock.now();
    if ((await repository.countSends(service.sid, phone.e164, now - SEND_WINDOW_MS)) >= MAX_SENDS) {
      throw new AuthyError('60203', { event: 'excess_rate_limit_exceeded' });
    }
    const charge = await guard.admit(app, phone, null);
    const code = random.digits(service.codeLength);
    const send: SendAttempt = { sid: newSid('VL', random), channel: input.channel, sentAt: now };
    const expiresAt = now + this.options.codeTtlSeconds * 1000;
    const started = await repository.startSend(
      { appId: app.id, serviceSid: service.sid, to: phone.e164 },
      { since: now - SEND_WINDOW_MS, max: MAX_SENDS },
      send,
      (latest): SendPlan => {
        if (latest !== undefined && latest.status === 'pending' && latest.expiresAt > now) {
          return {
            resend: latest,
            change: { codeDigest: this.digest(latest.sid, code), channel: input.channel, expiresAt },
          };
        }
        const sid = newSid('VE', random);
        return {
          insert: {
            sid,
            appId: app.id,
            serviceSid: service.sid,
            to: phone.e164,
            channel: input.channel,
            codeDigest: this.digest(sid, code),
            createdAt: now,
            expiresAt,
          },
        };
      },
    );
    if (started.limited) {
      // The count above had room: requests for the number made at the same time took it (Twilio's 60212).
      await guard.refund(charge);
      throw new AuthyError('60212', { event: 'excess_rate_limit_exceeded' });
    }
    const row = started.row;
    try {
      await messaging.send({
        appId: app.id,
        channel: input.channel,
        to: phone.e164,
        body: this.message(service, input.customFriendlyName, code),
        sandbox: policyOf(app).sandbox,
      });
    } catch (error) {
      await repository.forgetSend(send.sid);
      await guard.refund(charge);
      if (error instanceof MessagingError) {
        throw new AuthyError('60015', {
          message: 'The verification code could not be sent. Try again later.',
        });
      }
      throw error;
    }
    this.options.usage.count(app.id, input.channel === 'sms' ? 'sms' : 'calls');
    return this.shown(row, service);
  }

  /** Twilio's English template; the code ends the sentence it is in. */
  private message(service: VerifyService, customName: string | undefined, code: string): string {
    const text = `Your ${customName ?? service.friendlyName} verification code is: ${code}.`;
    return service.doNotShareWarningEnabled
      ? `${text} Don't share this code with anyone; our employees will never ask for the code.`
      : text;
  }

  /**
   * The verification with this SID, or the newest of the number `sidOrTo`, in this service; else 404. One that
   * is finished (approved, canceled or expired) is 404 too, as Twilio deletes it then.
   */
  async fetch(app: App, service: VerifyService, sidOrTo: string): Promise<Verification> {
    const shown = await this.shown(await this.find(app, service, sidOrTo), service);
    if (FINISHED.has(shown.status)) throw notFound(`/Services/${service.sid}/Verifications/${sidOrTo}`);
    return shown;
  }

  private async find(app: App, service: VerifyService, sidOrTo: string): Promise<VerificationRow> {
    const { repository } = this.options;
    const row = isSid('VE', sidOrTo)
      ? await repository.findBySid(app.id, service.sid, sidOrTo)
      : sidOrTo.startsWith('+')
        ? await repository.latestTo(app.id, service.sid, sidOrTo)
        : undefined;
    if (row === undefined) throw notFound(`/Services/${service.sid}/Verifications/${sidOrTo}`);
    return row;
  }

  /** Cancels or approves a pending verification (without a code); 404 once it is not pending. */
  async update(
    app: App,
    service: VerifyService,
    sid: string,
    status: 'canceled' | 'approved',
  ): Promise<Verification> {
    const row = await this.find(app, service, sid);
    const now = this.options.clock.now();
    if (!(await this.options.repository.settle(row.sid, status, now))) {
      throw notFound(`/Services/${service.sid}/Verifications/${sid}`);
    }
    return this.shown({ ...row, status, updatedAt: now }, service);
  }

  /**
   * Checks a code against the pending verification of `To` (or `VerificationSid`). A wrong code answers
   * `pending` (or `max_attempts_reached` at the fifth); a right one `approved`, once: the approval is one
   * conditional update. A spent verification answers 60202, one not pending (approved, canceled, expired)
   * or unknown 404, as Twilio's are deleted then.
   */
  async check(
    app: App,
    service: VerifyService,
    by: { to?: string | undefined; verificationSid?: string | undefined },
    code: string,
  ): Promise<Verification> {
    const { repository, clock, tally } = this.options;
    const path = `/Services/${service.sid}/VerificationCheck`;
    const row =
      by.verificationSid !== undefined
        ? await repository.findBySid(app.id, service.sid, by.verificationSid)
        : await repository.latestTo(app.id, service.sid, this.phone(by.to ?? '').e164);
    if (row === undefined) throw notFound(path);
    const now = clock.now();
    const spent = () => new AuthyError('60202', { event: 'authn_login_fail_max' });
    if (row.status === 'max_attempts_reached') throw spent();
    const checks = await repository.countCheck(row.sid, MAX_CHECKS, now);
    if (checks === undefined) {
      tally.count({ appId: app.id, kind: 'sms', outcome: 'refused', at: now });
      if (row.status === 'pending' && row.checks >= MAX_CHECKS && row.expiresAt > now) throw spent();
      throw notFound(path);
    }
    if (constantTimeEqual(row.codeDigest, this.digest(row.sid, code))) {
      // A concurrent check with the same code approved it first: this one finds it no longer pending.
      if (!(await repository.settle(row.sid, 'approved', now))) throw notFound(path);
      tally.count({ appId: app.id, kind: 'sms', outcome: 'accepted', at: now });
      this.options.usage.count(app.id, 'auths');
      return this.shown({ ...row, status: 'approved', checks, updatedAt: now }, service);
    }
    tally.count({ appId: app.id, kind: 'sms', outcome: 'refused', at: now });
    const exhausted = checks >= MAX_CHECKS && (await repository.settle(row.sid, 'max_attempts_reached', now));
    return this.shown(
      { ...row, status: exhausted ? 'max_attempts_reached' : 'pending', checks, updatedAt: now },
      service,
    );
  }
}
