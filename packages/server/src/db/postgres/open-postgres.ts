import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { createStore, type Store } from '../store.js';
import { postgresAdapter } from './postgres-adapter.js';

/** Connections one instance keeps open to PostgreSQL at most (the event listener's comes on top). */
export const POOL_SIZE = 10;
/** How long a query waits for a free or new connection before it fails (and the request gets a 503). */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * `int8` (`bigint` columns, `count(*)`) as a JavaScript number. Every such value the service stores is an
 * epoch millisecond or a counter, far below 2^53; anything larger is refused rather than rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`int8 value ${text} does not fit a JavaScript number`);
  return value;
}

/** Type parsers of this pool only: the process-wide `pg.types` stay untouched. */
export const postgresTypes: pg.CustomTypesConfig = {
  getTypeParser: (id, format) =>
    id === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(id, format),
};

/**
 * Opens a pool on the PostgreSQL database named by `url`. Connections lost while the database restarts are
 * dropped from the pool and opened again on demand; the queries caught in between fail (never hang).
 */
export function openPostgres(url: string): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: postgresTypes,
  });
  // A connection that breaks (the server restarted, the network dropped) emits `error`; unheard, that would
  // end the process. The pool already discards idle ones; the query in flight on a busy one fails by itself.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createStore(db, postgresAdapter(db, pool));
}
