import { createServices, type Services } from '../app/services.js';
import type { Config } from '../config/load-config.js';
import { openDatabase } from '../db/database.js';
import { checkMasterKey } from '../db/master-key-check.js';
import { migrateToLatest } from '../db/migrate.js';

/**
 * Opens the database for a command that works on it directly, runs `use` with the services over it, and
 * closes it. No HTTP stack is loaded.
 */
export async function withServices<T>(config: Config, use: (services: Services) => Promise<T>): Promise<T> {
  const store = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(store);
    await checkMasterKey(store, config.masterKey, config.previousMasterKey);
    const services = await createServices(config, { db: store });
    const result = await use(services);
    await services.usage.stop();
    return result;
  } finally {
    await store.destroy();
  }
}
