import type { PlannedMigration, SchemaState } from '../db/migrate.js';

const count = (n: number) => n.toLocaleString('en');

/** What `countersign migrate --dry-run` prints: the schema's version, and what migrating would do. */
export function migrationPlanText(state: SchemaState, pending: readonly PlannedMigration[]): string {
  const lines = [
    `Schema: ${state.current ?? 'none (an empty database)'}; this countersign knows up to ${state.latest}.`,
  ];
  if (pending.length === 0) {
    lines.push('The schema is up to date: nothing to apply.');
    return lines.join('\n');
  }
  lines.push(`Would apply ${pending.length} migration${pending.length === 1 ? '' : 's'}, in this order:`);
  for (const migration of pending) {
    lines.push(`  ${migration.name}: ${migration.summary}`);
    for (const { table, rows, work } of migration.heavy) {
      lines.push(
        `    ${work} of ${table} (${count(rows)} row${rows === 1 ? '' : 's'} now): the more rows, the longer ` +
          'it takes, and on PostgreSQL writes to the table wait for it',
      );
    }
  }
  lines.push('Nothing was changed (dry run).');
  return lines.join('\n');
}
