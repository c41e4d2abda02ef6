import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { UserVerification } from '../apps/app.js';
import { boundOnce, compiledOnce } from '../db/compiled-once.js';
import type { Store, UnitConnection } from '../db/database.js';
import type { AppUserTable, Database } from '../db/schema.js';
import type { AppUser } from './app-user.js';

type LinkRow = Selectable<AppUserTable> & { country_code: string; phone: string };

function toAppUser(row: LinkRow): AppUser {
  return {
    appId: Number(row.app_id),
    userId: Number(row.user_id),
    email: row.email,
    countryCode: row.country_code,
    phone: row.phone,
    confirmed: row.confirmed === 1,
    totpConfirmed: row.totp_confirmed === 1,
    createdAt: Number(row.created_at),
  };
}

/**
 * Withdraws what another feature keeps for an app's user, in the transaction that removes the user's link
 * to the app (R8): the user's approval requests in that app.
 */
export type OnUnlink = (tx: Transaction<Database>, appId: number, userId: number) => Promise<void>;

/** A person being erased (`users erase`): their Authy id and their phone number as each table keys it. */
export interface ErasedPerson {
  readonly userId: number;
  readonly countryCode: string;
  /** The national number, digits only. */
  readonly phone: string;
  /** `+{cc}{national}`: how messages and Verify v2 name the number. */
  readonly e164: string;
}

/**
 * Deletes what another feature keeps about a person, in the transaction that erases the person (issue 21):
 * gives the number of rows (of its kind) deleted.
 */
export type OnErase = (tx: Transaction<Database>, person: ErasedPerson) => Promise<number>;

/** A user's identity as their own copy of their data shows it (`users export`). */
export interface Identity {
  readonly userId: number;
  readonly namespace: string;
  readonly countryCode: string;
  readonly phone: string;
  readonly createdAt: number;
}

/** An activity an app registered for its user (`POST …/users/{id}/register_activity`). */
export interface Activity {
  readonly appId: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly userIp: string | null;
  readonly createdAt: number;
}

/**
 * The only code that writes users and their per-app links (`users`, `app_users`): for `users/new` and the
 * operator's commands, and for `countersign users import`, which writes them with the ids of its file.
 */
/** An app a user is registered with, as the devices' accounts and admissions read it. */
export interface AppLink {
  appId: number;
  appName: string;
  profile: string;
  tokenLength: number;
  userVerification: UserVerification;
}

/** A user's link to an app as an operator sees it (`countersign users …`): never its seed. */
export interface OperatorLink {
  appId: number;
  appName: string;
  userId: number;
  email: string;
  countryCode: string;
  /** The national number in full: callers mask it before showing it (`maskForStatus`). */
  phone: string;
  failedCount: number;
  lockedUntil: number | null;
  pushPausedUntil: number | null;
  createdAt: number;
}

/** `%`, `_` and `\\` stand for themselves in a LIKE pattern (ESCAPE '\\'). */
function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Rows read or written by one statement: far below both databases' limits on bound values. */
const BATCH = 500;

/** The lock no two imports hold at once (`Store.serially`). */
const IMPORT_LOCK = 'users.import';

/** A global identity (D8): a phone number in a namespace, and its Authy id. */
export interface KnownIdentity {
  readonly id: number;
  readonly namespace: string;
  readonly countryCode: string;
  readonly phone: string;
}

/** What an import reads to decide each row: identities by id and by phone, and the app's links. */
export interface ImportReads {
  identitiesById(ids: readonly number[]): Promise<KnownIdentity[]>;
  /** The identities of these national numbers under one calling code in one namespace. */
  identitiesByPhone(
    namespace: string,
    countryCode: string,
    phones: readonly string[],
  ): Promise<KnownIdentity[]>;
  /** The email of each of these users the app has a link to. */
  linkEmails(appId: number, userIds: readonly number[]): Promise<Map<number, string>>;
}

/** A link to an app as `users/new` writes it: a fresh sealed seed, nothing confirmed, no failures. */
export interface NewLink {
  readonly userId: number;
  readonly email: string;
  readonly seedCt: string;
}

