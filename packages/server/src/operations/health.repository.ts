import { type Kysely, sql } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** The readiness probe's one statement. */
export class HealthRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}
