import { type Expression, type Kysely, sql } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** A range cut in buckets of equal length: `[start, start + size × count)`. */
export interface Buckets {
  /** The first bucket's start (ms). */
  readonly start: number;
  /** A bucket's length (ms). */
  readonly size: number;
  readonly count: number;
}

/** How many rows of one key fell in one bucket (`bucket`: its index from 0). */
export interface BucketCount<K extends string = string> {
  readonly bucket: number;
  readonly key: K;
  readonly n: number;
}

const endOf = (range: Buckets) => range.start + range.size * range.count;

/**
 * A time column's bucket index, computed by the database: whole-number arithmetic that SQLite and
 * PostgreSQL read alike (the cast truncates, which is the floor for the rows of the range).
 */
function bucketOf(column: Expression<number>, range: Buckets) {
  return sql<number>`cast((${column} - ${range.start}) / ${range.size} as integer)`;
}

/** Counts grouped by bucket and key, as numbers (PostgreSQL answers counts and sums as text). */
function counted<K extends string>(
  rows: Array<{ bucket: unknown; key: unknown; n: unknown }>,
): BucketCount<K>[] {
  return rows.map((row) => ({ bucket: Number(row.bucket), key: String(row.key) as K, n: Number(row.n) }));
}

/**
 * What the console's Overview reads (issue 17): every figure is counted by the database from the rows the
 * service keeps (approval requests, codes sent, callback attempts, security events, verification counters),
 * grouped in buckets of a range. Reads only.
 */
export class OverviewRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /** Requests created in each bucket, by status as read at `now` (pending past its expiry reads expired). */
  async approvals(range: Buckets, now: number): Promise<BucketCount[]> {
    const rows = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('approval_requests')
          .select((eb) => [
            bucketOf(eb.ref('created_at'), range).as('bucket'),
            eb
              .case()
              .when(eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', now)]))
              .then(sql<string>`'expired'`)
              .else(eb.ref('status'))
              .end()
              .as('key'),
          ])
          .where('created_at', '>=', range.start)
          .where('created_at', '<', endOf(range))
          .as('r'),
      )
      .select((eb) => ['r.bucket', 'r.key', eb.fn.countAll().as('n')])
      .groupBy(['r.bucket', 'r.key'])
      .execute();
    return counted(rows);
  }

  /** Verifications counted in each bucket, by `kind:outcome` (`totp:accepted`, `sms:locked`…). */
  async verifications(range: Buckets): Promise<BucketCount[]> {
    const rows = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('verification_counts')
          .select((eb) => [
            bucketOf(eb.ref('minute'), range).as('bucket'),
            sql<string>`${eb.ref('kind')} || ':' || ${eb.ref('outcome')}`.as('key'),
            'count',
          ])
          .where('minute', '>=', range.start)
          .where('minute', '<', endOf(range))
          .as('v'),
      )
      .select((eb) => ['v.bucket', 'v.key', eb.fn.sum('v.count').as('n')])
      .groupBy(['v.bucket', 'v.key'])
      .execute();
    return counted(rows);
  }

  /**
   * Codes the messaging provider accepted, in each bucket, by channel (`sms`, `call`): the codes of
   * `/sms` and `/call` and those of phone verifications. A send still in flight or refused by the provider
   * is not counted.
   */
  async codesSent(range: Buckets): Promise<BucketCount[]> {
    const end = endOf(range);
    const rows = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('otp_codes')
          .select((eb) => [bucketOf(eb.ref('created_at'), range).as('bucket'), 'channel as key'])
          .where('created_at', '>=', range.start)
          .where('created_at', '<', end)
          .where('state', 'not in', ['sending', 'failed'])
          .unionAll(
            db
              .selectFrom('phone_verifications')
              .select((eb) => [bucketOf(eb.ref('created_at'), range).as('bucket'), 'via as key'])
              .where('created_at', '>=', range.start)
              .where('created_at', '<', end)
              .where('state', 'not in', ['sending', 'failed_send']),
          )
          .as('c'),
      )
      .select((eb) => ['c.bucket', 'c.key', eb.fn.countAll().as('n')])
      .groupBy(['c.bucket', 'c.key'])
      .execute();
    return counted(rows);
  }

  /** Callback attempts in each bucket: `delivered` (a 2xx answer) or `failed` (anything else, or none). */
  async callbacks(range: Buckets): Promise<BucketCount<'delivered' | 'failed'>[]> {
    const rows = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('webhook_attempts')
          .select((eb) => [
            bucketOf(eb.ref('attempted_at'), range).as('bucket'),
            eb
              .case()
              .when(eb.and([eb('status_code', '>=', 200), eb('status_code', '<', 300)]))
              .then(sql<string>`'delivered'`)
              .else(sql<string>`'failed'`)
              .end()
              .as('key'),
          ])
          .where('attempted_at', '>=', range.start)
          .where('attempted_at', '<', endOf(range))
          .as('a'),
      )
      .select((eb) => ['a.bucket', 'a.key', eb.fn.countAll().as('n')])
      .groupBy(['a.bucket', 'a.key'])
      .execute();
    return counted(rows);
  }

  /** Security events of these types in each bucket, by type. */
  async securityEvents(range: Buckets, types: readonly string[]): Promise<BucketCount[]> {
    const rows = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('security_events')
          .select((eb) => [bucketOf(eb.ref('created_at'), range).as('bucket'), 'type as key'])
          .where('created_at', '>=', range.start)
          .where('created_at', '<', endOf(range))
          .where('type', 'in', [...types])
          .as('e'),
      )
      .select((eb) => ['e.bucket', 'e.key', eb.fn.countAll().as('n')])
      .groupBy(['e.bucket', 'e.key'])
      .execute();
    return counted(rows);
  }

  /** How many requests created in the range were answered by a device. */
  async answeredCount(range: Buckets): Promise<number> {
    const row = await this.answeredIn(range)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The answer time (ms from creation to answer) of rank `index` (from 0, shortest first) among the
   * requests created in the range and answered: one row read, however many there are.
   */
  async answerTimeAt(range: Buckets, index: number): Promise<number | undefined> {
    const row = await this.answeredIn(range)
      .select(sql<number>`processed_at - created_at`.as('ms'))
      .orderBy('ms')
      .limit(1)
      .offset(index)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.ms);
  }

  private answeredIn(range: Buckets) {
    return this.db
      .selectFrom('approval_requests')
      .where('created_at', '>=', range.start)
      .where('created_at', '<', endOf(range))
      .where('processed_at', 'is not', null)
      .where('status', 'in', ['approved', 'denied']);
  }
}
