import { DEFAULT_MIGRATION_TABLE, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
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
import * as enrollmentInvitations from './migrations/0014-enrollment-invitations.js';
import * as verifyFactors from './migrations/0015-verify-factors.js';
import * as verifyPush from './migrations/0016-verify-push.js';
import * as verifyWebhooks from './migrations/0017-verify-webhooks.js';
import * as masterKeyRotation from './migrations/0018-master-key-rotation.js';
import * as signingKeys from './migrations/0019-signing-keys.js';
import * as retention from './migrations/0020-retention.js';
import * as invitationSends from './migrations/0021-invitation-sends.js';
import * as pushChallengeSettling from './migrations/0022-push-challenge-settling.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** A migration this build knows, and what `migrate --dry-run` says of it. */
interface KnownMigration {
  readonly migration: Migration;
  /** What it changes, in one line. */
  readonly summary: string;
  /**
   * Work it does over every row of a table that may be large (a copy, an index built): the longer the
   * table, the longer it takes, and on PostgreSQL writes to the table wait for it.
   */
  readonly heavy?: readonly { readonly table: keyof Database; readonly work: string }[];
}

/** Every migration, oldest first: the schema's versions are their names. */
const KNOWN: Readonly<Record<string, KnownMigration>> = {
  '0001-initial': { migration: initial, summary: 'apps, keys, users, codes, approval requests, outbox' },
  '0002-devices': {
    migration: devices,
    summary: 'devices, enrollments, device nonces, security events; answers and receipts on requests',
  },
  '0003-webhooks': { migration: webhooks, summary: 'the callback outbox and its delivery log' },
  '0004-scale-out': {
    migration: scaleOut,
    summary: 'the outbox rebuilt with a sequence; shared rate-limit windows',
    heavy: [{ table: 'outbox', work: 'copies every row into a rebuilt table' }],
  },
  '0005-sms-budgets': {
    migration: smsBudgets,
    summary: 'per-app SMS budgets and countries, shared send windows, the message queue',
  },
  '0006-user-verification': {
    migration: userVerification,
    summary: "each app's user verification setting; devices' passkeys",
  },
  '0007-device-admissions': {
    migration: deviceAdmissions,
    summary: 'adding a device from one the user holds',
  },
  '0008-history': {
    migration: history,
    summary: "a device's history: requests by user, newest first",
    heavy: [{ table: 'approval_requests', work: 'builds an index over every row' }],
  },
  '0009-audit-log': {
    migration: auditLog,
    summary: 'the tamper-evident audit log and its signed checkpoints',
  },
  '0010-operators': {
    migration: operators,
    summary: "the console's operators, setup links, passkeys, recovery codes, sessions, challenges",
  },
  '0011-app-disabled': { migration: appDisabled, summary: 'apps an operator disabled' },
  '0012-verification-counts': {
    migration: verificationCounts,
    summary: 'verifications counted per app and minute (the Overview)',
  },
  '0013-verify': {
    migration: verify,
    summary: "Twilio Verify v2: each app's Account SID; services, verifications and their sends",
  },
  '0014-enrollment-invitations': {
    migration: enrollmentInvitations,
    summary: "enrollment invitations: one link per app and user, to bring an imported user's device over",
  },
  '0015-verify-factors': {
    migration: verifyFactors,
    summary: 'Twilio Verify v2: entities, TOTP factors (sealed seeds, last step, lockout) and challenges',
  },
  '0016-verify-push': {
    migration: verifyPush,
    summary:
      "Twilio Verify v2 push: access tokens, push factors (a device each), push challenges (an approval request each), an entity's user",
  },
  '0017-verify-webhooks': {
    migration: verifyWebhooks,
    summary: "Twilio Verify v2: services' webhooks; the callback outbox carries their events",
  },
  '0018-master-key-rotation': {
    migration: masterKeyRotation,
    summary: 'sealed values name the master key that sealed them (v2), which earlier builds cannot open',
  },
  '0019-signing-keys': {
    migration: signingKeys,
    summary: 'receipt signing keys by generation: the signing one, older ones published until they retire',
  },
  '0020-retention': {
    migration: retention,
    summary: 'retention: requests, callback events and security events indexed by when they were written',
    heavy: [
      { table: 'approval_requests', work: 'builds an index over every row' },
      { table: 'webhook_events', work: 'builds an index over every row' },
      { table: 'security_events', work: 'builds an index over every row' },
    ],
  },
  '0021-invitation-sends': {
    migration: invitationSends,
    summary: "an SMS invitation names its queued message, so that the worker's outcome reaches its counts",
  },
  '0022-push-challenge-settling': {
    migration: pushChallengeSettling,
    summary: 'Twilio Verify v2: the push challenges still to settle, indexed for the sweeper',
  },
};

/** Every migration by name, in order (tests migrate to a point between them). */
export const MIGRATIONS: Record<string, Migration> = Object.fromEntries(
  Object.entries(KNOWN).map(([name, known]) => [name, known.migration]),
);

/** The newest schema version this build knows: the name of its last migration. */
export const LATEST_SCHEMA = Object.keys(KNOWN).at(-1) as string;

export class MigrationError extends OperatorError {
  override readonly name: string = 'MigrationError';
}

/** A database's schema as this build sees it. */
export interface SchemaState {
  /** The version the database is at (its newest applied migration), `null` when it has none. */
  readonly current: string | null;
  /** The newest version this build knows (`LATEST_SCHEMA`). */
  readonly latest: string;
  /** Known migrations not applied yet, oldest first. */
  readonly pending: readonly string[];
  /** Applied migrations this build does not know: a newer build migrated the database. */
  readonly unknown: readonly string[];
}

/** A migration `migrate` would apply, and the rows its heavy work would go over. */
export interface PlannedMigration {
  readonly name: string;
  readonly summary: string;
  readonly heavy: readonly { readonly table: string; readonly rows: number; readonly work: string }[];
}

/**
 * The database's schema version against this build's: read from Kysely's record of applied migrations,
 * which every instance and command writes through `migrateToLatest`.
 */
export async function schemaState(store: Pick<Store, 'db'>): Promise<SchemaState> {
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
  const applied = tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)
    ? (
        await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(store.db)
      ).rows.map((row) => row.name)
    : [];
  return schemaStateOf(applied);
}

