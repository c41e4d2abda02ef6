import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import type { Store } from './store.js';

/**
 * Stands in for a run's `index`-th value while the query is compiled. It refuses to become text or a
 * number, so a build function that computes with a value (`now + ttl`, `String(id)`, `value > 3`) fails
 * at once instead of baking the placeholder into the query.
 */
class Slot {
  constructor(readonly index: number) {}

  [Symbol.toPrimitive](): never {
    throw new TypeError(
      `compiledOnce: value ${this.index + 1} was used in a JavaScript expression while the query was built: ` +
        'hand each value to Kysely as it is (compute with it in SQL, or pass the computed value)',
    );
  }

  toJSON(): never {
    return this[Symbol.toPrimitive]();
  }
}

/**
 * A query that Kysely builds and compiles once; each run binds its values to the same SQL text. For the
 * lookups every API call makes, building and compiling the query cost more than the database takes to
 * answer it. The store runs it (`Store.run`): on SQLite the SQL text finds its prepared statement in the
 * store's cache; on PostgreSQL it goes straight to the pool as a named prepared statement.
 *
 * `build` declares one parameter per value (its `length` is their number). It is called once, with
 * placeholders, and may only hand them to Kysely as values (`where(column, '=', value)`,
 * `set({ column: value })`), each at least once (one may appear in several places). That contract is
 * checked when the query is compiled: a value that never reaches the query (dropped, or replaced by
 * another), one used in JavaScript, and one passed inside a list are refused with a `TypeError`. Never
 * branch on a value: a placeholder is always truthy.
 */
export function compiledOnce<A extends readonly unknown[], R>(
  store: Pick<Store, 'run'>,
  build: (...values: A) => Compilable<R>,
): (...values: A) => Promise<QueryResult<R>> {
  const bound = boundOnce(build);
  return async (...values) => store.run(bound(...values));
}

/**
 * The same, for a query that something else runs (a transaction's statement, or `Store.changeOne`, which
 * adds its announcement): each call returns the query compiled once, with this call's values bound.
 */
export function boundOnce<A extends readonly unknown[], R>(
  build: (...values: A) => Compilable<R>,
): (...values: A) => CompiledQuery<R> {
  const { sql, bind } = compileWithSlots(build);
  return (...values) => CompiledQuery.raw(sql, bind(values)) as CompiledQuery<R>;
}

/** A query compiled with placeholders: its SQL, and how a run's values take the placeholders' places. */
export interface CompiledWithSlots<A extends readonly unknown[]> {
  readonly sql: string;
  bind(values: A): unknown[];
}

/**
 * Compiles `build` once with placeholders and checks that every one of them became a bound value. `arity`:
 * the number of values, when `build` takes them as a rest parameter (which has no `length`). `partial`: the
 * query is one part of a unit whose whole was already checked (`Store.followedChange`), so a value may be
 * missing from it; values used in JavaScript or inside a list are still refused.
 */
export function compileWithSlots<A extends readonly unknown[]>(
  build: (...values: A) => Compilable<unknown>,
  arity: number = build.length,
  partial = false,
): CompiledWithSlots<A> {
  const slots = Array.from({ length: arity }, (_, index) => new Slot(index));
  const compiled = build(...(slots as unknown as A)).compile();
  const uses = new Array<number>(arity).fill(0);
  for (const parameter of compiled.parameters) {
    if (parameter instanceof Slot) uses[parameter.index] = (uses[parameter.index] ?? 0) + 1;
    else if (holdsSlot(parameter)) {
      throw new TypeError(
        'compiledOnce: a value was passed inside a list or an object: bind each value on its own',
      );
    }
  }
  const dropped = uses.flatMap((n, index) => (n === 0 ? [index + 1] : []));
  if (dropped.length > 0 && !partial) {
    throw new TypeError(
      `compiledOnce: value ${dropped.join(', ')} of ${arity} never reaches the query: the build function ` +
        'dropped it, or used another value in its place',
    );
  }
  return {
    sql: compiled.sql,
    bind: (values) => {
      if (values.length !== arity)
        throw new TypeError(`compiledOnce: the query takes ${arity} values, got ${values.length}`);
      return compiled.parameters.map((p) => (p instanceof Slot ? values[p.index] : p));
    },
  };
}

function holdsSlot(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  return Object.values(value).some((inner) => inner instanceof Slot || holdsSlot(inner));
}
