import { sql } from 'kysely';
import type { Store } from '../db/database.js';

/** The readiness probe's one statement. */
export class HealthRepository {
  constructor(private readonly db: Store) {}

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}
