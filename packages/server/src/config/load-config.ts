import { readFileSync } from 'node:fs';
import { parseMasterKey } from '../crypto/master-key.js';
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
  readonly logLevel: string;
  readonly messaging: MessagingConfig;
  /** Requests per app per minute before 429 / 60003. */
  readonly rateLimitPerMinute: number;
  /** Requests served at once, all apps together, before 429 / 60003 (`COUNTERSIGN_MAX_IN_FLIGHT`; R78). */
  readonly maxInFlight: number;
  /** Event streams open at once before 429 / 60003 (`COUNTERSIGN_MAX_STREAMS`). */
  readonly maxStreams: number;
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
}

export class ConfigError extends Error {
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

function readMasterKey(env: Env): Buffer {
  const inline = env.COUNTERSIGN_MASTER_KEY;
  const file = env.COUNTERSIGN_MASTER_KEY_FILE;
  if ((inline === undefined || inline === '') && (file === undefined || file === '')) {
    throw new ConfigError(
      'COUNTERSIGN_MASTER_KEY (64 hex characters) or COUNTERSIGN_MASTER_KEY_FILE is required; ' +
        "make one with: node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\"",
    );
  }
  let text: string;
  try {
    text = inline !== undefined && inline !== '' ? inline : readFileSync(file as string, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read COUNTERSIGN_MASTER_KEY_FILE: ${(error as Error).message}`);
  }
  try {
    return parseMasterKey(text);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
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
  return Object.freeze({
    host,
    port,
    publicUrl,
    databaseUrl,
    masterKey: readMasterKey(env),
    logLevel: env.LOG_LEVEL ?? 'info',
    messaging: Object.freeze(readMessaging(env)),
    rateLimitPerMinute: integer(env, 'COUNTERSIGN_RATE_LIMIT', 120_000, 1, 100_000_000),
    maxInFlight: integer(env, 'COUNTERSIGN_MAX_IN_FLIGHT', 1024, 1, 1_000_000),
    maxStreams: integer(env, 'COUNTERSIGN_MAX_STREAMS', 4096, 1, 1_000_000),
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
    pushAllow: Object.freeze(
      (env.COUNTERSIGN_PUSH_ALLOW ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
    ),
  });
}
