import { setTimeout as sleep } from 'node:timers/promises';
import { displayTextProblem, revealInvisible } from '@countersign/protocol';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Clock } from '../lib/clock.js';
import { OperatorError } from '../lib/operator-error.js';
import { type App, type NumberMatching, type Profile, policyOf, type UserVerification } from './app.js';
import type { AppRepository } from './app.repository.js';
import type { KeyCache } from './key-cache.js';

export interface NewApp {
  name: string;
  profile?: Profile;
  numberMatching?: NumberMatching;
  callbackUrl?: string | null;
  tokenLength?: number;
  callbackExpired?: boolean;
  /** `null` or absent: the server's default. */
  smsPerHour?: number | null;
  smsPerDay?: number | null;
  /** `null` or absent: every country. */
  smsCountries?: readonly string[] | null;
  /** Absent: the profile's default (D14). */
  userVerification?: UserVerification;
}

export interface CreatedApp {
  app: App;
  apiKey: string;
  webhookSecret: string;
}

export interface AppChanges {
  callbackExpired?: boolean;
  name?: string;
  numberMatching?: NumberMatching;
  callbackUrl?: string | null;
  tokenLength?: number;
  smsPerHour?: number | null;
  smsPerDay?: number | null;
  smsCountries?: readonly string[] | null;
  userVerification?: UserVerification;
}

export class AppSettingError extends OperatorError {
  override readonly name = 'AppSettingError';
  override readonly exitCode = 2;
}

const keyContext = sealedContext.apiKey;
const webhookContext = sealedContext.webhookSecret;

/**
 * An app's name is shown on every device that answers for it, so it is display text (D11); the name as
 * given is checked, so that trimming cannot drop a refused character unnoticed.
 */
function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) {
    throw new AppSettingError('an app name is 1 to 100 printable characters');
  }
  const found = displayTextProblem(name);
  if (found !== undefined) throw new AppSettingError(`app name "${revealInvisible(name)}": ${found.problem}`);
  return trimmed;
}

function checkTokenLength(length: number): number {
  if (!Number.isInteger(length) || length < 6 || length > 8)
    throw new AppSettingError('token length is 6, 7 or 8');
  return length;
}

