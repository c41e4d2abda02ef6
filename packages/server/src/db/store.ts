import {
  type Compilable,
  CompiledQuery,
  type Kysely,
  type QueryCreator,
  type QueryResult,
  type SelectQueryBuilder,
  type Transaction,
  type UpdateQueryBuilder,
} from 'kysely';
import { type Announced, type Announcer, type Notifications, SILENT } from './announcer.js';
import { type CompiledWithSlots, compileWithSlots } from './compiled-once.js';
import type { Database } from './schema.js';

/**
 * What differs between the databases, behind one interface, as Kysely's `DialectAdapter`: one
 * implementation per dialect folder (`sqlite/`, `postgres/`). Only `createStore` uses it.
 */
export interface StoreAdapter {
  /** Whether several instances may share the database at once. */
  readonly shared: boolean;
  /** Whether a writing statement may be a common table expression of another (PostgreSQL's `WITH … UPDATE`). */
  readonly writesInWith: boolean;
  /** Runs a query compiled once (`compiledOnce`). */
  run<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /** See `Store.dataVersion`. */
  dataVersion(): number | undefined;
  /** See `Store.unit`. */
  unit<T>(work: (tx: UnitConnection) => Promise<T>): Promise<T>;
  /**
   * Runs `work` at once as one transaction, its statements (compiled once) run synchronously, where the
   * database runs statements synchronously and no transaction holds its connection (SQLite): nothing else
   * can then run between them, and there is no promise, lock or Kysely transaction around each. `undefined`
   * where it cannot (PostgreSQL; SQLite while a transaction is open): the caller runs the unit with `unit`.
   */
  unitNow<T>(work: (run: <R>(query: CompiledQuery<R>) => QueryResult<R>) => T): { value: T } | undefined;
  /** Locks the rows a query selects for the transaction, skipping rows another transaction holds. */
  lockForUpdateSkipLocked<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;
  /**
   * Runs `work` in one transaction that no other `serially` call of the same `lock` overlaps, in any process
   * sharing the database.
   */
  serially<T>(lock: string, work: (tx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** See `Store.keepIdsAbove`. */
  keepIdsAbove(tx: Kysely<Database>, table: IdTable, id: number): Promise<void>;
  /**
   * After a transaction that erased personal data: removes from the database's files what they still keep of
   * the rows it deleted, where the database can; `true` when nothing of them is left there.
   */
  clearDeleted(): Promise<boolean>;
  /** Sends `notifications` from the transaction `tx`: they go out when it commits, and never if it rolls back. */
  notifyInTransaction(tx: Transaction<Database>, notifications: Notifications): Promise<void>;
  /**
   * Runs a writing statement that ends with its `RETURNING` clause, sending `notifications` from it when it
   * returns a row; hands back its rows as they were.
   */
  runNotifying<R>(query: CompiledQuery<R>, notifications: Notifications): Promise<R[]>;
  destroy(): Promise<void>;
}

/**
 * The connection a unit (`Store.unit`) runs its statements on, all inside its transaction; each statement is
 * a query compiled once (`boundOnce`). A Kysely transaction is one too.
 */
export interface UnitConnection {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** The tables whose integer primary key `id` the database numbers (`autoId`) and a caller may also choose. */
export type IdTable = 'users';

/** A statement built for a store to run (`Store.followedChange`, `Store.run` once compiled). */
export type Statement = Compilable<unknown>;

/** The row a change returned, as the table `changed` of the statement that follows from it. */
export type AfterChange<C> = QueryCreator<Database & { changed: C }>;

/**
 * A change of at most one row and the statement that follows from the row it changed (the outbox entry
 * that reports it, say), built from one run's values.
 */
export interface FollowedChange<C, UT extends keyof Database, TB extends keyof Database> {
  /** A conditional `UPDATE … RETURNING` of at most one row: the columns the next statement reads. */
  readonly change: UpdateQueryBuilder<Database, UT, TB, C>;
  /** The statement that follows, reading the changed row from `changed`; it ends with `RETURNING`. */
  readonly next: (after: AfterChange<C>) => Statement;
}

/**
 * The service's database, and what each database does its own way (`StoreAdapter`), offered as
 * capabilities: repositories use them and never ask which database they run on. Publications of type `P`
 * announce the changes made through it (`announcing`).
 */
export interface Store<P = never> {
  /** The query builder over the service's tables: for repositories only. */
  readonly db: Kysely<Database>;
  /**
   * Whether several instances may share this store at once (PostgreSQL): events must then cross instances,
   * and counts shared by every instance (rate limits) are kept in it. One instance uses a SQLite file.
   */
  readonly shared: boolean;
  /** Runs a query compiled once (`compiledOnce`, `boundOnce`). */
  run<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /**
   * A number that moves whenever another connection (another process: the command line beside the service)
   * commits to the database, read at once without a statement of the service's own: SQLite's
   * `PRAGMA data_version`. Changes made through this store do not move it. `undefined` where the database
   * has no such cheap mark (PostgreSQL, or a store over a Kysely instance made elsewhere).
   */
  dataVersion(): number | undefined;
  /**
   * Runs `work` as one transaction whose statements (compiled once) go straight to the connection it holds,
   * without a Kysely transaction around them: for the hot paths that run a few statements as one unit (a
   * verify). It announces nothing. SQLite runs each statement at once on its one connection, whose Kysely lock
   * the unit holds so that no other statement lands inside; PostgreSQL runs them on a pooled connection as
   * named prepared statements, and runs `work` once more if a migration made one of their plans stale (the
   * transaction had rolled back: `work` must change nothing outside it).
   */
  unit<T>(work: (tx: UnitConnection) => Promise<T>): Promise<T>;
  /** See `StoreAdapter.unitNow`: a unit run at once, or `undefined` where it cannot be. It announces nothing. */
  unitNow<T>(work: (run: <R>(query: CompiledQuery<R>) => QueryResult<R>) => T): { value: T } | undefined;
  /**
   * The rows a worker claims: locked with `FOR UPDATE SKIP LOCKED` where rows lock (PostgreSQL), so workers of
   * several instances take disjoint rows instead of waiting on each other (R76); as they are where one writer
   * runs at a time (SQLite).
   */
  lockForUpdateSkipLocked<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;
  /**
   * Runs `work` in one transaction that no other `serially` call of the same `lock` overlaps, from this or any
   * other instance: for what must be one sequence whoever appends to it (the audit chain). An advisory lock
   * taken in the transaction where rows lock (PostgreSQL); a transaction that takes the write lock when it
   * begins (`BEGIN IMMEDIATE`) where one writer runs at a time (SQLite). It announces nothing.
   */
  serially<T>(lock: string, work: (tx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Makes the ids the database gives next in `table` greater than `id`, in the transaction `tx` that wrote
   * rows with ids of its own choosing (an import keeping Authy ids): never lowers them. SQLite's
   * `AUTOINCREMENT` already keeps the largest id ever inserted (`sqlite_sequence`, in the inserting
   * transaction); PostgreSQL's identity sequence is moved with `setval`, which, like every sequence change
   * there, is not undone if the transaction rolls back (ids then only skip a range).
   */
  keepIdsAbove(tx: Kysely<Database>, table: IdTable, id: number): Promise<void>;
  /**
   * Runs `work` in one transaction and announces the change with the publications it returns: delivered if
   * and once it commits, never if it rolls back.
   */
  change<T>(work: (tx: Transaction<Database>) => Promise<Announced<T, P>>): Promise<T>;
  /**
   * Runs one writing statement that ends with its `RETURNING` clause, on its own, and announces `events` if it
   * returned a row. One round trip where a transaction takes four, for the hot paths that change one row. It
   * must return at most one row and be compiled once (`boundOnce`).
   */
  changeOne<R>(query: CompiledQuery<R>, events: readonly P[]): Promise<R[]>;
  /**
   * A change of one row and the statement that follows from it (`FollowedChange`), compiled once, run as one
   * unit and announced: one statement where a writing statement can be a common table expression
   * (PostgreSQL), one transaction elsewhere. Each run resolves `true` when the change changed its row (and the
   * statement that follows ran), `false` when it changed nothing (and nothing ran).
   */
  followedChange<
    A extends readonly unknown[],
    C extends object,
    UT extends keyof Database,
    TB extends keyof Database,
  >(
    build: (...values: A) => FollowedChange<C, UT, TB>,
  ): (values: A, events: readonly P[]) => Promise<boolean>;
  /**
   * Runs `work` in one transaction that erases personal data, then clears what the database's files keep of
   * the rows it deleted (`StoreAdapter.clearDeleted`): `cleared` says whether nothing of them is left there.
   * It announces nothing.
   */
  erase<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<{ value: T; cleared: boolean }>;
  /** The same store, announcing its changes through `announcer` (the event bus). */
  announcing<Q>(announcer: Announcer<Q>): Store<Q>;
  /** Closes every connection. */
  destroy(): Promise<void>;
}

/** A store over `db`, doing what differs between the databases as `adapter` says. */
export function createStore(db: Kysely<Database>, adapter: StoreAdapter): Store {
  return storeWith(db, adapter, SILENT);
}

function storeWith<P>(db: Kysely<Database>, adapter: StoreAdapter, announcer: Announcer<P>): Store<P> {
  const notificationsOf = (events: readonly P[]) =>
    events.length === 0 ? undefined : announcer.notifications(events);

  const changeOne = async <R>(query: CompiledQuery<R>, events: readonly P[]): Promise<R[]> => {
    const notifications = notificationsOf(events);
    const rows =
      notifications === undefined
        ? (await adapter.run(query)).rows
        : await adapter.runNotifying(query, notifications);
    if (rows.length > 0 && events.length > 0) announcer.committed(events);
    return rows;
  };

  const change = async <T>(work: (tx: Transaction<Database>) => Promise<Announced<T, P>>): Promise<T> => {
    const { value, events } = await db.transaction().execute(async (tx) => {
      const done = await work(tx);
      const notifications = notificationsOf(done.events);
      if (notifications !== undefined) await adapter.notifyInTransaction(tx, notifications);
      return done;
    });
    if (events.length > 0) announcer.committed(events);
    return value;
  };

  return {
    db,
    shared: adapter.shared,
    run: (query) => adapter.run(query),
    dataVersion: () => adapter.dataVersion(),
    unit: (work) => adapter.unit(work),
    unitNow: (work) => adapter.unitNow(work),
    lockForUpdateSkipLocked: (query) => adapter.lockForUpdateSkipLocked(query),
    serially: (lock, work) => adapter.serially(lock, work),
    keepIdsAbove: (tx, table, id) => adapter.keepIdsAbove(tx, table, id),
    change,
    changeOne,
    followedChange<
      A extends readonly unknown[],
      C extends object,
      UT extends keyof Database,
      TB extends keyof Database,
    >(build: (...values: A) => FollowedChange<C, UT, TB>) {
      // One statement: the change is the common table expression `changed` of the statement that follows.
      // Compiled on every database, so that `build` is held to its contract (`compiledOnce`) everywhere.
      const { sql, bind } = compileWithSlots((...values: A) => {
        const { change: update, next } = build(...values);
        return next(db.with('changed', () => update) as unknown as AfterChange<C>);
      }, build.length);
      if (adapter.writesInWith) {
        return async (values: A, events: readonly P[]) =>
          (await changeOne(CompiledQuery.raw(sql, bind(values)), events)).length === 1;
      }
      // One transaction: the change, then the statement that follows, reading the changed row from a
      // common table expression of its values. Both compiled once: the change at once, the statement that
      // follows when the first change returns its row (whose columns it reads), with the row's values bound
      // as they are (SQLite takes them by the columns they go into). `build` was held to its contract whole
      // above, so each part may leave out some of the values.
      const arity = build.length;
      const changeOnce = compileWithSlots((...values: A) => build(...values).change, arity, true);
      let follower:
        | { columns: readonly (keyof C & string)[]; query: CompiledWithSlots<unknown[]> }
        | undefined;
      const nextOf = (values: A, row: C): CompiledQuery => {
        if (follower === undefined) {
          const columns = Object.keys(row) as (keyof C & string)[];
          const query = compileWithSlots(
            (...all: unknown[]) =>
              build(...(all.slice(0, arity) as unknown as A)).next(
                boundRow<C>(db, columns, all.slice(arity)),
              ),
            arity + columns.length,
            true,
          );
          follower = { columns, query };
        }
        const { columns, query } = follower;
        return CompiledQuery.raw(query.sql, query.bind([...values, ...columns.map((name) => row[name])]));
      };
      const unit = (values: A) => {
        const update = CompiledQuery.raw(changeOnce.sql, changeOnce.bind(values)) as CompiledQuery<C>;
        const now = adapter.unitNow((run) => {
          const [row] = run(update).rows;
          if (row === undefined) return false;
          run(nextOf(values, row));
          return true;
        });
        if (now !== undefined) return Promise.resolve(now.value);
        return adapter.unit(async (tx) => {
          const [row] = (await tx.executeQuery(update)).rows;
          if (row === undefined) return false;
          await tx.executeQuery(nextOf(values, row));
          return true;
        });
      };
      return async (values: A, events: readonly P[]) => {
        // Where writing statements cannot be common table expressions, one instance uses the store (SQLite):
        // there are no other instances to notify.
        if (notificationsOf(events) !== undefined) throw new TypeError('followedChange: cannot notify here');
        const changed = await unit(values);
        if (changed && events.length > 0) announcer.committed(events);
        return changed;
      };
    },
    async erase(work) {
      const value = await db.transaction().execute(work);
      return { value, cleared: await adapter.clearDeleted() };
    },
    announcing: (next) => storeWith(db, adapter, next),
    destroy: () => adapter.destroy(),
  };
}

/** `WITH changed AS (SELECT ? AS column, …)` over `values`, bound as they are: for a query compiled once. */
function boundRow<C>(
  db: Kysely<Database>,
  columns: readonly string[],
  values: readonly unknown[],
): AfterChange<C> {
  return db.with('changed', (qc) =>
    qc.selectNoFrom((eb) => columns.map((column, index) => eb.val(values[index]).as(column))),
  ) as unknown as AfterChange<C>;
}

/**
 * `WITH changed AS (SELECT ? AS column, …)`: a row already in hand (a change returned it), as the table a
 * statement reads it from. Numbers go as `bigint` and text as `text`, so that PostgreSQL knows their types.
 */
export function changedRow<C extends object>(tx: Kysely<Database>, row: C): AfterChange<C> {
  return tx.with('changed', (qc) =>
    qc.selectNoFrom((eb) =>
      Object.entries(row).map(([column, value]) => {
        if (typeof value === 'number') return eb.cast(eb.val(value), 'bigint').as(column);
        if (typeof value === 'string') return eb.cast(eb.val(value), 'text').as(column);
        return eb.val(value).as(column);
      }),
    ),
  ) as unknown as AfterChange<C>;
}
