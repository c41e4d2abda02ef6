import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app/build-app.js';
import type { Config } from '../config/load-config.js';
import { openDatabase, type Store } from '../db/database.js';
import { checkMasterKey } from '../db/master-key-check.js';
import { migrateToLatest } from '../db/migrate.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly db: Store;
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the store, brings its schema up to date, and listens. Only entry points call this. */
export async function startServer(config: Config): Promise<RunningServer> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    await checkMasterKey(db, config.masterKey);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const app = await buildApp(config, { db });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let closing: Promise<void> | undefined;
  return {
    app,
    db,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}

/** Closes the server on SIGTERM or SIGINT: no new connections, in-flight requests finish. */
export function closeOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
