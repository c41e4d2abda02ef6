import { startTestServer, type TestServer, type TestServerOptions } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Several instances of the service, each on its own port, sharing one PostgreSQL database. */
export interface Cluster {
  readonly database: TestDatabase;
  readonly instances: readonly TestServer[];
  close(): Promise<void>;
}

/**
 * Starts `count` instances (`buildApp` on different ports) over one new PostgreSQL database, one after the
 * other so that the first migrates it. Each has its own pool and event bus, as separate processes would.
 */
export async function startCluster(count: number, options: TestServerOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase('postgres');
  const instances: TestServer[] = [];
  try {
    for (let i = 0; i < count; i++) instances.push(await startTestServer({ ...options, database }));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.close()));
    await database.drop();
    throw error;
  }
  return {
    database,
    instances,
    async close() {
      await Promise.all(instances.map((instance) => instance.close()));
      await database.drop();
    },
  };
}

/** The `i`-th instance, round robin. */
export function pick(cluster: Cluster, i: number): TestServer {
  const instance = cluster.instances[i % cluster.instances.length];
  if (instance === undefined) throw new Error('the cluster has no instances');
  return instance;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `everyMs` until it holds or `timeoutMs` has passed; returns whether it held. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(everyMs);
  }
  return condition();
}
