import { type App, policyOf } from '../apps/app.js';
import { hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { SecurityLog } from '../operations/security-log.js';
import type { BudgetWindow, SendBudgetRepository } from './send-budget.repository.js';

export interface SendGuardOptions {
  readonly budgets: SendBudgetRepository;
  readonly securityLog: SecurityLog;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  readonly limits: SendLimits;
}

/** The server's budgets; an app's own `smsPerHour` / `smsPerDay` replace the first two. */
export interface SendLimits {
  readonly appPerHour: number;
  readonly appPerDay: number;
  readonly phonePerHour: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Device-enrollment codes one phone may be sent in ten minutes (R22). */
const ENROLLMENT_PER_10_MINUTES = 5;

type BudgetName = 'app_hour' | 'app_day' | 'phone_hour' | 'enrollment_10_minutes' | 'enrollment_hour';

interface Budget extends BudgetWindow {
  readonly name: BudgetName;
}

/** The window of `length` that holds `now`: hours and days begin on the UTC hour and at UTC midnight. */
function budget(name: BudgetName, key: string, length: number, limit: number, now: number): Budget {
  const start = now - (now % length);
  return { name, key: `${key}:${length}`, start, end: start + length, limit };
}

/** What a send was counted in, to give back should the provider refuse it. */
export interface Charge {
  readonly windows: readonly BudgetWindow[];
}

const NOTHING: Charge = { windows: [] };

/** Where a code is going: the number, and its country as libphonenumber reads it (none for +800 and the like). */
export interface Destination {
  readonly e164: string;
  readonly country: string | undefined;
}

const REFUSALS: Record<BudgetName, string> = {
  app_hour: "The app's SMS and voice budget for this hour is spent. Try again later.",
  app_day: "The app's SMS and voice budget for today is spent. Try again later.",
  phone_hour: 'Too many codes were sent to this phone number. Try again later.',
  enrollment_10_minutes: 'Too many codes were sent to this phone number. Try again later.',
  enrollment_hour: 'Too many codes were sent to this phone number. Try again later.',
};

/**
 * Decides whether a code may go out by SMS or voice, against SMS pumping (R12, R22): an app sends only to
 * the countries it allows, at most its budget an hour and a day across all numbers, and a phone number is
 * sent at most `phonePerHour` codes an hour by all apps together. Counts are kept in the database, so they
 * hold across instances. Numbers are counted under a peppered HMAC, never in clear.
 */
export class SendGuard {
  constructor(private readonly options: SendGuardOptions) {}

  private phone(e164: string): string {
    return hmacHex(this.options.keys.pepper, `send-budget:${e164}`);
  }

  /**
   * Admits a code that `app` sends to `to` and counts it. Refuses a country the app does not send to with
   * 400 / 60013, and a spent budget with 429 / 60003, `Retry-After` and a security event, counting nothing.
   * Sandbox apps send nothing (docs/sandbox.md), so nothing limits them.
   */
  async admit(app: App, to: Destination, userId: number | null): Promise<Charge> {
    if (policyOf(app).sandbox) return NOTHING;
    if (app.smsCountries !== null && (to.country === undefined || !app.smsCountries.includes(to.country)))
      throw new AuthyError('60013');
    const now = this.options.clock.now();
    const windows = [
      budget('app_hour', `app:${app.id}`, HOUR, app.smsPerHour ?? this.options.limits.appPerHour, now),
      budget('app_day', `app:${app.id}`, DAY, app.smsPerDay ?? this.options.limits.appPerDay, now),
      budget('phone_hour', `phone:${this.phone(to.e164)}`, HOUR, this.options.limits.phonePerHour, now),
    ];
    const full = await this.reserve(windows, app.id, userId, now);
    if (full !== undefined) {
      throw new AuthyError('60003', {
        message: REFUSALS[full.name],
        headers: { 'retry-after': String(Math.max(1, Math.ceil((full.end - now) / 1000))) },
        event: 'excess_rate_limit_exceeded',
      });
    }
    return { windows };
  }

  /**
   * Counts a device-enrollment code to `e164`; `false` when a budget is spent, and then nothing may be
   * sent. These codes have no app, and anyone may ask for one: they are counted apart from the apps' codes,
   * so that nobody can spend the budget a phone's logins need, under the same hourly limit per phone and
   * at most five in ten minutes. The same statements run whoever owns the number (R90).
   */
  async admitEnrollment(e164: string): Promise<boolean> {
    const now = this.options.clock.now();
    const key = `enrollment:${this.phone(e164)}`;
    const windows = [
      budget('enrollment_10_minutes', key, 10 * MINUTE, ENROLLMENT_PER_10_MINUTES, now),
      budget('enrollment_hour', key, HOUR, this.options.limits.phonePerHour, now),
    ];
    return (await this.reserve(windows, null, null, now)) === undefined;
  }

  /** Gives back what a send was counted in when the provider refused it: a failed send costs nothing (R75). */
  refund(charge: Charge): Promise<void> {
    return this.options.budgets.release(charge.windows);
  }

  /** Removes the counts of windows that have ended. */
  forgetEnded(): Promise<void> {
    return this.options.budgets.forgetEnded(this.options.clock.now());
  }

  /** Counts in every window or none; the first refusal in a window is recorded as a security event (R84). */
  private async reserve(
    windows: readonly Budget[],
    appId: number | null,
    userId: number | null,
    now: number,
  ): Promise<Budget | undefined> {
    const full = await this.options.budgets.reserve(windows);
    if (full !== undefined && (await this.options.budgets.firstRefusal(full, now))) {
      await this.options.securityLog.record({
        id: this.options.random.uuid(),
        type: 'sms.limit_exceeded',
        appId,
        userId,
        deviceId: null,
        detail: { budget: full.name, limit: full.limit, window_start: new Date(full.start).toISOString() },
        now,
      });
    }
    return full;
  }
}
