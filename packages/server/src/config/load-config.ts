import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseMasterKey } from '../crypto/master-key.js';
import { trustedProxyProblem } from '../http/client-address.js';
import { OperatorError } from '../lib/operator-error.js';
import { parseAllowList } from '../webhooks/ssrf-guard.js';

export type MessagingConfig =
  | { readonly provider: 'console' }
  | {
      readonly provider: 'twilio';
      readonly accountSid: string;
      readonly authToken: string;
      readonly from: string;
      readonly baseUrl: string;
    };

/** Everything the service reads from its environment, validated once and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly databaseUrl: string;
  readonly masterKey: Buffer;
  /**
   * Where the master key came from: the environment, or (`dev-file`) the `master.key` that `countersign dev`
   * keeps beside its SQLite database, found because nothing else named a key.
   */
  readonly masterKeySource: 'env' | 'file' | 'dev-file';
  /**
   * The master key being retired while `countersign master-key rotate` runs (`COUNTERSIGN_PREVIOUS_MASTER_KEY` or
   * `…_FILE`; D16): values it sealed still open, and nothing is sealed with it.
   */
  readonly previousMasterKey?: Buffer | undefined;
  readonly logLevel: string;
  /** `json` (one JSON document a line, for machines) or `pretty` (for a person at a terminal; `countersign dev`). */
  readonly logFormat: 'json' | 'pretty';
  readonly messaging: MessagingConfig;
  /** Requests per app per minute before 429 / 60003. */
  readonly rateLimitPerMinute: number;
  /** Requests served at once, all apps together, before 429 / 60003 (`COUNTERSIGN_MAX_IN_FLIGHT`; R78). */
  readonly maxInFlight: number;
  /** Event streams open at once before 429 / 60003 (`COUNTERSIGN_MAX_STREAMS`). */
  readonly maxStreams: number;
  /** The part of `maxInFlight` and of `maxStreams` one app may hold at once, in (0, 1] (`COUNTERSIGN_APP_SHARE`; D13). */
  readonly appShare: number;
  /**
   * Requests and streams one client may hold at once before a key is accepted: a client address, or a device
   * once its signature is verified (`COUNTERSIGN_CLIENT_MAX_IN_FLIGHT`; R5, D13).
   */
  readonly clientMaxInFlight: number;
  /** Failed API keys per client address per minute before its calls are refused unchecked (`COUNTERSIGN_KEY_FAILURE_LIMIT`; R5). */
  readonly keyFailuresPerMinute: number;
  /** How long a request's headers and body may take to arrive (`COUNTERSIGN_REQUEST_TIMEOUT`; D13). */
  readonly requestTimeoutSeconds: number;
  /**
   * Whose `X-Forwarded-For` is believed (`COUNTERSIGN_TRUST_PROXY`): `false` (no one: the client address is
   * the peer's), or the proxies' addresses and CIDR ranges. Given to Fastify as `trustProxy`.
   */
  readonly trustProxy: false | readonly string[];
  /** SMS and voice sends per user per app in any ten minutes. */
  readonly sendLimitPer10Minutes: number;
  /** SMS and voice codes an app may send in an hour and in a day, unless the app has its own (R12). */
  readonly smsPerHour: number;
  readonly smsPerDay: number;
  /** SMS and voice codes one phone number may be sent in an hour, all apps together (R12, R22). */
  readonly smsPerPhoneHour: number;
  /** Lifetime of SMS, voice and phone verification codes. */
  readonly codeTtlSeconds: number;
  readonly sandboxAllowed: boolean;
  /** Hosts besides the browsers' push services that push endpoints may point at (tests, private push services). */
  readonly pushAllow: readonly string[];
  /** Hosts and CIDR ranges callbacks may reach although they are private (`COUNTERSIGN_WEBHOOK_ALLOW`). */
  readonly webhookAllow: string;
  /** How long a callback is retried before it is marked failed. */
  readonly webhookRetryHours: number;
  /** How long one callback delivery may take. */
  readonly webhookTimeoutSeconds: number;
  /** Port of the Prometheus `/metrics` listener (`METRICS_PORT`); `null`, the default, serves none. */
  readonly metricsPort: number | null;
  /** How long a shutdown (SIGTERM) waits for requests in flight before it cuts them (`SHUTDOWN_TIMEOUT`). */
  readonly shutdownTimeoutSeconds: number;
  /** Days finished rows are kept before the pruner deletes them; `0` keeps them forever (issue 21). */
  readonly retention: RetentionDays;
}

