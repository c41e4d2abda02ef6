import type { Kysely, Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { AppTable, Database } from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import { type App, isNumberMatching, isProfile, isUserVerification } from './app.js';
import type { KeyHolder } from './key-cache.js';

export type AppRow = Selectable<AppTable>;

export function toApp(row: AppRow): App {
  if (
    !isProfile(row.profile) ||
    !isNumberMatching(row.number_matching) ||
    !isUserVerification(row.user_verification)
  ) {
    throw new Error(`app ${row.id} has an unknown profile, number matching or user verification setting`);
  }
  return {
    id: Number(row.id),
    name: row.name,
    profile: row.profile,
    numberMatching: row.number_matching,
    tokenLength: row.token_length,
    callbackUrl: row.callback_url,
    callbackExpired: Number(row.callback_expired) === 1,
    callbackDisabledAt: row.callback_disabled_at === null ? null : Number(row.callback_disabled_at),
    smsPerHour: row.sms_per_hour === null ? null : Number(row.sms_per_hour),
    smsPerDay: row.sms_per_day === null ? null : Number(row.sms_per_day),
    smsCountries: row.sms_countries === null ? null : Object.freeze(row.sms_countries.split(',')),
    userVerification: row.user_verification,
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
    accountSid: row.account_sid,
    createdAt: Number(row.created_at),
  };
}

export interface NewAppRow {
  name: string;
  profile: string;
  number_matching: string;
  token_length: number;
  callback_url: string | null;
  callback_expired: number;
  sms_per_hour: number | null;
  sms_per_day: number | null;
  sms_countries: string | null;
  user_verification: string;
  account_sid: string;
  created_at: number;
}

/**
 * What every change of an app or its keys announces, in its transaction: each instance's key cache drops
 * what it kept (R4′). On PostgreSQL it reaches the other instances by NOTIFY when the change commits.
 */
const changedApp = (appId: number): Publication[] => [
  { topic: topics.apps, event: { type: 'changed', appId } },
];

/** The only code that reads and writes apps and their keys. */
export class AppRepository {
  /** Every API call makes this lookup: compiled once. */
  private readonly byKeyDigest;
  /** Every callback reads the app, its newest key and its webhook secret: compiled once too. */
  private readonly byId;
  private readonly newestKey;
  private readonly webhookSecret;

  private readonly db: Kysely<Database>;
  private readonly store: Store<Publication>;

  constructor(store: Store<Publication>) {
    const db = store.db;
    this.db = db;
    this.store = store;
    this.byKeyDigest = compiledOnce(store, (digest: string, now: number) =>
      db
        .selectFrom('api_keys')
        .innerJoin('apps', 'apps.id', 'api_keys.app_id')
        .selectAll('apps')
        .select('api_keys.expires_at as key_expires_at')
        .where('api_keys.digest', '=', digest)
        // A disabled app's keys are unknown keys: the caller gets the one answer every key failure gets (R1).
        .where('apps.disabled_at', 'is', null)
        .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', now)])),
    );
    this.byId = compiledOnce(store, (id: number) => db.selectFrom('apps').selectAll().where('id', '=', id));
    this.newestKey = compiledOnce(store, (appId: number, now: number) =>
      db
        .selectFrom('api_keys')
        .select(['digest', 'key_ct'])
        .where('app_id', '=', appId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('id', 'desc')
        .limit(1),
    );
    this.webhookSecret = compiledOnce(store, (id: number) =>
      db.selectFrom('apps').select('webhook_secret_ct').where('id', '=', id),
    );
  }

  /** Inserts an app and its first key; `seal` receives the new id so ciphertexts can be bound to it. */
  async insert(
    row: NewAppRow,
    seal: (appId: number) => { webhookSecretCt: string; key: { digest: string; keyCt: string } },
  ): Promise<App> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('apps')
        .values({ ...row, webhook_secret_ct: '', updated_at: row.created_at })
        .returningAll()
        .executeTakeFirstOrThrow();
      const sealed = seal(Number(inserted.id));
      await tx
        .updateTable('apps')
        .set({ webhook_secret_ct: sealed.webhookSecretCt })
        .where('id', '=', inserted.id)
        .execute();
      await tx
        .insertInto('api_keys')
        .values({
          app_id: inserted.id,
          digest: sealed.key.digest,
          key_ct: sealed.key.keyCt,
          created_at: row.created_at,
          expires_at: null,
        })
        .execute();
      return toApp(inserted);
    });
  }

  /** The app whose live key has this digest, unless it is disabled, and when that key ends. */
  async findByKeyDigest(digest: string, now: number): Promise<KeyHolder | undefined> {
    const [row] = (await this.byKeyDigest(digest, now)).rows;
    if (row === undefined) return undefined;
    const { key_expires_at, ...app } = row;
    return { app: toApp(app), keyExpiresAt: key_expires_at === null ? null : Number(key_expires_at) };
  }

  /** Moves when another process commits to the database (`Store.dataVersion`): the key cache's check. */
  dataVersion(): number | undefined {
    return this.store.dataVersion();
  }

  async findById(id: number): Promise<App | undefined> {
    const [row] = (await this.byId(id)).rows;
    return row === undefined ? undefined : toApp(row);
  }

  async list(): Promise<App[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('id').execute();
    return rows.map(toApp);
  }

  async webhookSecretCt(id: number): Promise<string | undefined> {
    const [row] = (await this.webhookSecret(id)).rows;
    return row?.webhook_secret_ct;
  }

  /** The newest live key's ciphertext (used to sign Authy callbacks and to show the dev key). */
  async newestKeyCt(appId: number, now: number): Promise<{ digest: string; keyCt: string } | undefined> {
    const [row] = (await this.newestKey(appId, now)).rows;
    return row === undefined ? undefined : { digest: row.digest, keyCt: row.key_ct };
  }

  /** Adds a key and makes every older live key expire at `oldKeysExpireAt`. */
  async rotateKey(
    appId: number,
    key: { digest: string; keyCt: string },
    now: number,
    oldKeysExpireAt: number,
  ): Promise<void> {
    await this.store.change(async (tx) => {
      await tx
        .updateTable('api_keys')
        .set({ expires_at: oldKeysExpireAt })
        .where('app_id', '=', appId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', oldKeysExpireAt)]))
        .execute();
      await tx
        .insertInto('api_keys')
        .values({ app_id: appId, digest: key.digest, key_ct: key.keyCt, created_at: now, expires_at: null })
        .execute();
      return { value: undefined, events: changedApp(appId) };
    });
  }

  /** Turns an app's callback off (its receiver answered 410 Gone); setting its URL again turns it back on. */
  async disableCallback(id: number, now: number): Promise<void> {
    await this.store.change(async (tx) => {
      await tx.updateTable('apps').set({ callback_disabled_at: now }).where('id', '=', id).execute();
      return { value: undefined, events: changedApp(id) };
    });
  }

  /**
   * Disables the app at `now`, once: an app disabled already keeps its first time. `undefined`: no such app.
   */
  async disable(id: number, now: number): Promise<App | undefined> {
    await this.store.change(async (tx) => {
      await tx
        .updateTable('apps')
        .set({ disabled_at: now, updated_at: now })
        .where('id', '=', id)
        .where('disabled_at', 'is', null)
        .execute();
      return { value: undefined, events: changedApp(id) };
    });
    return this.findById(id);
  }

  async update(
    id: number,
    changes: Partial<
      Pick<
        AppTable,
        | 'name'
        | 'number_matching'
        | 'callback_url'
        | 'token_length'
        | 'callback_disabled_at'
        | 'sms_per_hour'
        | 'sms_per_day'
        | 'sms_countries'
        | 'user_verification'
      >
    > & {
      callback_expired?: number;
    },
    now: number,
  ): Promise<App | undefined> {
    const row = await this.store.change(async (tx) => {
      const updated = await tx
        .updateTable('apps')
        .set({ ...changes, updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return { value: updated, events: updated === undefined ? [] : changedApp(id) };
    });
    return row === undefined ? undefined : toApp(row);
  }
}
