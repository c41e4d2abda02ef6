import type { App } from '../apps/app.js';
import type { Config } from '../config/load-config.js';
import { isoTime } from './iso-time.js';

/** The server's SMS budgets, which an app without its own follows (R12). */
export type ServerBudgets = Pick<Config, 'smsPerHour' | 'smsPerDay'>;

/** The app's SMS and voice budgets, its own or the server's. */
export function smsBudgets(app: App, server: ServerBudgets) {
  return { perHour: app.smsPerHour ?? server.smsPerHour, perDay: app.smsPerDay ?? server.smsPerDay };
}

/**
 * An app's settings as an operator sees them, in `countersign apps … --json`, in the console's answers and in
 * the audit log's before and after: never a key or the webhook secret.
 */
export function appDocument(app: App, server: ServerBudgets) {
  const budgets = smsBudgets(app, server);
  return {
    id: app.id,
    name: app.name,
    profile: app.profile,
    number_matching: app.numberMatching,
    token_length: app.tokenLength,
    callback_url: app.callbackUrl,
    callback_expired: app.callbackExpired,
    callback_disabled: app.callbackDisabledAt !== null,
    sms_per_hour: budgets.perHour,
    sms_per_day: budgets.perDay,
    sms_countries: app.smsCountries ?? 'all',
    user_verification: app.userVerification,
    disabled_at: isoTime(app.disabledAt),
    /** The Basic-auth user name of the Twilio Verify v2 API (`/v2`), with the API key as the password. */
    account_sid: app.accountSid,
    created_at: isoTime(app.createdAt),
  };
}

export type AppDocument = ReturnType<typeof appDocument>;