/**
 * Days each kind of finished row is kept (`COUNTERSIGN_RETAIN_*_DAYS`), counted from when it was written;
 * `0` keeps it forever.
 */
export interface RetentionDays {
  /** Finished approval requests, with their receipts (`…_REQUESTS_DAYS`). */
  readonly requests: number;
  /** Messages of the console provider: recipients and sealed bodies (`…_OUTBOX_DAYS`). */
  readonly outbox: number;
  /** Settled callback events and their delivery attempts; never a pending one (`…_CALLBACKS_DAYS`). */
  readonly callbacks: number;
  /** Security events (`…_SECURITY_EVENTS_DAYS`); the audit chain keeps its own copy under `audit prune`. */
  readonly securityEvents: number;
}

/** A person's choice for data that is kept to investigate and answer questions: a quarter. */
const DEFAULT_RETENTION_DAYS = 90;
/** A hundred years: as good as forever, and far from overflowing a time in milliseconds. */
const MAX_RETENTION_DAYS = 36_500;

export class ConfigError extends OperatorError {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function share(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^(?:0|1)?(?:\.\d+)?$/.test(raw) || !(value > 0 && value <= 1))
    throw new ConfigError(`${name} must be a fraction above 0 and at most 1 (such as 0.25), got "${raw}"`);
  return value;
}

/**
 * `COUNTERSIGN_TRUST_PROXY`: off, or the proxies' addresses and CIDR ranges. Never "everyone", and never a
 * hop count: a count cannot tell the proxy from a client that connects directly and writes its own
 * `X-Forwarded-For` (Fastify 5 ignores a count for that reason).
 */
function readTrustProxy(env: Env): false | readonly string[] {
  const raw = (env.COUNTERSIGN_TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === 'off') return false;
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const problem = /^\d+$/.test(entry)
      ? `"${entry}" is a hop count, which a client connecting directly could spoof`
      : trustedProxyProblem(entry);
    if (problem !== undefined)
      throw new ConfigError(
        `COUNTERSIGN_TRUST_PROXY must be "off" or the proxies' addresses and CIDR ranges: ${problem}`,
      );
  }
  return Object.freeze(entries);
}

