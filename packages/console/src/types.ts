// The documents of the console API (docs/console-api.md), as the pages read them. Fields the contract does
// not fix yet are optional, so that a page shows what it gets and nothing breaks on what it does not.

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

/** An app's settings, as `PATCH /console/api/apps/:id` takes them. */
export interface AppSettings {
  readonly name: string;
  readonly number_matching: (typeof NUMBER_MATCHING)[number];
  readonly callback_url: string | null;
  readonly token_length: number;
  readonly sms_per_hour: number | null;
  readonly sms_per_day: number | null;
  readonly sms_countries: readonly string[] | null;
  readonly user_verification: (typeof USER_VERIFICATION)[number];
}

export interface AppDoc extends AppSettings {
  readonly id: number;
  readonly created_at?: string;
  readonly disabled_at?: string | null;
  readonly key_grace_until?: string | null;
}

/** A user linked to an app, as the search lists it (phone masked). */
export interface UserLink {
  readonly authy_id: number;
  readonly app_id?: number;
  readonly app_name?: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly country_code?: string | number | null;
  readonly created_at?: string;
}

export interface UserDoc {
  readonly authy_id: number;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly apps: readonly {
    readonly app_id: number;
    readonly app_name?: string;
    readonly locked?: boolean;
    readonly locked_until?: string | null;
  }[];
  readonly devices: readonly {
    readonly id: string;
    readonly name?: string | null;
    readonly platform?: string | null;
    readonly last_seen_at?: string | null;
    readonly revoked_at?: string | null;
  }[];
  readonly pending_requests?: readonly RequestDoc[];
}

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface RequestDoc {
  readonly uuid: string;
  readonly app_id: number;
  readonly app_name?: string;
  readonly authy_id: number;
  readonly status: RequestStatus;
  readonly message: string;
  readonly details?: Readonly<Record<string, string>>;
  readonly hidden_details?: Readonly<Record<string, string>>;
  readonly created_at: string;
  readonly updated_at?: string;
  readonly expires_at?: string | null;
  readonly answered_at?: string | null;
  readonly reason?: string | null;
  readonly device_id?: string | null;
  readonly uv?: boolean | null;
  readonly receipt?: string | null;
}

export interface CallbackDoc {
  readonly id: string;
  readonly app_id: number;
  readonly url?: string;
  readonly event?: string;
  readonly state: string;
  readonly attempts?: number;
  readonly created_at: string;
  readonly next_attempt_at?: string | null;
  readonly delivered_at?: string | null;
  readonly last_error?: string | null;
}

export interface AttemptDoc {
  readonly at: string;
  readonly status?: number | null;
  readonly error?: string | null;
  readonly duration_ms?: number | null;
}

export interface OutboxMessage {
  readonly id?: string;
  readonly channel?: string;
  readonly to?: string;
  readonly body?: string;
  readonly created_at?: string;
  readonly sent_at?: string;
}

export interface SecurityEvent {
  readonly id?: string | number;
  readonly type: string;
  readonly at?: string;
  readonly created_at?: string;
  readonly app_id?: number | null;
  readonly user_id?: number | null;
  readonly ip?: string | null;
  readonly reason?: string | null;
}

export interface AuditEntry {
  readonly seq?: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target_id?: string | null;
  readonly source?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
}
