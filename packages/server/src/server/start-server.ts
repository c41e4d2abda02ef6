import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app/build-app.js';
import type { Config } from '../config/load-config.js';
import { openDatabase, type Store } from '../db/database.js';
import { checkMasterKey } from '../db/master-key-check.js';
import { migrateToLatest } from '../db/migrate.js';
import { type MetricsServer, startMetricsServer } from '../operations/metrics-server.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly db: Store;
  readonly url: string;
  /** Where Prometheus scrapes, when `METRICS_PORT` is set. */
  readonly metricsUrl: string | undefined;
  /**
   * Stops gracefully (R83): no new connections or background work; long polls answer and streams end at
   * once; requests in flight finish, then deliveries in flight; whatever is still open when the shutdown
   * timeout runs out is cut. Closes the database last.
   */
  close(): Promise<void>;
}

/** Opens the store, brings its schema up to date, and listens. Only entry points call this. */
export async function startServer(config: Config): Promise<RunningServer> {
  const db = openDatabase(config.databaseUrl);
  let app: FastifyInstance | undefined;
  let metrics: MetricsServer | undefined;
  try {
    await migrateToLatest(db);
    await checkMasterKey(db, config.masterKey, config.previousMasterKey);
    app = await buildApp(config, { db });
    await app.listen({ host: config.host, port: config.port });
    if (config.metricsPort !== null) {
      app.metrics.collectProcessMetrics();
      metrics = await startMetricsServer(app.metrics.registry, config.host, config.metricsPort);
    }
  } catch (error) {
    await app?.close();
    await db.destroy();
    throw error;
  }
  const running = app;
  const address = running.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let closing: Promise<void> | undefined;
  return {
    app: running,
    db,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    metricsUrl: metrics?.url,
    close() {
      closing ??= (async () => {
        const deadline = setTimeout(() => {
          running.log.warn({}, 'shutdown timeout: closing the connections still open');
          running.server.closeAllConnections();
        }, config.shutdownTimeoutSeconds * 1000).unref();
        try {
          await running.close();
        } finally {
          clearTimeout(deadline);
          await metrics?.close();
          await db.destroy();
        }
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