function checkedAllowList(text: string): string {
  try {
    parseAllowList(text);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return text;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is required`);
  return value;
}

/** The file `countersign dev` keeps its master key in: `master.key`, beside its SQLite database. */
export const DEV_MASTER_KEY_FILE = 'master.key';

/** The SQLite file a `DATABASE_URL` names, or `undefined` for PostgreSQL. */
function sqliteFile(databaseUrl: string): string | undefined {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : undefined;
}

/** Where `countersign dev` keeps the master key of the SQLite database of `databaseUrl`; `undefined` for PostgreSQL. */
export function devMasterKeyFile(databaseUrl: string): string | undefined {
  const database = sqliteFile(databaseUrl);
  return database === undefined ? undefined : join(dirname(database), DEV_MASTER_KEY_FILE);
}

function readMasterKey(env: Env, databaseUrl: string): { key: Buffer; source: Config['masterKeySource'] } {
  const inline = env.COUNTERSIGN_MASTER_KEY;
  let file = env.COUNTERSIGN_MASTER_KEY_FILE;
  let source: Config['masterKeySource'] = inline !== undefined && inline !== '' ? 'env' : 'file';
  const database = sqliteFile(databaseUrl);
  if ((inline === undefined || inline === '') && (file === undefined || file === '')) {
    // `countersign dev`'s folder: every command run there finds the key that dev made.
    const devFile = devMasterKeyFile(databaseUrl);
    if (devFile !== undefined && existsSync(devFile)) {
      file = devFile;
      source = 'dev-file';
    } else {
      throw new ConfigError(missingKeyMessage(database));
    }
  }
  let text: string;
  try {
    text = inline !== undefined && inline !== '' ? inline : readFileSync(file as string, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read COUNTERSIGN_MASTER_KEY_FILE: ${(error as Error).message}`);
  }
  try {
    return { key: parseMasterKey(text), source };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** The master key being retired during a rotation, when one is configured (D16). */
function readPreviousMasterKey(env: Env, masterKey: Buffer): Buffer | undefined {
  const inline = env.COUNTERSIGN_PREVIOUS_MASTER_KEY;
  const file = env.COUNTERSIGN_PREVIOUS_MASTER_KEY_FILE;
  if ((inline === undefined || inline === '') && (file === undefined || file === '')) return undefined;
  let text: string;
  try {
    text = inline !== undefined && inline !== '' ? inline : readFileSync(file as string, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read COUNTERSIGN_PREVIOUS_MASTER_KEY_FILE: ${(error as Error).message}`);
  }
  let key: Buffer;
  try {
    key = parseMasterKey(text);
  } catch {
    throw new ConfigError(
      'COUNTERSIGN_PREVIOUS_MASTER_KEY must be 32 bytes written as 64 hexadecimal characters',
    );
  }
  if (key.equals(masterKey)) {
    throw new ConfigError(
      'COUNTERSIGN_PREVIOUS_MASTER_KEY is the same key as COUNTERSIGN_MASTER_KEY: it names the key being retired',
    );
  }
  return key;
}

/** A command that prints a new master key. */
const MAKE_KEY = 'openssl rand -hex 32';

/**
 * What to do without a key. A store that already holds data needs the key it was made with: a new key would
 * open none of its secrets, so a new one is suggested only where nothing is stored yet.
 */
function missingKeyMessage(database: string | undefined): string {
  const required = 'COUNTERSIGN_MASTER_KEY (64 hex characters) or COUNTERSIGN_MASTER_KEY_FILE is required';
  if (database !== undefined && existsSync(database)) {
    return (
      `${required}: ${database} was made with a master key, and only that key opens it ` +
      `(for a database of countersign dev, the ${DEV_MASTER_KEY_FILE} file of its data folder). ` +
      'Do not make a new key for it.'
    );
  }
  if (database === undefined) {
    return `${required}: an existing database needs the key it was made with; for a new one, make a key with: ${MAKE_KEY}`;
  }
  return `${required}; make one with: ${MAKE_KEY}`;
}

function readMessaging(env: Env): MessagingConfig {
  const provider = env.COUNTERSIGN_MESSAGING ?? 'console';
  if (provider === 'console') return { provider };
  if (provider === 'twilio') {
    const baseUrl = env.TWILIO_BASE_URL ?? 'https://api.twilio.com';
    try {
      new URL(baseUrl);
    } catch {
      throw new ConfigError(`TWILIO_BASE_URL is not a URL: "${baseUrl}"`);
    }
    return {
      provider,
      accountSid: required(env, 'TWILIO_ACCOUNT_SID'),
      authToken: required(env, 'TWILIO_AUTH_TOKEN'),
      from: required(env, 'TWILIO_FROM'),
      baseUrl: baseUrl.replace(/\/+$/, ''),
    };
  }
  throw new ConfigError(`COUNTERSIGN_MESSAGING must be "console" or "twilio", got "${provider}"`);
}

function readRetention(env: Env): RetentionDays {
  const days = (name: string) =>
    integer(env, `COUNTERSIGN_RETAIN_${name}_DAYS`, DEFAULT_RETENTION_DAYS, 0, MAX_RETENTION_DAYS);
  return {
    requests: days('REQUESTS'),
    outbox: days('OUTBOX'),
    callbacks: days('CALLBACKS'),
    securityEvents: days('SECURITY_EVENTS'),
  };
}

/** Reads and validates the configuration. Throws `ConfigError` with a message an operator can act on. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST ?? '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  const databaseUrl = env.DATABASE_URL ?? 'sqlite:./data/countersign.db';
  if (!databaseUrl.startsWith('sqlite:') && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be sqlite:PATH or postgres://…');
  }
  const sandbox = env.COUNTERSIGN_SANDBOX ?? 'on';
  if (sandbox !== 'on' && sandbox !== 'off')
    throw new ConfigError('COUNTERSIGN_SANDBOX must be "on" or "off"');
  const logFormat = env.LOG_FORMAT ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'pretty')
    throw new ConfigError(`LOG_FORMAT must be "json" or "pretty", got "${logFormat}"`);
  const masterKey = readMasterKey(env, databaseUrl);
  return Object.freeze({
    host,
    port,
    publicUrl,
    databaseUrl,
    masterKey: masterKey.key,
    masterKeySource: masterKey.source,
    previousMasterKey: readPreviousMasterKey(env, masterKey.key),
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat,
    messaging: Object.freeze(readMessaging(env)),
    rateLimitPerMinute: integer(env, 'COUNTERSIGN_RATE_LIMIT', 120_000, 1, 100_000_000),
    maxInFlight: integer(env, 'COUNTERSIGN_MAX_IN_FLIGHT', 1024, 1, 1_000_000),
    maxStreams: integer(env, 'COUNTERSIGN_MAX_STREAMS', 4096, 1, 1_000_000),
    appShare: share(env, 'COUNTERSIGN_APP_SHARE', 0.25),
    clientMaxInFlight: integer(env, 'COUNTERSIGN_CLIENT_MAX_IN_FLIGHT', 128, 1, 1_000_000),
    keyFailuresPerMinute: integer(env, 'COUNTERSIGN_KEY_FAILURE_LIMIT', 30, 1, 1_000_000),
    requestTimeoutSeconds: integer(env, 'COUNTERSIGN_REQUEST_TIMEOUT', 10, 1, 300),
    trustProxy: readTrustProxy(env),
    sendLimitPer10Minutes: integer(env, 'COUNTERSIGN_SEND_LIMIT', 5, 1, 1000),
    smsPerHour: integer(env, 'COUNTERSIGN_SMS_PER_HOUR', 100, 0, 10_000_000),
    smsPerDay: integer(env, 'COUNTERSIGN_SMS_PER_DAY', 1000, 0, 10_000_000),
    smsPerPhoneHour: integer(env, 'COUNTERSIGN_SMS_PER_PHONE_HOUR', 10, 1, 1000),
    codeTtlSeconds: integer(env, 'COUNTERSIGN_CODE_TTL', 600, 30, 600),
    sandboxAllowed: sandbox === 'on',
    webhookAllow: checkedAllowList(env.COUNTERSIGN_WEBHOOK_ALLOW ?? ''),
    webhookRetryHours: integer(env, 'COUNTERSIGN_WEBHOOK_RETRY_HOURS', 72, 1, 24 * 30),
    webhookTimeoutSeconds: integer(env, 'COUNTERSIGN_WEBHOOK_TIMEOUT', 15, 1, 60),
    metricsPort:
      env.METRICS_PORT === undefined || env.METRICS_PORT === ''
        ? null
        : integer(env, 'METRICS_PORT', 0, 0, 65535),
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT', 20, 1, 600),
    retention: Object.freeze(readRetention(env)),
    pushAllow: Object.freeze(
      (env.COUNTERSIGN_PUSH_ALLOW ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
    ),
  });
}
