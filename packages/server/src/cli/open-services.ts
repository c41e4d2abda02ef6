import { createServices, type Services } from '../app/build-app.js';
import type { Config } from '../config/load-config.js';
import { openDatabase, type Store } from '../db/database.js';
import { checkMasterKey } from '../db/master-key-check.js';
import { migrateToLatest } from '../db/migrate.js';

/** Opens the database for a command that works on it directly, runs `use`, and closes it. */
export async function withServices<T>(
  config: Config,
  use: (services: Services, db: Store) => Promise<T>,
): Promise<T> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    await checkMasterKey(db, config.masterKey);
    const services = await createServices(config, { db });
    const result = await use(services, db);
    await services.usage.stop();
    return result;
  } finally {
    await db.destroy();
  }
}
