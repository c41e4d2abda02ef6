import { CompiledQuery, type Kysely, type QueryResult, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from '../schema.js';
import type { StoreAdapter, UnitConnection } from '../store.js';

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** "cached plan must not change result type" */
const STALE_PLAN = '0A000';
/** The column `runNotifying` adds to a statement's rows, and takes off again. */
const ANNOUNCED = 'countersign_announced';

/** Names of the prepared statements of this process: one per query compiled once. */
let statements = 0;
/** Prepared statement names by SQL text. Only the texts of queries compiled once come here: a few dozen. */
const names = new Map<string, string>();

/**
 * PostgreSQL's ways: instances share the database; rows lock; a writing statement may be a common table
 * expression of another; `NOTIFY` reaches every instance at commit. Queries compiled once go straight to
 * `pool` as named prepared statements: each connection parses and plans one once, not on every run, and the
 * driver's work per run is about halved (a query takes a connection of its own from the pool either way).
 * Without `pool` they run through Kysely.
 */
export function postgresAdapter(db: Kysely<Database>, pool: pg.Pool | undefined): StoreAdapter {
  const run = async <R>(query: CompiledQuery<R>): Promise<QueryResult<R>> => {
    if (pool === undefined) return db.executeQuery<R>(query);
    const values = [...query.parameters];
    const result = await pool
      .query({ name: nameOf(query.sql), text: query.sql, values })
      .catch((error: unknown) => {
        // A migration changed a table under a statement this connection prepared (a rolling upgrade: another
        // instance migrated): PostgreSQL refuses the stale plan once, before running anything, and plans it
        // afresh for the next run. This run goes unprepared.
        if (!isStalePlan(error)) throw error;
        return pool.query({ text: query.sql, values });
      });
    return kyselyShaped<R>(result);
  };

  /**
   * One attempt of a unit on a connection of its own, its statements `prepared` (named) or not; a stale plan
   * rolls it back and is thrown.
   */
  const unitOnce = async <T>(
    connections: pg.Pool,
    work: (tx: UnitConnection) => Promise<T>,
    prepared: boolean,
  ): Promise<T> => {
    const client = await connections.connect();
    try {
      await client.query('begin');
    } catch (error) {
      // The pool drops a connection released with an error instead of handing it out again.
      client.release(error as Error);
      throw error;
    }
    const tx: UnitConnection = {
      executeQuery: async <R>(query: CompiledQuery<R>) =>
        kyselyShaped<R>(
          await client.query({
            ...(prepared && { name: nameOf(query.sql) }),
            text: query.sql,
            values: [...query.parameters],
          }),
        ),
    };
    /** Set when the rollback failed too: the connection is lost or in an unknown state. */
    let broken: Error | undefined;
    try {
      const value = await work(tx);
      await client.query('commit');
      return value;
    } catch (error) {
      await client.query('rollback').catch((lost: Error) => {
        broken = lost;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };

  return {
    shared: true,
    writesInWith: true,
    run,
    // No cheap mark of other instances' commits: the key cache bounds its entries' age instead (R4′).
    dataVersion: () => undefined,
    // BEGIN, the statements as named prepared statements, COMMIT, on one pooled connection: Kysely's
    // transaction would send each statement unnamed (parsed and planned on every run) through its executor.
    unit: async (work) => {
      if (pool === undefined) return db.transaction().execute(work);
      try {
        return await unitOnce(pool, work, true);
      } catch (error) {
        // A statement this connection prepared before a migration changed its table (as `run`): refused
        // once, planned afresh on its next run. This run goes unprepared, on whichever connection it gets.
        if (!isStalePlan(error)) throw error;
        return unitOnce(pool, work, false);
      }
    },
    // Every statement is a round trip to the server: never at once.
    unitNow: () => undefined,
    lockForUpdateSkipLocked: (query) => query.forUpdate().skipLocked(),
    // A transaction-scoped advisory lock named by the lock's text: released at commit or rollback, by every
    // instance's transactions alike.
    serially: (lock, work) =>
      db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(tx);
        return work(tx);
      }),
    // Only ever forward: a sequence already past `id` (ids given since, or an earlier import) stays.
    async keepIdsAbove(tx, table, id) {
      await sql`
        select setval(seq, ${id}) from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq) as s
        where ${id} > coalesce(pg_sequence_last_value(seq), 0)`.execute(tx);
    },
    // A deleted row's old version stays in its table's pages until vacuum reclaims the space (autovacuum, soon
    // after), and in the write-ahead log and base backups until they are recycled: not in this call's power.
    clearDeleted: async () => false,
    async notifyInTransaction(tx, { channel, payloads }) {
      await sql`select pg_notify(${channel}, payload) from unnest(${payloads}::text[]) as payload`.execute(
        tx,
      );
    },
    async runNotifying<R>(
      query: CompiledQuery<R>,
      { channel, payloads }: { channel: string; payloads: readonly string[] },
    ) {
      // The notifications go out from a subquery added to the statement's RETURNING clause (its last):
      // PostgreSQL evaluates it once, when the first row is returned, and never when nothing changed. They
      // commit with the change.
      const n = query.parameters.length;
      const notifying = CompiledQuery.raw(
        `${query.sql}, (select count(pg_notify($${n + 1}, payload)) from unnest($${n + 2}::text[]) as payload) ` +
          `as ${ANNOUNCED}`,
        [...query.parameters, channel, payloads],
      );
      const { rows } = await run<Record<string, unknown>>(notifying);
      return rows.map(({ [ANNOUNCED]: _, ...row }) => row as R);
    },
    destroy: () => db.destroy(),
  };
}

/** The prepared statement name of an SQL text, made on its first use. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `cs_${++statements}`;
    names.set(text, name);
  }
  return name;
}

/** Whether PostgreSQL refused a stale plan (in the form check-rules knows as an SQLSTATE, not a secret). */
function isStalePlan(error: unknown): boolean {
  return error instanceof Error && !((error as Error & { code?: unknown }).code !== STALE_PLAN);
}

/** The shape Kysely's PostgreSQL driver gives: rows, and for writes the number of rows changed. */
function kyselyShaped<R>(result: pg.QueryResult): QueryResult<R> {
  return {
    rows: result.rows as R[],
    ...(WRITES.has(result.command) && { numAffectedRows: BigInt(result.rowCount ?? 0) }),
  };
}
