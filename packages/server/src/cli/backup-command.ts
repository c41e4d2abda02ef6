import type { Command } from 'commander';
import type { Config } from '../config/load-config.js';
import { output, type Terminal } from './output.js';

/** Where the configured master key comes from, for what `backup` and `restore` say of it. */
function keyOrigin(
  config: Config,
  env: Terminal['env'],
  devKeyFile: string | undefined,
): { source: string; file?: string; text: string } {
  if (config.masterKeySource === 'env')
    return { source: 'COUNTERSIGN_MASTER_KEY', text: 'the environment variable COUNTERSIGN_MASTER_KEY' };
  if (config.masterKeySource === 'file') {
    const file = String(env.COUNTERSIGN_MASTER_KEY_FILE);
    return {
      source: 'COUNTERSIGN_MASTER_KEY_FILE',
      file,
      text: `the file ${file} (COUNTERSIGN_MASTER_KEY_FILE)`,
    };
  }
  const file = String(devKeyFile);
  return { source: 'dev-file', file, text: `the file ${file} beside the database (countersign dev's key)` };
}

function rowsText(rows: Readonly<Record<string, number>>): string {
  return Object.entries(rows)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
}

export function addBackupCommands(program: Command, terminal: Terminal): void {
  program
    .command('backup')
    .description(
      'copy the database into a new FILE while the service serves (SQLite: one file; PostgreSQL: pg_dump)',
    )
    .argument('<file>', 'the backup to write: a new file, never one that exists')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options) => {
      const { devMasterKeyFile, loadConfig } = await import('../config/load-config.js');
      const { backupStore } = await import('../backup/backup-store.js');
      const config = loadConfig(terminal.env);
      const key = keyOrigin(config, terminal.env, devMasterKeyFile(config.databaseUrl));
      // Said before anything is copied, so that nobody finds out at restore time.
      terminal.err(
        `countersign: the backup is useless without the master key, which it does not hold: this store's key comes from ${key.text}. ` +
          'Keep a copy of the key apart from the backups (whoever holds both holds every secret in them).\n',
      );
      const made = await backupStore(config.databaseUrl, file, config.masterKey, terminal.env);
      if (made.keyOpens === false) {
        terminal.err(
          `countersign: warning: the configured master key (from ${key.text}) is not this store's key: it does not open the backup. Find the key the service runs with, and keep that one.\n`,
        );
      }
      output(
        terminal,
        options.json === true,
        {
          file: made.file,
          bytes: made.bytes,
          dialect: made.dialect,
          schema_version: made.schemaVersion,
          rows: made.rows,
          master_key: {
            in_backup: false,
            opens_backup: made.keyOpens ?? null,
            source: key.source,
            ...(key.file !== undefined && { file: key.file }),
          },
        },
        () =>
          `Backed up to ${made.file} (${made.bytes} bytes, ${made.dialect}, schema ${made.schemaVersion}): ${rowsText(made.rows)}.`,
      );
    });

  program
    .command('restore')
    .description(
      'restore a backup FILE into the empty database of DATABASE_URL, then check that every sealed value opens under the master key',
    )
    .argument('<file>', 'a backup made by countersign backup')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options) => {
      const { devMasterKeyFile, loadConfig } = await import('../config/load-config.js');
      const { restoreStore, RestoreCheckError } = await import('../backup/restore-store.js');
      const config = loadConfig(terminal.env);
      const key = keyOrigin(config, terminal.env, devMasterKeyFile(config.databaseUrl));
      terminal.err(
        `countersign: a backup opens only under the master key it was made with; the key comes from ${key.text}.\n`,
      );
      const json = (made: Awaited<ReturnType<typeof restoreStore>>, restored: boolean) => ({
        file: made.file,
        dialect: made.dialect,
        restored,
        schema_version: made.schemaVersion,
        rows: made.rows,
        sealed: made.sealed,
        master_key: { source: key.source, ...(key.file !== undefined && { file: key.file }) },
      });
      try {
        const made = await restoreStore(config.databaseUrl, file, config.masterKey, terminal.env);
        output(
          terminal,
          options.json === true,
          json(made, true),
          () =>
            `Restored ${made.file} (${made.dialect}, schema ${made.schemaVersion}): ${rowsText(made.rows)}. ` +
            `All ${made.sealed.values} sealed values open under the master key.`,
        );
      } catch (error) {
        if (error instanceof RestoreCheckError && options.json === true)
          output(terminal, true, json(error.made, error.restored), () => '');
        throw error;
      }
    });
}
