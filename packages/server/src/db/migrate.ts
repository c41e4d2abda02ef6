import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { OperatorError } from '../lib/operator-error.js';
import * as initial from './migrations/0001-initial.js';
import * as devices from './migrations/0002-devices.js';
import * as webhooks from './migrations/0003-webhooks.js';
import * as scaleOut from './migrations/0004-scale-out.js';
import * as smsBudgets from './migrations/0005-sms-budgets.js';
import * as userVerification from './migrations/0006-user-verification.js';
import * as deviceAdmissions from './migrations/0007-device-admissions.js';
import * as history from './migrations/0008-history.js';
import * as auditLog from './migrations/0009-audit-log.js';
import * as operators from './migrations/0010-operators.js';
import * as appDisabled from './migrations/0011-app-disabled.js';
import * as verificationCounts from './migrations/0012-verification-counts.js';
import * as verify from './migrations/0013-verify.js';
import type { Store } from './store.js';

/** Every migration by name, in order (tests migrate to a point between them). */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-devices': devices,
  '0003-webhooks': webhooks,
  '0004-scale-out': scaleOut,
  '0005-sms-budgets': smsBudgets,
  '0006-user-verification': userVerification,
  '0007-device-admissions': deviceAdmissions,
  '0008-history': history,
  '0009-audit-log': auditLog,
  '0010-operators': operators,
  '0011-app-disabled': appDisabled,
  '0012-verification-counts': verificationCounts,
  '0013-verify': verify,
};

export class MigrationError extends OperatorError {
  override readonly name = 'MigrationError';
}

/** Brings the schema to the newest version. Safe to run from several processes: Kysely holds a lock. */
export async function migrateToLatest(store: Pick<Store, 'db'>): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`,
    );
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
