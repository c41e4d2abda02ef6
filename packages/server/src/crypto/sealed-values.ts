/**
 * Every value the store keeps sealed under the master key, and the associated data each is sealed with. The one
 * list of them: the code that seals and opens a value takes its context from here, and whatever must reach every
 * sealed value (a restore's check, a master-key rotation) walks `SEALED_COLUMNS` and `SEALED_META`. A test holds the
 * list to the schema: a column ending in `_ct` that is not listed fails it.
 */

/** The associated data of each kind of sealed value: it binds a ciphertext to its row and purpose. */
export const sealedContext = {
  appUserSeed: (appId: number, userId: number) => `app_users.totp_seed_ct:${appId}:${userId}`,
  apiKey: (digest: string) => `api_keys.key_ct:${digest}`,
  webhookSecret: (appId: number) => `apps.webhook_secret_ct:${appId}`,
  hiddenDetails: (uuid: string) => `approval_requests.hidden_details_ct:${uuid}`,
  outboxBody: (id: string) => `outbox.body_ct:${id}`,
  queuedMessage: (id: string) => `message_queue.message_ct:${id}`,
  pushSubscription: (deviceId: string) => `devices.push_subscription_ct:${deviceId}`,
  verifyFactorSeed: (appId: number, factorSid: string) => `verify-factor-seed:${appId}:${factorSid}`,
  signingKey: (kid: string) => `signing_keys.key_ct:${kid}`,
} as const;

/** A column of sealed values. */
export interface SealedColumn {
  readonly table: string;
  readonly column: string;
  /** The columns that name a row, which `context` reads. */
  readonly key: readonly string[];
  /** The associated data of the value in `row` (a row holding at least the `key` columns). */
  readonly context: (row: Readonly<Record<string, unknown>>) => string;
  /** Values that are not sealed but mean "nothing": `null`, and `''` for a request without hidden details. */
  readonly absent: readonly (string | null)[];
}

const text = (value: unknown) => String(value);
const integer = (value: unknown) => Number(value);

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'app_users',
    column: 'totp_seed_ct',
    key: ['app_id', 'user_id'],
    context: (r) => sealedContext.appUserSeed(integer(r.app_id), integer(r.user_id)),
    absent: [],
  },
  {
    table: 'api_keys',
    column: 'key_ct',
    key: ['digest'],
    context: (r) => sealedContext.apiKey(text(r.digest)),
    absent: [],
  },
  {
    table: 'apps',
    column: 'webhook_secret_ct',
    key: ['id'],
    context: (r) => sealedContext.webhookSecret(integer(r.id)),
    absent: [],
  },
  {
    table: 'approval_requests',
    column: 'hidden_details_ct',
    key: ['uuid'],
    context: (r) => sealedContext.hiddenDetails(text(r.uuid)),
    absent: [''],
  },
  {
    table: 'outbox',
    column: 'body_ct',
    key: ['id'],
    context: (r) => sealedContext.outboxBody(text(r.id)),
    absent: [],
  },
  {
    table: 'message_queue',
    column: 'message_ct',
    key: ['id'],
    context: (r) => sealedContext.queuedMessage(text(r.id)),
    absent: [],
  },
  {
    table: 'devices',
    column: 'push_subscription_ct',
    key: ['id'],
    context: (r) => sealedContext.pushSubscription(text(r.id)),
    absent: [null],
  },
  {
    table: 'verify_factors',
    column: 'seed_ct',
    key: ['app_id', 'sid'],
    context: (r) => sealedContext.verifyFactorSeed(integer(r.app_id), text(r.sid)),
    absent: [],
  },
  {
    table: 'signing_keys',
    column: 'key_ct',
    key: ['kid'],
    context: (r) => sealedContext.signingKey(text(r.kid)),
    absent: [],
  },
];

/**
 * Sealed values kept in the `meta` table, by key; each is sealed with the context `meta.<key>`.
 * `pepper` is the store's HMAC pepper, kept so that a master-key rotation leaves every digest valid (D16).
 * `receipt_signing_key` is only in a store made before 0019, until its first start moves it into `signing_keys`.
 */
export const SEALED_META = ['master_key_check', 'pepper', 'receipt_signing_key', 'vapid_keys'] as const;

/** The associated data of a sealed `meta` value. */
export const metaContext = (key: (typeof SEALED_META)[number]) => `meta.${key}`;
