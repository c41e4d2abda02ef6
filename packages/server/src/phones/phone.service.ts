import { type App, policyOf } from '../apps/app.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError, invalidParameter } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { type Channel, MessagingError, type MessagingProvider } from '../messaging/messaging-provider.js';
import type { SendGuard } from '../messaging/send-guard.js';
import type { VerificationTally } from '../overview/verification-tally.js';
import { groupDigits, type PhoneNumber, parseCallingCode } from '../users/phone-number.js';
import { readPhone } from '../users/phone-rule.js';
import type { PhoneVerificationRepository } from './phone-verification.repository.js';

const MAX_CHECKS = 5;
/** Authy's sandbox accepted this code for any number, started or not (docs/sandbox.md). */
const SANDBOX_CODE = '0000';

export interface PhoneSettings {
  codeTtlSeconds: number;
  sendLimitPer10Minutes: number;
}

export interface StartOptions {
  via: Channel;
  codeLength: number;
  customMessage?: string | undefined;
  customCode?: string | undefined;
}

/** Authy line types from libphonenumber's number types. */
const LINE_TYPES: Record<string, string> = {
  MOBILE: 'cellphone',
  FIXED_LINE_OR_MOBILE: 'cellphone',
  FIXED_LINE: 'landline',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal_number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

function lineType(phone: PhoneNumber): string {
  return phone.type === undefined ? 'unknown' : (LINE_TYPES[phone.type] ?? 'unknown');
}

/** `+1 201-555-0123`, as Authy wrote numbers in its messages. */
export function displayNumber(phone: PhoneNumber): string {
  return `+${phone.countryCode} ${groupDigits(phone.national)}`;
}

export interface PhoneServiceOptions {
  readonly repository: PhoneVerificationRepository;
  readonly messaging: MessagingProvider;
  readonly guard: SendGuard;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  readonly usage: UsageCounter;
  readonly settings: PhoneSettings;
  /** Where each check's outcome is counted (the Overview's counters). */
  readonly tally: VerificationTally;
}

/** Phone verification (send a code, check it) and phone information. */
export class PhoneService {
  private readonly repository: PhoneVerificationRepository;
  private readonly messaging: MessagingProvider;
  private readonly guard: SendGuard;
  private readonly keys: ServiceKeys;
  private readonly random: Random;
  private readonly clock: Clock;
  private readonly usage: UsageCounter;
  private readonly settings: PhoneSettings;

  private readonly tally: VerificationTally;

  constructor(options: PhoneServiceOptions) {
    this.tally = options.tally;
    this.repository = options.repository;
    this.messaging = options.messaging;
    this.guard = options.guard;
    this.keys = options.keys;
    this.random = options.random;
    this.clock = options.clock;
    this.usage = options.usage;
    this.settings = options.settings;
  }

  /** Reads the number or answers 400: 60004 without a country code, 60033 for a number that cannot exist. */
  parse(app: App, countryCode: string, phoneNumber: string, requireValid = true): PhoneNumber {
    if (parseCallingCode(countryCode) === undefined)
      throw invalidParameter('country_code', 'is not a calling code');
    const phone = readPhone(app, phoneNumber, countryCode);
    if (phone === undefined || (requireValid && !phone.valid)) throw new AuthyError('60033');
    return phone;
  }

  private digest(app: App, phone: PhoneNumber, code: string): string {
    return hmacHex(this.keys.pepper, `phone:${app.id}:${phone.e164}:${code}`);
  }

  /**
   * Sends a verification code. The app's countries and budgets, and the phone's, are checked before
   * anything is stored (R12); a failed send leaves nothing usable and counts toward no limit (R75).
   */
  async start(app: App, phone: PhoneNumber, options: StartOptions) {
    const now = this.clock.now();
    const sandbox = policyOf(app).sandbox;
    // Sandbox apps send nothing, so they have nothing to throttle.
    const recent = sandbox
      ? 0
      : await this.repository.countStarts(app.id, phone.countryCode, phone.national, now - 10 * 60_000);
    if (recent >= this.settings.sendLimitPer10Minutes) {
      throw new AuthyError('60003', {
        message: 'Too many verifications were started for this number. Try again later.',
        headers: { 'retry-after': '600' },
        event: 'excess_rate_limit_exceeded',
      });
    }
    const charge = await this.guard.admit(app, phone, null);
    const code = options.customCode ?? this.random.digits(options.codeLength);
    const id = this.random.uuid();
    await this.repository.insert({
      id,
      appId: app.id,
      countryCode: phone.countryCode,
      phone: phone.national,
      via: options.via,
      digest: this.digest(app, phone, code),
      now,
      expiresAt: now + this.settings.codeTtlSeconds * 1000,
    });
    const lead = options.customMessage ?? `Your ${app.name} verification code is`;
    try {
      await this.messaging.send({
        appId: app.id,
        channel: options.via,
        to: phone.e164,
        body: `${lead} ${code}`,
        sandbox,
      });
    } catch (error) {
      await this.repository.setState(id, 'failed_send');
      await this.guard.refund(charge);
      if (error instanceof MessagingError) {
        throw new AuthyError('60015', {
          message: 'The verification code could not be sent. Try again later.',
        });
      }
      throw error;
    }
    await this.repository.activate(id, app.id, phone.countryCode, phone.national);
    this.usage.count(app.id, options.via === 'sms' ? 'sms' : 'calls');
    return {
      carrier: sandbox ? 'Google Voice' : null,
      is_cellphone: !sandbox && lineType(phone) === 'cellphone',
      is_ported: false,
      message:
        options.via === 'sms'
          ? `Text message sent to ${displayNumber(phone)}.`
          : `Call to ${displayNumber(phone)} initiated.`,
      seconds_to_expire: this.settings.codeTtlSeconds - 1,
      uuid: id,
      success: true,
    };
  }

  /** Checks a code: five tries per verification, each code accepted once. */
  async check(app: App, phone: PhoneNumber, code: string): Promise<void> {
    if (policyOf(app).sandbox) {
      if (code === SANDBOX_CODE) return;
      throw new AuthyError('60022', { message: 'Verification code is incorrect.' });
    }
    const now = this.clock.now();
    const row = await this.repository.latest(app.id, phone.countryCode, phone.national);
    const none = () =>
      new AuthyError('60023', { message: `No pending verifications for ${displayNumber(phone)} found.` });
    if (row === undefined || row.state !== 'pending' || row.expires_at <= now) throw none();
    const attempts = await this.repository.countCheck(row.id, MAX_CHECKS, now);
    if (attempts === undefined) {
      // Out of tries or just expired: a check refused, for the Overview.
      this.tally.count({ appId: app.id, kind: 'sms', outcome: 'refused', at: now });
      throw none();
    }
    if (
      constantTimeEqual(row.code_digest, this.digest(app, phone, code)) &&
      (await this.repository.markVerified(row.id))
    ) {
      this.tally.count({ appId: app.id, kind: 'sms', outcome: 'accepted', at: now });
      this.usage.count(app.id, 'auths');
      return;
    }
    const exhausted = attempts >= MAX_CHECKS;
    if (exhausted) await this.repository.setState(row.id, 'failed');
    this.tally.count({ appId: app.id, kind: 'sms', outcome: 'refused', at: now });
    throw new AuthyError('60022', { event: exhausted ? 'authn_login_fail_max' : 'authn_login_fail' });
  }

  async status(app: App, phone: PhoneNumber) {
    const now = this.clock.now();
    const row = await this.repository.latest(app.id, phone.countryCode, phone.national);
    if (row === undefined && policyOf(app).sandbox) {
      return {
        message: 'Phone Verification status.',
        status: 'pending',
        seconds_to_expire: this.settings.codeTtlSeconds - 1,
        success: true,
      };
    }
    if (row === undefined) {
      throw new AuthyError('60023', {
        message: `No pending verifications for ${displayNumber(phone)} found.`,
      });
    }
    const status = row.state === 'pending' && row.expires_at <= now ? 'expired' : row.state;
    return {
      message: 'Phone Verification status.',
      status,
      seconds_to_expire: status === 'pending' ? Math.max(0, Math.floor((row.expires_at - now) / 1000)) : 0,
      success: true,
    };
  }

  info(app: App, phone: PhoneNumber) {
    const stamp = new Date(this.clock.now()).toISOString().replace('T', ' ').slice(0, 19);
    return {
      message: `Phone number information as of ${stamp} UTC`,
      type: policyOf(app).sandbox ? 'landline' : lineType(phone),
      provider: '',
      ported: false,
      valid: phone.valid,
      country: phone.country ?? null,
      formatted: phone.international,
      success: true,
    };
  }
}