/**
 * The schema state of a database whose applied migrations are `applied` (read from a backup before it is
 * restored, say), as `schemaState` reads it from a store.
 */
export function schemaStateOf(applied: readonly string[]): SchemaState {
  const sorted = [...applied].sort();
  const done = new Set(sorted);
  return {
    current: sorted.at(-1) ?? null,
    latest: LATEST_SCHEMA,
    pending: Object.keys(KNOWN).filter((name) => !done.has(name)),
    unknown: sorted.filter((name) => KNOWN[name] === undefined),
  };
}

/** The error of an instance or command that finds its database migrated by a newer build. */
export class SchemaTooNewError extends MigrationError {
  override readonly name = 'SchemaTooNewError';

  constructor(state: SchemaState) {
    super(
      `the database's schema is at version ${state.current}, newer than this countersign knows ` +
        `(${state.latest}): a newer countersign migrated it. Run that version (or a newer one); an older one ` +
        'must not write to it. To go back, restore a backup taken before the upgrade.',
    );
  }
}

/**
 * What `migrateToLatest` would do, without doing it: the migrations it would apply, each with the row
 * count of the tables its heavy work goes over. Throws `SchemaTooNewError` as the migration would.
 */
export async function migrationPlan(
  store: Pick<Store, 'db'>,
): Promise<{ state: SchemaState; pending: PlannedMigration[] }> {
  const state = await schemaState(store);
  if (state.unknown.length > 0) throw new SchemaTooNewError(state);
  const tables = new Set((await store.db.introspection.getTables()).map((t) => t.name));
  const pending: PlannedMigration[] = [];
  for (const name of state.pending) {
    const known = KNOWN[name] as KnownMigration;
    const heavy = [];
    for (const { table, work } of known.heavy ?? []) {
      // A table a pending migration creates has no rows yet.
      const rows = tables.has(table)
        ? Number(
            (
              await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
                store.db,
              )
            ).rows[0]?.n ?? 0,
          )
        : 0;
      heavy.push({ table, rows, work });
    }
    pending.push({ name, summary: known.summary, heavy });
  }
  return { state, pending };
}

/**
 * Brings the schema to the newest version. Safe to run from several processes: Kysely holds a lock. Refuses
 * (`SchemaTooNewError`) a database a newer build migrated, before changing anything: every instance and
 * command runs it as it starts, so an old one never serves or writes on a schema it does not know.
 */
export async function migrateToLatest(store: Pick<Store, 'db'>): Promise<string[]> {
  const state = await schemaState(store);
  if (state.unknown.length > 0) throw new SchemaTooNewError(state);
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

/** Brings the schema to `version` and no further (an older schema, as a test or a drill needs). */
export async function migrateTo(store: Pick<Store, 'db'>, version: string): Promise<void> {
  if (KNOWN[version] === undefined) throw new MigrationError(`unknown schema version ${version}`);
  const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateTo(version);
  if (result.error !== undefined)
    throw new MigrationError(`migration to ${version} failed: ${String(result.error)}`);
}
