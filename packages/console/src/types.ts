// The documents of the console API (docs/console-api.md), exactly as its routes send them: each one is built
// by the server's shared document builders (`appDocument`, `userDocument`, `operatorRequestDocument`,
// `callbackDocument`, the audit chain's entries), which the command line prints too.

export type Role = 'admin' | 'viewer';

export interface OperatorRef {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
}

/** `GET /console/api/session`. */
export interface Session {
  readonly operator: OperatorRef;
  readonly csrf_token: string;
  readonly expires_at: string;
  readonly idle_expires_at: string;
  readonly fresh_until: string | null;
}

export interface OperatorRow extends OperatorRef {
  readonly created_at: string;
  readonly passkeys: number;
  readonly signed_in_at: string | null;
  readonly setup_pending: boolean;
}

export const NUMBER_MATCHING = ['off', '2', '6'] as const;
export const USER_VERIFICATION = ['required', 'preferred', 'off'] as const;
export const PROFILES = ['compat', 'strict', 'psd2', 'sandbox'] as const;

/** An app's settings as the server shows them (`appDocument`): budgets are the app's own or the server's. */
export interface AppSettings {
  readonly name: string;
  readonly number_matching: (typeof NUMBER_MATCHING)[number];
  readonly token_length: number;
  readonly callback_url: string | null;
  readonly callback_expired: boolean;
  readonly sms_per_hour: number;
  readonly sms_per_day: number;
  /** ISO 3166 alpha-2 codes, or every country. */
  readonly sms_countries: readonly string[] | 'all';
  readonly user_verification: (typeof USER_VERIFICATION)[number];
}

/**
 * The settings as `POST /apps` and `PATCH /apps/:id` take them, each optional: `""` removes the callback URL,
 * `"default"` gives a budget back to the server's.
 */
export interface SettingsChange {
  name?: string;
  number_matching?: AppSettings['number_matching'];
  token_length?: number;
  callback_url?: string;
  callback_expired?: boolean;
  sms_per_hour?: number | 'default';
  sms_per_day?: number | 'default';
  sms_countries?: string[] | 'all';
  user_verification?: AppSettings['user_verification'];
}

/** `countersign apps show --json`'s document. */
export interface AppDoc extends AppSettings {
  readonly id: number;
  readonly profile: (typeof PROFILES)[number];
  /** The service stopped calling the URL back (it kept failing) until it is changed. */
  readonly callback_disabled: boolean;
  readonly disabled_at: string | null;
  /** The Basic-auth user name of the Twilio Verify v2 API (`/v2`), with the app's API key as the password. */
  readonly account_sid: string;
  readonly created_at: string;
}

/** A user's link to an app, as `users list --json` and the search list it (phone masked). */
export interface UserLink {
  readonly authy_id: number;
  readonly app_id: number;
  readonly app_name: string;
  readonly email: string;
  readonly phone: string;
  readonly locked: boolean;
  readonly created_at: string;
}

/** A device as `users show` and `devices list` show it. */
export interface DeviceDoc {
  readonly device_id: string;
  readonly authy_id: number;
  /** `null`: it proved the phone and answers every app that allows it. */
  readonly enrolled_app_id: number | null;
  readonly name: string;
  readonly platform: string;
  readonly created_at: string;
  readonly last_seen_at: string | null;
  readonly revoked_at: string | null;
}

/** `countersign users show --json`'s document (phone masked). */
export interface UserDoc {
  readonly authy_id: number;
  readonly phone: string;
  readonly apps: readonly {
    readonly app_id: number;
    readonly app_name: string;
    readonly email: string;
    readonly failed_attempts: number;
    /** `null` unless locked now. */
    readonly locked_until: string | null;
    readonly pushes_paused_until: string | null;
    readonly pending_requests: number;
    readonly created_at: string;
  }[];
  readonly devices: readonly DeviceDoc[];
}

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** `countersign requests show UUID --json`'s document: never the hidden details. */
export interface RequestDoc {
  readonly uuid: string;
  readonly app_id: number;
  readonly app_name: string;
  readonly authy_id: number;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly status: RequestStatus;
  readonly reason: string | null;
  readonly device_id: string | null;
  readonly device_name: string | null;
  readonly created_at: string;
  /** `null`: it never expires. */
  readonly expires_at: string | null;
  readonly answered_at: string | null;
  /** The JWS of the answer; `null` while pending (and for a request that expired unanswered). */
  readonly receipt: string | null;
}

export type CallbackState = 'pending' | 'delivered' | 'failed' | 'skipped' | 'disabled';

/** A row of `countersign webhooks list --json`: a callback event and its delivery. */
export interface CallbackDoc {
  readonly id: string;
  readonly app_id: number;
  /** The request it is about. */
  readonly uuid: string;
  /** The request's status it reports. */
  readonly status: string;
  readonly state: CallbackState;
  readonly attempts: number;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly next_attempt_at: string | null;
  readonly created_at: string;
}

export interface AttemptDoc {
  readonly attempt: number;
  readonly attempted_at: string;
  readonly duration_ms: number;
  readonly status_code: number | null;
  readonly error: string | null;
}

/** A message of the console messaging provider, its recipient masked but for the last four digits. */
export interface OutboxMessage {
  readonly id: string;
  readonly app_id: number;
  readonly channel: string;
  readonly to: string;
  readonly body: string;
  readonly created_at: string;
}

export interface SecurityEvent {
  readonly id: string;
  readonly type: string;
  readonly app_id: number | null;
  readonly user_id: number | null;
  readonly device_id: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly created_at: string;
}

/** An entry of the audit chain, `at` in ISO 8601. */
export interface AuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  /** Where the change came from: an address, or `cli`. */
  readonly from: string;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/** `countersign audit verify`'s verdict on the chain. */
export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly last_seq: number; readonly heads: number }
  | { readonly ok: false; readonly kind: string; readonly seq: number; readonly message: string };
