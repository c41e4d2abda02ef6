import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { output, type Terminal, UsageError } from './output.js';

/** `countersign master-key …`: rotating the master key that seals the store's secrets (D16). */
export function addMasterKeyCommand(program: Command, terminal: Terminal): void {
  const masterKey = program.command('master-key').description('the master key that seals the stored secrets');

  masterKey
    .command('rotate')
    .description(
      're-seal every stored secret under a new master key, in batches, while the service serves; run it again to resume',
    )
    .requiredOption('--new-key-file <file>', 'the new master key: 64 hexadecimal characters')
    .option('--batch <n>', 'values re-sealed per transaction', '100')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const batch = String(options.batch);
      if (!/^\d{1,5}$/.test(batch) || Number(batch) < 1)
        throw new UsageError(`--batch is a number from 1 to 99999, got "${batch}"`);
      const { loadConfig } = await import('../config/load-config.js');
      const { parseMasterKey } = await import('../crypto/master-key.js');
      const { openDatabase } = await import('../db/database.js');
      const { migrateToLatest } = await import('../db/migrate.js');
      const { rotateMasterKey } = await import('../db/master-key-rotation.js');
      const config = loadConfig(terminal.env);
      let newKey: Buffer;
      try {
        newKey = parseMasterKey(readFileSync(String(options.newKeyFile), 'utf8'));
      } catch (error) {
        const reason =
          error instanceof TypeError ? 'it must hold 64 hexadecimal characters' : (error as Error).message;
        throw new UsageError(`--new-key-file: ${reason}`);
      }
      const store = openDatabase(config.databaseUrl);
      try {
        await migrateToLatest(store);
        const result = await rotateMasterKey(store, {
          masterKey: config.masterKey,
          previousMasterKey: config.previousMasterKey,
          newKey,
          batch: Number(batch),
          onBatch: (where, changed) => terminal.err(`countersign: ${where}: ${changed} re-sealed\n`),
        });
        const total = Object.values(result.resealed).reduce((sum, n) => sum + n, 0);
        output(
          terminal,
          options.json === true,
          { from: result.from ?? null, to: result.to, resealed: result.resealed, total },
          () =>
            [
              `Every sealed value is under key id ${result.to} (${total} re-sealed in this run).`,
              result.from === undefined
                ? 'No key was retired: the store was under the new key already.'
                : `Key id ${result.from} is retired: it no longer starts the service. Remove COUNTERSIGN_PREVIOUS_MASTER_KEY from every instance.`,
            ].join('\n'),
        );
      } finally {
        await store.destroy();
      }
    });
}