function checkCallbackUrl(url: string | null): string | null {
  if (url === null || url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppSettingError(`callback URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new AppSettingError('callback URL must be http(s)');
  if (parsed.username !== '' || parsed.password !== '')
    throw new AppSettingError('callback URL must not carry credentials');
  return parsed.toString();
}

/** The most codes a budget can allow: a bound on spend, not a setting anyone needs to reach. */
const MAX_SMS_BUDGET = 10_000_000;

function checkBudget(what: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_SMS_BUDGET)
    throw new AppSettingError(`${what} is a whole number from 0 to ${MAX_SMS_BUDGET}`);
  return value;
}

/** ISO 3166 alpha-2 codes libphonenumber knows, upper-cased, sorted, once each; stored comma-separated. */
function checkCountries(countries: readonly string[] | null | undefined): string | null {
  if (countries === undefined || countries === null) return null;
  const codes = [...new Set(countries.map((c) => c.trim().toUpperCase()))].sort();
  if (codes.length === 0) throw new AppSettingError('SMS countries: name at least one country, or all');
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code))
      throw new AppSettingError(`SMS countries: "${code}" is not an ISO 3166 alpha-2 country code`);
  }
  return codes.join(',');
}

export interface AppServiceOptions {
  readonly repository: AppRepository;
  readonly keys: ServiceKeys;
  readonly box: SecretBox;
  readonly random: Random;
  readonly clock: Clock;
  /** Keys already looked up (R4′); without it every call reads its key from the store. */
  readonly cache?: KeyCache;
  /**
   * How long another instance may still accept a key this one revoked (its cache's age bound): a rotation
   * without grace and a disabling return only once it has passed, so that success means "refused
   * everywhere" (R4′). 0 where no other instance can hold one (SQLite).
   */
  readonly settleMs?: number;
}

/** Apps and their keys: created and changed by the operator, looked up on every API call. */
export class AppService {
  private readonly repository: AppRepository;
  private readonly keys: ServiceKeys;
  private readonly box: SecretBox;
  private readonly random: Random;
  private readonly clock: Clock;
  private readonly cache: KeyCache | undefined;
  private readonly settleMs: number;

  constructor(options: AppServiceOptions) {
    this.repository = options.repository;
    this.keys = options.keys;
    this.box = options.box;
    this.random = options.random;
    this.clock = options.clock;
    this.cache = options.cache;
    this.settleMs = options.settleMs ?? 0;
  }

  /**
   * After a change that must take a key out of service everywhere: this instance's cache drops it at once
   * (the change's announcement did so already, this is for a bus that failed to), then the others' bound
   * passes.
   */
  private async settled(): Promise<void> {
    this.cache?.clear();
    if (this.settleMs > 0) await sleep(this.settleMs);
  }

  /** The lookup digest of an API key: HMAC-SHA-256 with the server pepper (D5). */
  keyDigest(apiKey: string): string {
    return hmacHex(this.keys.pepper, `api-key:${apiKey}`);
  }

  private newKey(): { apiKey: string; digest: string; keyCt: string } {
    const apiKey = this.random.bytes(24).toString('hex');
    const digest = this.keyDigest(apiKey);
    return { apiKey, digest, keyCt: this.box.seal(apiKey, keyContext(digest)) };
  }

  async create(input: NewApp): Promise<CreatedApp> {
    const key = this.newKey();
    const webhookSecret = `whsec_${this.random.bytes(32).toString('base64')}`;
    const profile = input.profile ?? 'compat';
    const app = await this.repository.insert(
      {
        name: checkName(input.name),
        profile,
        number_matching: input.numberMatching ?? 'off',
        token_length: checkTokenLength(input.tokenLength ?? 7),
        callback_url: checkCallbackUrl(input.callbackUrl ?? null),
        callback_expired: input.callbackExpired === true ? 1 : 0,
        sms_per_hour: checkBudget('SMS per hour', input.smsPerHour),
        sms_per_day: checkBudget('SMS per day', input.smsPerDay),
        sms_countries: checkCountries(input.smsCountries),
        user_verification: input.userVerification ?? policyOf({ profile }).defaultUserVerification,
        // Not a secret (Twilio prints it in every URL), but unguessable: another account's is never hit by chance.
        account_sid: `AC${this.random.bytes(16).toString('hex')}`,
        created_at: this.clock.now(),
      },
      (appId) => ({
        webhookSecretCt: this.box.seal(webhookSecret, webhookContext(appId)),
        key: { digest: key.digest, keyCt: key.keyCt },
      }),
    );
    return { app, apiKey: key.apiKey, webhookSecret };
  }

  /**
   * The app a key belongs to, or `undefined` for a missing, unknown, expired or disabled app's key. Keys
   * found are kept by digest (`KeyCache`, R4′); a kept key's end is checked against now on every call.
   */
  async authenticate(apiKey: string): Promise<App | undefined> {
    if (apiKey === '' || apiKey.length > 200) return undefined;
    const digest = this.keyDigest(apiKey);
    const now = this.clock.now();
    const cache = this.cache;
    if (cache === undefined) return (await this.repository.findByKeyDigest(digest, now))?.app;
    const kept = cache.lookup(digest, now);
    if (kept !== undefined) return kept;
    const ticket = cache.ticket();
    const holder = await this.repository.findByKeyDigest(digest, now);
    if (holder === undefined) return undefined;
    cache.keep(ticket, digest, holder);
    return holder.app;
  }

  list(): Promise<App[]> {
    return this.repository.list();
  }

  find(id: number): Promise<App | undefined> {
    return this.repository.findById(id);
  }

  /**
   * Issues a new key; older keys stay valid for `graceSeconds` (0: they stop at once, and on a shared store
   * it returns once every instance refuses them, R4′).
   */
  async rotateKey(appId: number, graceSeconds = 0): Promise<{ app: App; apiKey: string } | undefined> {
    const app = await this.repository.findById(appId);
    if (app === undefined) return undefined;
    const key = this.newKey();
    const now = this.clock.now();
    await this.repository.rotateKey(appId, key, now, now + graceSeconds * 1000);
    // With a grace, every cache checks the old keys' end itself; without, they must be refused everywhere.
    if (graceSeconds * 1000 < this.settleMs) await this.settled();
    else this.cache?.clear();
    return { app, apiKey: key.apiKey };
  }

  async update(appId: number, changes: AppChanges): Promise<App | undefined> {
    const updated = await this.repository.update(
      appId,
      {
        ...(changes.name !== undefined && { name: checkName(changes.name) }),
        ...(changes.numberMatching !== undefined && { number_matching: changes.numberMatching }),
        // Setting the URL again also turns callbacks back on after a 410.
        ...(changes.callbackUrl !== undefined && {
          callback_url: checkCallbackUrl(changes.callbackUrl),
          callback_disabled_at: null,
        }),
        ...(changes.callbackExpired !== undefined && { callback_expired: changes.callbackExpired ? 1 : 0 }),
        ...(changes.tokenLength !== undefined && { token_length: checkTokenLength(changes.tokenLength) }),
        ...(changes.smsPerHour !== undefined && {
          sms_per_hour: checkBudget('SMS per hour', changes.smsPerHour),
        }),
        ...(changes.smsPerDay !== undefined && {
          sms_per_day: checkBudget('SMS per day', changes.smsPerDay),
        }),
        ...(changes.smsCountries !== undefined && { sms_countries: checkCountries(changes.smsCountries) }),
        ...(changes.userVerification !== undefined && { user_verification: changes.userVerification }),
      },
      this.clock.now(),
    );
    this.cache?.clear();
    return updated;
  }

  /**
   * Takes the app out of service: from now on its API keys are refused as unknown ones (401, 60001), so an
   * app whose key leaked can be stopped at once; on a shared store it returns once every instance refuses
   * them (R4′). Its users, devices and requests stay. `undefined`: no app.
   */
  async disable(appId: number): Promise<App | undefined> {
    const disabled = await this.repository.disable(appId, this.clock.now());
    await this.settled();
    return disabled;
  }

  /** Turns the app's callback off: its receiver answered 410 Gone at `now` (R51). */
  async disableCallback(appId: number, now: number): Promise<void> {
    await this.repository.disableCallback(appId, now);
    this.cache?.clear();
  }

  /** The newest live API key in clear: for signing Authy callbacks (D5) and for `countersign dev`. */
  async revealKey(appId: number): Promise<string | undefined> {
    const key = await this.repository.newestKeyCt(appId, this.clock.now());
    return key === undefined ? undefined : this.box.open(key.keyCt, keyContext(key.digest));
  }

  async revealWebhookSecret(appId: number): Promise<string | undefined> {
    const sealed = await this.repository.webhookSecretCt(appId);
    return sealed === undefined ? undefined : this.box.open(sealed, webhookContext(appId));
  }
}
