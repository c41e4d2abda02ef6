import { masterKeyOpens } from './master-key-check.js';
import { schemaState } from './migrate.js';
import type { Store } from './store.js';
import { StoreContentsRepository } from './store-contents.repository.js';

/** The tables whose row counts say what a backup or a restore holds: what an operator would miss first. */
export const MAIN_TABLES = [
  'apps',
  'api_keys',
  'users',
  'app_users',
  'devices',
  'approval_requests',
  'verify_services',
  'verify_factors',
  'webhook_events',
  'operators',
  'audit_log',
] as const;

/** What a store holds, in brief: its schema version and the rows of its main tables. */
export interface StoreSummary {
  /** The schema version (the newest migration applied), `null` for a store without one. */
  readonly schemaVersion: string | null;
  /** The rows of each of `MAIN_TABLES` that the store has, by table. */
  readonly rows: Readonly<Record<string, number>>;
  /**
   * Whether the master key given opens the store's check value (`masterKeyOpens`); `undefined` when none was
   * given, or the store has no check value yet.
   */
  readonly keyOpens?: boolean | undefined;
}

/**
 * The schema version and main row counts of `store` (or of a transaction's snapshot of it), and whether
 * `masterKey`, if given, is its key. Reads only.
 */
export async function summarizeStore(store: Pick<Store, 'db'>, masterKey?: Buffer): Promise<StoreSummary> {
  const state = await schemaState(store);
  return {
    schemaVersion: state.current,
    rows: await new StoreContentsRepository(store).rowCounts(MAIN_TABLES),
    ...(masterKey !== undefined && { keyOpens: await masterKeyOpens(store, masterKey) }),
  };
}

/** Every table of `store`, Kysely's own included: none in an empty store. */
export function storeTables(store: Pick<Store, 'db'>): Promise<string[]> {
  return new StoreContentsRepository(store).tables();
}
