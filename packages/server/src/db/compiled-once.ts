import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Stands in for a run's `index`-th value while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A query that Kysely builds and compiles once; each run binds its values to the same SQL text (on SQLite,
 * to the same prepared statement). For the lookups every API call makes, building and compiling the query
 * cost more than the database takes to answer it.
 *
 * `build` declares one parameter per value (its `length` is their number). It is called once, with
 * placeholders, and may only hand them to Kysely as values (`where(column, '=', value)`,
 * `set({ column: value })`): never branch on them, and never pass them as a list or an identifier.
 */
export function compiledOnce<A extends readonly unknown[], R>(
  db: Kysely<Database>,
  build: (...values: A) => Compilable<R>,
): (...values: A) => Promise<QueryResult<R>> {
  const slots = Array.from({ length: build.length }, (_, index) => new Slot(index));
  const compiled = build(...(slots as unknown as A)).compile();
  return (...values) =>
    db.executeQuery<R>(
      CompiledQuery.raw(
        compiled.sql,
        compiled.parameters.map((p) => (p instanceof Slot ? values[p.index] : p)),
      ),
    );
}
