import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

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

function reads(db: Kysely<Database>): ImportReads {
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

/**
 * The SQL of `countersign users import`: the identities (`users`) and links (`app_users`) it writes with the
 * Authy ids of the file, beside `UserRepository`, which writes them for `users/new`.
 */
export class UserImportRepository {
  constructor(private readonly store: Store) {}

  /** Runs `work` over the store as it is, writing nothing (a dry run). */
  read<T>(work: (reads: ImportReads) => Promise<T>): Promise<T> {
    return work(reads(this.store.db));
  }

  /**
   * Runs `work` as one transaction, which no other import overlaps: what it reads is what it writes over,
   * and if it throws, nothing it wrote stays.
   */
  write<T>(work: (writes: ImportWrites) => Promise<T>): Promise<T> {
    return this.store.serially(IMPORT_LOCK, (tx) =>
      work({
        ...reads(tx),
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
