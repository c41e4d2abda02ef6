import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';

/** Stands in for a run's `index`-th value while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

/** The pool under each PostgreSQL store (`openPostgres` registers it), for queries compiled once. */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

export function registerPool(db: Kysely<Database>, pool: pg.Pool): void {
  pools.set(db, pool);
}

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** "cached plan must not change result type" */
const STALE_PLAN = '0A000';

/** Names of the prepared statements of this process: one per query compiled once. */
let statements = 0;

/**
 * A query that Kysely builds and compiles once; each run binds its values to the same SQL text. For the
 * lookups every API call makes, building and compiling the query cost more than the database takes to
 * answer it. On SQLite the SQL text finds its prepared statement in the store's cache (`open-sqlite.ts`).
 * On PostgreSQL the query goes straight to the pool as a named prepared statement: each connection parses
 * and plans it once, not on every run, and the driver's work per run is about halved. (SQLite runs through
 * Kysely, whose lock on its one connection keeps a query out of a transaction in progress; a PostgreSQL
 * query takes a connection of its own from the pool either way.)
 *
 * `build` declares one parameter per value (its `length` is their number). It is called once, with
 * placeholders, and may only hand them to Kysely as values (`where(column, '=', value)`,
 * `set({ column: value })`): never branch on them, and never pass them as a list or an identifier.
 */
export function compiledOnce<A extends readonly unknown[], R>(
  db: Kysely<Database>,
  build: (...values: A) => Compilable<R>,
): (...values: A) => Promise<QueryResult<R>> {
  const { compiled, bind } = compileWithSlots(build);
  return (...values) => runPrepared(db, CompiledQuery.raw(compiled.sql, bind(values)) as CompiledQuery<R>);
}

/** Prepared statement names by SQL text. Only the texts of queries compiled once come here: a few dozen. */
const names = new Map<string, string>();

/**
 * Runs a query compiled once (`compiledOnce`, `boundOnce`): on PostgreSQL as a named prepared statement
 * straight on the pool, elsewhere through Kysely. Never give it SQL made per call: each text is kept.
 */
export async function runPrepared<R>(db: Kysely<Database>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const pool = pools.get(db);
  if (pool === undefined) return db.executeQuery<R>(query);
  let name = names.get(query.sql);
  if (name === undefined) {
    name = `cs_${++statements}`;
    names.set(query.sql, name);
  }
  const values = [...query.parameters];
  const result = await pool.query({ name, text: query.sql, values }).catch((error: unknown) => {
    // A migration changed a table under a statement this connection prepared (a rolling upgrade: another
    // instance migrated): PostgreSQL refuses the stale plan once, before running anything, and plans it
    // afresh for the next run. This run goes unprepared.
    if ((error as { code?: unknown }).code !== STALE_PLAN) throw error;
    return pool.query({ text: query.sql, values });
  });
  // The shape Kysely's PostgreSQL driver gives: rows, and for writes the number of rows changed.
  return {
    rows: result.rows as R[],
    ...(WRITES.has(result.command) && { numAffectedRows: BigInt(result.rowCount ?? 0) }),
  };
}

/**
 * The same, for a query that something else runs (`EventBus.statement`, which adds its announcement and
 * runs it with `runPrepared`): each call returns the query compiled once, with this call's values bound.
 */
export function boundOnce<A extends readonly unknown[], R>(
  build: (...values: A) => Compilable<R>,
): (...values: A) => CompiledQuery<R> {
  const { compiled, bind } = compileWithSlots(build);
  return (...values) => CompiledQuery.raw(compiled.sql, bind(values)) as CompiledQuery<R>;
}

function compileWithSlots<A extends readonly unknown[], R>(build: (...values: A) => Compilable<R>) {
  const slots = Array.from({ length: build.length }, (_, index) => new Slot(index));
  const compiled = build(...(slots as unknown as A)).compile();
  const bind = (values: A) => compiled.parameters.map((p) => (p instanceof Slot ? values[p.index] : p));
  return { compiled, bind };
}
