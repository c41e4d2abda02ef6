import type { Kysely, Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled-once.js';
import type { Store } from '../db/database.js';
import type { AppUserTable, Database } from '../db/schema.js';

/** A user as one app knows them: the global identity joined with the app's link. */
export interface AppUser {
  readonly appId: number;
  readonly userId: number;
  readonly email: string;
  readonly countryCode: string;
  readonly phone: string;
  readonly confirmed: boolean;
  readonly totpConfirmed: boolean;
  readonly createdAt: number;
}

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

/** The only code that reads and writes users and their per-app links. */
export class UserRepository {
  /** Every call that names a user reads its link, and every verify its seed: both compiled once. */
  private readonly link;
  private readonly seed;

  private readonly db: Kysely<Database>;

  constructor(store: Store) {
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
      await tx
        .deleteFrom('approval_requests')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .execute();
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
}