/** What an import writes, in its one transaction, after reading. */
export interface ImportWrites extends ImportReads {
  /** Ids the database gives next are above `id` (`Store.keepIdsAbove`). */
  keepIdsAbove(id: number): Promise<void>;
  insertIdentities(identities: readonly KnownIdentity[], now: number): Promise<void>;
  insertLinks(appId: number, links: readonly NewLink[], now: number): Promise<void>;
  setEmail(appId: number, userId: number, email: string): Promise<void>;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

const toIdentity = (row: { id: number; namespace: string; country_code: string; phone: string }) => ({
  id: Number(row.id),
  namespace: row.namespace,
  countryCode: row.country_code,
  phone: row.phone,
});

function importReads(db: Kysely<Database>): ImportReads {
  return {
    async identitiesById(ids) {
      const found: KnownIdentity[] = [];
      for (const batch of chunks(ids)) {
        const rows = await db
          .selectFrom('users')
          .select(['id', 'namespace', 'country_code', 'phone'])
          .where('id', 'in', batch)
          .execute();
        found.push(...rows.map(toIdentity));
      }
      return found;
    },
    async identitiesByPhone(namespace, countryCode, phones) {
      const found: KnownIdentity[] = [];
      for (const batch of chunks(phones)) {
        const rows = await db
          .selectFrom('users')
          .select(['id', 'namespace', 'country_code', 'phone'])
          .where('namespace', '=', namespace)
          .where('country_code', '=', countryCode)
          .where('phone', 'in', batch)
          .execute();
        found.push(...rows.map(toIdentity));
      }
      return found;
    },
    async linkEmails(appId, userIds) {
      const emails = new Map<number, string>();
      for (const batch of chunks(userIds)) {
        const rows = await db
          .selectFrom('app_users')
          .select(['user_id', 'email'])
          .where('app_id', '=', appId)
          .where('user_id', 'in', batch)
          .execute();
        for (const row of rows) emails.set(Number(row.user_id), row.email);
      }
      return emails;
    },
  };
}

export class UserRepository {
  /** Every call that names a user reads its link, and every verify its seed: both compiled once. */
  private readonly link;
  private readonly seed;
  /** The statements a verify runs on the link inside its attempt (`VerifyState`), compiled once. */
  private readonly count;
  private readonly lockEnd;
  private readonly step;
  private readonly uncount;
  private readonly used;
  private readonly locking;

  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    /** Run in the transaction that removes a user's link to an app, before the link goes. */
    private readonly onUnlink: readonly OnUnlink[] = [],
    /**
     * Run in order in the transaction that erases a person, before the identity and its links go; each names
     * the count it gives in the erasure's report.
     */
    private readonly onErase: Readonly<Record<string, OnErase>> = {},
  ) {
    const db = store.db;
    this.db = db;
    this.link = compiledOnce(store, (appId: number, userId: number) =>
      db
        .selectFrom('app_users')
        .innerJoin('users', 'users.id', 'app_users.user_id')
        .selectAll('app_users')
        .select(['users.country_code', 'users.phone'])
        .where('app_users.app_id', '=', appId)
        .where('app_users.user_id', '=', userId),
    );
    this.seed = compiledOnce(store, (appId: number, userId: number) =>
      db
        .selectFrom('app_users')
        .select('totp_seed_ct')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId),
    );
    this.count = boundOnce((appId: number, userId: number, now: number) =>
      db
        .updateTable('app_users')
        .set({ failed_count: sql`failed_count + 1` })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .returning(['failed_count', 'lock_count', 'totp_seed_ct', 'totp_last_step']),
    );
    this.lockEnd = boundOnce((appId: number, userId: number) =>
      db
        .selectFrom('app_users')
        .select('locked_until')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId),
    );
    this.step = boundOnce((appId: number, userId: number, step: number) =>
      db
        .updateTable('app_users')
        .set({ totp_last_step: step, totp_confirmed: 1, confirmed: 1, failed_count: 0, lock_count: 0 })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])),
    );
    this.uncount = boundOnce((appId: number, userId: number) =>
      db
        .updateTable('app_users')
        .set({ failed_count: sql`failed_count - 1` })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('failed_count', '>', 0),
    );
    this.used = boundOnce((appId: number, userId: number) =>
      db
        .updateTable('app_users')
        .set({ failed_count: 0, lock_count: 0, confirmed: 1 })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId),
    );
    this.locking = boundOnce((appId: number, userId: number, until: number, now: number) =>
      db
        .updateTable('app_users')
        .set({ locked_until: until, lock_count: sql`lock_count + 1`, failed_count: 0 })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .returning('locked_until'),
    );
  }

  /**
   * Finds or creates the identity for a phone number, then links it to the app (D8). An existing link keeps
   * its secret and counters; only the email changes. `sealSeed` is called only when no link exists yet.
   */
  async register(
    input: {
      namespace: string;
      countryCode: string;
      phone: string;
      email: string;
      appId: number;
      now: number;
    },
    sealSeed: (userId: number) => string,
  ): Promise<{ userId: number; created: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('users')
        .values({
          namespace: input.namespace,
          country_code: input.countryCode,
          phone: input.phone,
          created_at: input.now,
        })
        .onConflict((oc) => oc.columns(['namespace', 'country_code', 'phone']).doNothing())
        .execute();
      const user = await tx
        .selectFrom('users')
        .select('id')
        .where('namespace', '=', input.namespace)
        .where('country_code', '=', input.countryCode)
        .where('phone', '=', input.phone)
        .executeTakeFirstOrThrow();
      const userId = Number(user.id);
      const setEmail = async () => {
        const updated = await tx
          .updateTable('app_users')
          .set({ email: input.email })
          .where('app_id', '=', input.appId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return Number(updated.numUpdatedRows) === 1;
      };
      if (await setEmail()) return { userId, created: false };
      // Two registrations of one number at once (two instances on PostgreSQL): one inserts the link, the
      // other finds it taken and only sets the email, as if it had come second.
      const inserted = await tx
        .insertInto('app_users')
        .values({
          app_id: input.appId,
          user_id: userId,
          email: input.email,
          totp_seed_ct: sealSeed(userId),
          totp_last_step: null,
          totp_confirmed: 0,
          confirmed: 0,
          failed_count: 0,
          lock_count: 0,
          locked_until: null,
          created_at: input.now,
        })
        .onConflict((oc) => oc.columns(['app_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { userId, created: true };
      await setEmail();
      return { userId, created: false };
    });
  }

  /** The app's user with this id, or `undefined` when the app never registered it (D8: same as nonexistent). */
  async find(appId: number, userId: number): Promise<AppUser | undefined> {
    const [row] = (await this.link(appId, userId)).rows;
    return row === undefined ? undefined : toAppUser(row);
  }

  async seedCt(appId: number, userId: number): Promise<string | undefined> {
    const [row] = (await this.seed(appId, userId)).rows;
    return row?.totp_seed_ct;
  }

  /** Removes the app's link and everything the app kept about the user; other apps are untouched (R8). */
  async remove(appId: number, userId: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      for (const unlink of this.onUnlink) await unlink(tx, appId, userId);
      const result = await tx
        .deleteFrom('app_users')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      const links = await tx
        .selectFrom('app_users')
        .select('app_id')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (links === undefined) await tx.deleteFrom('users').where('id', '=', userId).execute();
      return Number(result.numDeletedRows) === 1;
    });
  }

  /**
   * Erases a person everywhere (`users erase`, issue 21): what other features keep (`onErase`), every app link
   * with its seed, codes and activities, and the identity with its devices, enrollments, admissions and
   * invitations (the foreign keys cascade), in one transaction, then as much of the deleted rows as the
   * database can clear from its files (`Store.erase`). `undefined`: no such user.
   */
  async erase(userId: number): Promise<{ counts: Record<string, number>; cleared: boolean } | undefined> {
    const { value, cleared } = await this.store.erase(async (tx) => {
      const user = await tx
        .selectFrom('users')
        .select(['country_code', 'phone'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (user === undefined) return undefined;
      const person: ErasedPerson = {
        userId,
        countryCode: user.country_code,
        phone: user.phone,
        e164: `+${user.country_code}${user.phone}`,
      };
      const counts: Record<string, number> = {};
      for (const [name, erase] of Object.entries(this.onErase)) counts[name] = await erase(tx, person);
      const links = await tx.deleteFrom('app_users').where('user_id', '=', userId).executeTakeFirst();
      counts.apps = Number(links.numDeletedRows);
      await tx.deleteFrom('users').where('id', '=', userId).execute();
      return counts;
    });
    return value === undefined ? undefined : { counts: value, cleared };
  }

  /** The identity with this Authy id, or `undefined`. */
  async identity(userId: number): Promise<Identity | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'namespace', 'country_code', 'phone', 'created_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          userId: Number(row.id),
          namespace: row.namespace,
          countryCode: row.country_code,
          phone: row.phone,
          createdAt: Number(row.created_at),
        };
  }

  /** The activities apps registered for the user, oldest first, in one app or all. */
  async activitiesOf(userId: number, appId?: number): Promise<Activity[]> {
    let select = this.db
      .selectFrom('activities')
      .select(['app_id', 'type', 'data', 'user_ip', 'created_at'])
      .where('user_id', '=', userId);
    if (appId !== undefined) select = select.where('app_id', '=', appId);
    const rows = await select.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      appId: Number(r.app_id),
      type: r.type,
      data: JSON.parse(r.data) as Record<string, unknown>,
      userIp: r.user_ip,
      createdAt: Number(r.created_at),
    }));
  }

  async addActivity(activity: {
    appId: number;
    userId: number;
    type: string;
    data: string;
    userIp: string | null;
    now: number;
  }): Promise<void> {
    await this.db
      .insertInto('activities')
      .values({
        app_id: activity.appId,
        user_id: activity.userId,
        type: activity.type,
        data: activity.data,
        user_ip: activity.userIp,
        created_at: activity.now,
      })
      .execute();
  }

  async countForApp(appId: number): Promise<number> {
    const row = await this.db
      .selectFrom('app_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The live (non-sandbox) identity of a phone number, if any app registered it. */
  async findIdentity(namespace: string, countryCode: string, phone: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where('namespace', '=', namespace)
      .where('country_code', '=', countryCode)
      .where('phone', '=', phone)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.id);
  }

  /** The apps a user is registered with, for the accounts a device shows. */
  async appLinks(userId: number): Promise<AppLink[]> {
    const rows = await this.db
      .selectFrom('app_users')
      .innerJoin('apps', 'apps.id', 'app_users.app_id')
      .select(['apps.id', 'apps.name', 'apps.profile', 'apps.token_length', 'apps.user_verification'])
      .where('app_users.user_id', '=', userId)
      .orderBy('apps.id')
      .execute();
    return rows.map((r) => ({
      appId: Number(r.id),
      appName: r.name,
      profile: r.profile,
      tokenLength: Number(r.token_length),
      userVerification: r.user_verification as UserVerification,
    }));
  }

  /** Pauses pushes to the app's user until `until` ("this wasn't me", R42). */
  async pausePushes(appId: number, userId: number, until: number): Promise<void> {
    await this.db
      .updateTable('app_users')
      .set({ push_paused_until: until })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .execute();
  }

  async pushPausedUntil(appId: number, userId: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('app_users')
      .select('push_paused_until')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.push_paused_until === null || row === undefined ? null : Number(row.push_paused_until);
  }

  // The verify state on the link (`VerifyState` of the token repository), in the verify's transaction.

  async countAttempt(
    tx: UnitConnection,
    appId: number,
    userId: number,
    now: number,
  ): Promise<
    { failedCount: number; lockCount: number; seedCt: string; lastStep: number | null } | undefined
  > {
    const [row] = (await tx.executeQuery(this.count(appId, userId, now))).rows;
    return row === undefined
      ? undefined
      : {
          failedCount: Number(row.failed_count),
          lockCount: Number(row.lock_count),
          seedCt: row.totp_seed_ct,
          lastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
        };
  }

  async lockedUntil(tx: UnitConnection, appId: number, userId: number): Promise<number | null | undefined> {
    const [row] = (await tx.executeQuery(this.lockEnd(appId, userId))).rows;
    return row === undefined ? undefined : row.locked_until === null ? null : Number(row.locked_until);
  }

  async acceptStep(tx: UnitConnection, appId: number, userId: number, step: number): Promise<boolean> {
    return Number((await tx.executeQuery(this.step(appId, userId, step))).numAffectedRows) === 1;
  }

  async forgive(tx: UnitConnection, appId: number, userId: number): Promise<void> {
    await tx.executeQuery(this.uncount(appId, userId));
  }

  async codeUsed(tx: UnitConnection, appId: number, userId: number): Promise<void> {
    await tx.executeQuery(this.used(appId, userId));
  }

  async lock(
    tx: UnitConnection,
    appId: number,
    userId: number,
    until: number,
    now: number,
  ): Promise<number | undefined> {
    const [locked] = (await tx.executeQuery(this.locking(appId, userId, until, now))).rows;
    return locked?.locked_until === null || locked === undefined ? undefined : Number(locked.locked_until);
  }

  // Operator reads and changes (`countersign users …`).

  private operatorLinks() {
    return this.db
      .selectFrom('app_users')
      .innerJoin('users', 'users.id', 'app_users.user_id')
      .innerJoin('apps', 'apps.id', 'app_users.app_id')
      .select([
        'app_users.app_id',
        'apps.name as app_name',
        'app_users.user_id',
        'app_users.email',
        'users.country_code',
        'users.phone',
        'app_users.failed_count',
        'app_users.locked_until',
        'app_users.push_paused_until',
        'app_users.created_at',
      ]);
  }

  /**
   * Links whose user has the Authy id `userId`, or whose email or phone number contains `text`
   * (case-insensitive for emails), newest first; only the app's when `appId` is given.
   */
  async search(query: {
    appId?: number;
    text?: string;
    userId?: number;
    limit: number;
  }): Promise<OperatorLink[]> {
    let select = this.operatorLinks();
    if (query.appId !== undefined) select = select.where('app_users.app_id', '=', query.appId);
    const text = query.text;
    if (text !== undefined) {
      // A phone number is searched as digits, with or without its country code (`+1 509-555-0101`).
      const digits = /^[+\d\s().-]+$/.test(text) ? text.replace(/\D/g, '') : '';
      select = select.where((eb) =>
        eb.or([
          ...(query.userId === undefined ? [] : [eb('app_users.user_id', '=', query.userId)]),
          eb(
            eb.fn('lower', ['app_users.email']),
            'like',
            sql<string>`${likeContaining(text.toLowerCase())} escape '\\'`,
          ),
          ...(digits === ''
            ? []
            : [
                eb(
                  sql<string>`${sql.ref('users.country_code')} || ${sql.ref('users.phone')}`,
                  'like',
                  sql<string>`${likeContaining(digits)}`,
                ),
              ]),
        ]),
      );
    }
    const rows = await select
      .orderBy('app_users.created_at', 'desc')
      .orderBy('app_users.app_id')
      .limit(query.limit)
      .execute();
    return rows.map(toOperatorLink);
  }

  /** Every app link of a user, by app id. */
  async operatorLinksOf(userId: number): Promise<OperatorLink[]> {
    const rows = await this.operatorLinks()
      .where('app_users.user_id', '=', userId)
      .orderBy('app_users.app_id')
      .execute();
    return rows.map(toOperatorLink);
  }

  /**
   * Lifts the user's TOTP lockout and forgets its failed attempts and earlier lockouts, in one app or in
   * all; gives the number of links changed.
   */
  async unlock(userId: number, appId?: number): Promise<number> {
    let update = this.db
      .updateTable('app_users')
      .set({ locked_until: null, failed_count: 0, lock_count: 0 })
      .where('user_id', '=', userId);
    if (appId !== undefined) update = update.where('app_id', '=', appId);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  // An import's reads and writes (`countersign users import`, `UserImport`).

  /** Runs `work` over the store as it is, writing nothing (a dry run). */
  readForImport<T>(work: (reads: ImportReads) => Promise<T>): Promise<T> {
    return work(importReads(this.store.db));
  }

  /**
   * Runs `work` as one transaction, which no other import overlaps: what it reads is what it writes over,
   * and if it throws, nothing it wrote stays.
   */
  writeImport<T>(work: (writes: ImportWrites) => Promise<T>): Promise<T> {
    return this.store.serially(IMPORT_LOCK, (tx) =>
      work({
        ...importReads(tx),
        keepIdsAbove: (id) => this.store.keepIdsAbove(tx, 'users', id),
        async insertIdentities(identities, now) {
          for (const batch of chunks(identities)) {
            await tx
              .insertInto('users')
              .values(
                batch.map((identity) => ({
                  id: identity.id,
                  namespace: identity.namespace,
                  country_code: identity.countryCode,
                  phone: identity.phone,
                  created_at: now,
                })),
              )
              .execute();
          }
        },
        async insertLinks(appId, links, now) {
          for (const batch of chunks(links)) {
            await tx
              .insertInto('app_users')
              .values(
                batch.map((link) => ({
                  app_id: appId,
                  user_id: link.userId,
                  email: link.email,
                  totp_seed_ct: link.seedCt,
                  totp_last_step: null,
                  totp_confirmed: 0,
                  confirmed: 0,
                  failed_count: 0,
                  lock_count: 0,
                  locked_until: null,
                  created_at: now,
                })),
              )
              .execute();
          }
        },
        async setEmail(appId, userId, email) {
          await tx
            .updateTable('app_users')
            .set({ email })
            .where('app_id', '=', appId)
            .where('user_id', '=', userId)
            .execute();
        },
      }),
    );
  }
}

function toOperatorLink(row: {
  app_id: number;
  app_name: string;
  user_id: number;
  email: string;
  country_code: string;
  phone: string;
  failed_count: number;
  locked_until: number | null;
  push_paused_until: number | null;
  created_at: number;
}): OperatorLink {
  const optional = (value: number | null) => (value === null ? null : Number(value));
  return {
    appId: Number(row.app_id),
    appName: row.app_name,
    userId: Number(row.user_id),
    email: row.email,
    countryCode: row.country_code,
    phone: row.phone,
    failedCount: Number(row.failed_count),
    lockedUntil: optional(row.locked_until),
    pushPausedUntil: optional(row.push_paused_until),
    createdAt: Number(row.created_at),
  };
}
