import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** The only code that reads what a store holds as a whole: its tables and their row counts (backup, restore). */
export class StoreContentsRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Pick<Store, 'db'>) {
    this.db = store.db;
  }

  /** Every table of the store, Kysely's record of migrations included, by name. */
  async tables(): Promise<string[]> {
    const tables = await this.db.introspection.getTables({ withInternalKyselyTables: true });
    return tables.map((t) => t.name).sort();
  }

  /** The rows of each of `tables` that the store has (a store at an older schema lacks some), by name. */
  async rowCounts(tables: readonly string[]): Promise<Record<string, number>> {
    const present = new Set(await this.tables());
    const counts: Record<string, number> = {};
    for (const table of tables) {
      if (!present.has(table)) continue;
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from ${sql.table(table)}`.execute(this.db);
      counts[table] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  }
}
