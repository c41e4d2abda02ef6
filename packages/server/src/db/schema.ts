import type { Generated } from 'kysely';

/** Row types of every table. Times are epoch milliseconds written by the service; flags are 0 or 1. */
export interface Database {
  meta: MetaTable;
  apps: AppTable;
  api_keys: ApiKeyTable;
  users: UserTable;
  app_users: AppUserTable;
  otp_codes: OtpCodeTable;
  approval_requests: ApprovalRequestTable;
  phone_verifications: PhoneVerificationTable;
  activities: ActivityTable;
  outbox: OutboxTable;
  usage_monthly: UsageMonthlyTable;
  devices: DeviceTable;
  enrollments: EnrollmentTable;
  phone_enrollments: PhoneEnrollmentTable;
  enrollment_invitations: EnrollmentInvitationTable;
  device_nonces: DeviceNonceTable;
  security_events: SecurityEventTable;
  webhook_events: WebhookEventTable;
  webhook_attempts: WebhookAttemptTable;
  rate_limits: RateLimitTable;
  send_budgets: SendBudgetTable;
  message_queue: MessageQueueTable;
  device_passkeys: DevicePasskeyTable;
  device_admissions: DeviceAdmissionTable;
  audit_log: AuditLogTable;
  audit_heads: AuditHeadTable;
  audit_checkpoints: AuditHeadTable;
  operators: OperatorTable;
  operator_setup_links: OperatorSetupLinkTable;
  operator_passkeys: OperatorPasskeyTable;
  operator_recovery_codes: OperatorRecoveryCodeTable;
  operator_sessions: OperatorSessionTable;
  operator_challenges: OperatorChallengeTable;
  verification_counts: VerificationCountTable;
  verify_services: VerifyServiceTable;
  verify_verifications: VerifyVerificationTable;
  verify_sends: VerifySendTable;
  verify_entities: VerifyEntityTable;
  verify_factors: VerifyFactorTable;
  verify_challenges: VerifyChallengeTable;
  signing_keys: SigningKeyTable;
  verify_webhooks: VerifyWebhookTable;
  verify_access_tokens: VerifyAccessTokenTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

/**
 * A receipt signing key (issue 21, item 3): the highest `generation` signs; an older one is published until
 * `retire_at`, then kept for `audit verify`. `key_ct`: its JWK sealed under the master key, private only while
 * it signs.
 */
export interface SigningKeyTable {
  kid: string;
  generation: number;
  key_ct: string;
  created_at: number;
  retire_at: number | null;
}

export interface AppTable {
  id: Generated<number>;
  name: string;
  profile: string;
  number_matching: string;
  token_length: number;
  callback_url: string | null;
  webhook_secret_ct: string;
  created_at: number;
  updated_at: number;
  callback_expired: Generated<number>;
  callback_disabled_at: number | null;
  /** Codes the app may send by SMS or voice in an hour, a day; `null`: the server's default. */
  sms_per_hour: number | null;
  sms_per_day: number | null;
  /** ISO 3166 alpha-2 codes, comma-separated, that codes may be sent to; `null`: every country. */
  sms_countries: string | null;
  /** `required`, `preferred` or `off`: whether an approval must carry a passkey assertion (D14). */
  user_verification: string;
  /** When an operator disabled the app: its keys are refused from then on; `null` while it is in service. */
  disabled_at: number | null;
  /** The Twilio-style Account SID (`AC` + 32 hex): the Basic-auth user name of `/v2` (issue 19). */
  account_sid: string;
}

export interface ApiKeyTable {
  id: Generated<number>;
  app_id: number;
  digest: string;
  key_ct: string;
  created_at: number;
  expires_at: number | null;
}

export interface UserTable {
  id: Generated<number>;
  namespace: string;
  country_code: string;
  phone: string;
  created_at: number;
}

export interface AppUserTable {
  app_id: number;
  user_id: number;
  email: string;
  totp_seed_ct: string;
  totp_last_step: number | null;
  totp_confirmed: number;
  confirmed: number;
  failed_count: number;
  lock_count: number;
  locked_until: number | null;
  created_at: number;
  push_paused_until: number | null;
}

export interface OtpCodeTable {
  id: Generated<number>;
  app_id: number;
  user_id: number;
  channel: string;
  action: string;
  code_digest: string;
  state: string;
  created_at: number;
  expires_at: number;
}

export interface ApprovalRequestTable {
  uuid: string;
  app_id: number;
  user_id: number;
  message: string;
  details: string;
  /** Sealed hidden details, or `''` when the request has none (nothing to seal). */
  hidden_details_ct: string;
  logos: string | null;
  seconds_to_expire: number;
  expires_at: number | null;
  status: string;
  nonce: string;
  number_match: string | null;
  created_at: number;
  updated_at: number;
  processed_at: number | null;
  device_id: string | null;
  reason: string | null;
  app_name: string | null;
  answer: string | null;
  device_signature: string | null;
  receipt: string | null;
}

export interface PhoneVerificationTable {
  id: string;
  app_id: number;
  country_code: string;
  phone: string;
  via: string;
  code_digest: string;
  attempts: number;
  state: string;
  created_at: number;
  expires_at: number;
}

export interface ActivityTable {
  id: Generated<number>;
  app_id: number;
  user_id: number;
  type: string;
  data: string;
  user_ip: string | null;
  created_at: number;
}

export interface OutboxTable {
  /** Numbered by the database in the order messages are written. */
  seq: Generated<number>;
  id: string;
  app_id: number | null;
  channel: string;
  recipient: string;
  body_ct: string;
  created_at: number;
}

export interface UsageMonthlyTable {
  app_id: number;
  year: number;
  month: number;
  api_calls: number;
  auths: number;
  sms: number;
  calls: number;
  users: number;
}

export interface DeviceTable {
  id: string;
  user_id: number;
  enrolled_app_id: number | null;
  public_key: string;
  name: string;
  platform: string;
  push_subscription_ct: string | null;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
}

export interface EnrollmentTable {
  token_digest: string;
  app_id: number;
  user_id: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** An invitation to enroll a device (D15): one per app and user; inviting again replaces it. */
export interface EnrollmentInvitationTable {
  app_id: number;
  user_id: number;
  token_digest: string;
  created_at: number;
  expires_at: number;
  /** 'sms' | 'export' */
  via: string;
  /** 'queued' | 'sent' | 'failed' | 'exported' */
  send_state: string;
  /** The queued message carrying an SMS invitation's link, until the worker reports how it went. */
  message_id: string | null;
  enrolled_at: number | null;
}

export interface PhoneEnrollmentTable {
  id: string;
  user_id: number | null;
  code_digest: string;
  attempts: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface DeviceNonceTable {
  device_id: string;
  nonce: string;
  expires_at: number;
}

export interface SecurityEventTable {
  id: string;
  type: string;
  app_id: number | null;
  user_id: number | null;
  device_id: string | null;
  detail: string;
  created_at: number;
}

export interface WebhookEventTable {
  id: string;
  app_id: number;
  uuid: string;
  status: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** The Verify v2 webhook (`YW…`) the event goes to; `null`: the app's Authy callback. */
  webhook_sid: string | null;
  /** A Verify v2 event's form fields as JSON (without `sent_date`, set at each send); `null` on the Authy side. */
  payload: string | null;
}

export interface WebhookAttemptTable {
  event_id: string;
  attempt: number;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface RateLimitTable {
  key: string;
  window_start: number;
  count: number;
}

/** Sends counted in one window of one budget (an app's hour, a phone's hour…); `key` names the budget. */
export interface SendBudgetTable {
  key: string;
  window_start: number;
  count: number;
  /** When the first send over the budget was refused in this window (one security event each). */
  refused_at: number | null;
  expires_at: number;
}

/** Messages the background worker sends: `queued`, or `decoy` (written alike, dropped unsent). */
export interface MessageQueueTable {
  id: string;
  app_id: number | null;
  channel: string;
  state: string;
  /** The recipient and the text, sealed together. */
  message_ct: string;
  sandbox: number;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  /** The code inside is useless after this: the message is dropped rather than sent late. */
  expires_at: number;
  created_at: number;
}

/** The passkey a device registered for user verification (D14): at most one per device. */
export interface DevicePasskeyTable {
  device_id: string;
  /** The WebAuthn credential id, B64U. */
  credential_id: string;
  /** The credential's COSE public key, B64U. */
  public_key: string;
  /** The authenticator's signature counter at its last accepted assertion; it only grows. */
  counter: number;
  created_at: number;
  last_used_at: number | null;
}

/**
 * A device being added from one the user holds: `pending` until a new device claims its link, `claimed`
 * until the holding device approves or denies it. Only the link token's digest is kept.
 */
export interface DeviceAdmissionTable {
  id: string;
  token_digest: string;
  holder_device_id: string;
  user_id: number;
  enrolled_app_id: number | null;
  status: string;
  created_at: number;
  expires_at: number;
  new_device_id: string | null;
  /** The claiming device's public JWK, as JSON. */
  new_public_key: string | null;
  new_name: string | null;
  new_platform: string | null;
  claimed_at: number | null;
  decided_at: number | null;
  /** The holding device's signed admission document, JCS. */
  approval: string | null;
  approval_signature: string | null;
}

/** One entry of the audit chain (0009). `before` and `after` are JSON text, or null. */
export interface AuditLogTable {
  seq: number;
  id: string;
  at: number;
  actor: string;
  source: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * A signed head of the audit chain (`audit_heads`), or where its pruned part ended (`audit_checkpoints`): the
 * entry `seq` had `hash`, as the service signed at `signed_at`.
 */
export interface AuditHeadTable {
  seq: number;
  hash: string;
  signed_at: number;
  jws: string;
}

/** A console operator (issue 17); `role` is `admin` or `viewer`. */
export interface OperatorTable {
  id: string;
  email: string;
  role: string;
  created_at: number;
  signed_in_at: number | null;
}

/** A one-time setup link: the HMAC digest of its token, used once before it expires. */
export interface OperatorSetupLinkTable {
  token_digest: string;
  operator_id: string;
  expires_at: number;
  used_at: number | null;
}

/** An operator's passkey: its WebAuthn credential id (B64U), COSE public key (B64U) and counter. */
export interface OperatorPasskeyTable {
  credential_id: string;
  operator_id: string;
  public_key: string;
  counter: number;
  /** The authenticator's transports, as JSON (a list of strings). */
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

/** A recovery code, as the HMAC digest of its normalised text; used once. */
export interface OperatorRecoveryCodeTable {
  code_digest: string;
  operator_id: string;
  used_at: number | null;
}

/** A console session: the HMAC digest of its id; idle after 30 minutes, over at `expires_at`. */
export interface OperatorSessionTable {
  id_digest: string;
  operator_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** Until when dangerous changes are allowed without another passkey assertion. */
  fresh_until: number;
}

/** A WebAuthn challenge handed out and not yet used: each is taken once. */
export interface OperatorChallengeTable {
  challenge: string;
  /** `setup`, `sign-in`, `step-up` or `passkey`. */
  purpose: string;
  operator_id: string | null;
  expires_at: number;
}

/**
 * Verifications of one app in one minute (0012): `kind` `totp` (`/protected/json/verify`) or `sms` (a phone
 * verification's check, or a sent code accepted by verify); `outcome` `accepted`, `refused` or `locked` (a
 * refusal that locked the user).
 */
export interface VerificationCountTable {
  app_id: number;
  /** The minute's start, epoch ms. */
  minute: number;
  kind: string;
  outcome: string;
  count: number;
}

/** A Twilio Verify v2 service (`VA…`) of one app (issue 19). Flags are 0 or 1. */
export interface VerifyServiceTable {
  seq: Generated<number>;
  sid: string;
  app_id: number;
  friendly_name: string;
  code_length: number;
  lookup_enabled: number;
  skip_sms_to_landlines: number;
  do_not_share_warning_enabled: number;
  custom_code_enabled: number;
  push_include_date: number;
  push_apn_credential_sid: string | null;
  push_fcm_credential_sid: string | null;
  totp_issuer: string | null;
  totp_time_step: number;
  totp_code_length: number;
  totp_skew: number;
  created_at: number;
  updated_at: number;
}

/** A Verify v2 verification (`VE…`): the code only as a peppered HMAC (R66). */
export interface VerifyVerificationTable {
  sid: string;
  service_sid: string;
  app_id: number;
  /** E.164. */
  recipient: string;
  channel: string;
  /** `pending`, `approved`, `canceled`, `max_attempts_reached` (`expired` is read from `expires_at`). */
  status: string;
  code_digest: string;
  /** Checks made against it, at most five. */
  checks: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

/** One code sent for a verification: the per-number send limit counts these. */
export interface VerifySendTable {
  /** The order the sends were made in (times can be equal). */
  seq: Generated<number>;
  sid: string;
  verification_sid: string;
  service_sid: string;
  recipient: string;
  channel: string;
  sent_at: number;
}

/** A Verify v2 entity (`YE…`): the app's identity for one of its users, under one service. */
export interface VerifyEntityTable {
  seq: Generated<number>;
  sid: string;
  service_sid: string;
  app_id: number;
  identity: string;
  /** The app's user that the entity's devices enroll for, made the first time a push factor is asked for. */
  user_id: number | null;
  created_at: number;
  updated_at: number;
}

/** A Verify v2 TOTP factor (`YF…`): its seed sealed under the master key, bound to the factor's SID. */
export interface VerifyFactorTable {
  seq: Generated<number>;
  sid: string;
  entity_sid: string;
  app_id: number;
  friendly_name: string;
  /** `totp` (push factors are not in this slice). */
  factor_type: string;
  /** `unverified` until a right code is given, then `verified`. */
  status: string;
  seed_ct: string;
  /** `sha1`, `sha256` or `sha512`. */
  alg: string;
  code_length: number;
  time_step: number;
  skew: number;
  /** The last TOTP step accepted, `null` before the first: each step is accepted once. */
  last_step: number | null;
  failed_count: number;
  lock_count: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  /** A push factor's device; `null` for a TOTP factor (a push factor's TOTP columns hold `''` and zeros). */
  device_id: string | null;
}

/** A Verify v2 challenge (`YC…`) of a TOTP factor: one code checked. */
export interface VerifyChallengeTable {
  seq: Generated<number>;
  sid: string;
  entity_sid: string;
  factor_sid: string;
  app_id: number;
  /** `pending` or `approved`. */
  status: string;
  created_at: number;
  updated_at: number;
  responded_at: number | null;
  expires_at: number;
  /** A push challenge's approval request, whose status it reports; `null` for a TOTP challenge. */
  approval_uuid: string | null;
}

/**
 * A Verify v2 access token (`YK…`) for a push factor: the single-use enrollment link it carries, by digest
 * only, and the factor its enrollment made (`factor_sid`, set once).
 */
export interface VerifyAccessTokenTable {
  seq: Generated<number>;
  sid: string;
  entity_sid: string;
  app_id: number;
  enrollment_digest: string;
  factor_friendly_name: string | null;
  ttl: number;
  factor_sid: string | null;
  created_at: number;
  expires_at: number;
}

/** A Verify v2 webhook (`YW…`) of a service: where its events go, and which. */
export interface VerifyWebhookTable {
  seq: Generated<number>;
  sid: string;
  service_sid: string;
  app_id: number;
  friendly_name: string;
  /** The event types it takes, comma-separated (`*`: every one). */
  event_types: string;
  webhook_url: string;
  /** `enabled` or `disabled`. */
  status: string;
  created_at: number;
  updated_at: number;
}
