import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { closeOnSignals, startServer } from '../server/start-server.js';

const DEV_APP_NAME = 'Countersign Bank';

/** The dev master key lives in the data folder; made on first start and announced. */
function devMasterKeyFile(dataDir: string): string {
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    process.stdout.write(`Created a development master key in ${file}. Never use it in production.\n`);
  }
  return file;
}

export function addDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run everything for development: the service on SQLite under ./data, with a dev app')
    .option('--data <dir>', 'data folder', './data')
    .action(async (options) => {
      const dataDir = resolve(String(options.data));
      mkdirSync(dataDir, { recursive: true });
      const env = {
        ...process.env,
        DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dataDir, 'countersign.db')}`,
        // On a laptop the apps receiving callbacks run on this machine too.
        COUNTERSIGN_WEBHOOK_ALLOW: process.env.COUNTERSIGN_WEBHOOK_ALLOW ?? 'localhost,127.0.0.0/8,::1/128',
        ...(process.env.COUNTERSIGN_MASTER_KEY === undefined && {
          COUNTERSIGN_MASTER_KEY_FILE: devMasterKeyFile(dataDir),
        }),
      };
      const config = loadConfig(env);
      const server = await startServer(config);
      closeOnSignals(server);
      const { apps } = server.app.services;
      const marker = join(dataDir, 'dev-app.json');
      let appId = existsSync(marker)
        ? (JSON.parse(readFileSync(marker, 'utf8')) as { id: number }).id
        : undefined;
      if (appId === undefined || (await apps.find(appId)) === undefined) {
        const created = await apps.create({ name: DEV_APP_NAME, numberMatching: '2' });
        appId = created.app.id;
        writeFileSync(marker, `${JSON.stringify({ id: appId })}\n`, { mode: 0o600 });
      }
      const apiKey = await apps.revealKey(appId);
      process.stdout.write(
        [
          '',
          `Countersign is running at ${config.publicUrl}`,
          `  API reference:  ${config.publicUrl}/docs`,
          `  Dev app:        ${DEV_APP_NAME} (id ${appId})`,
          `  Dev API key:    ${apiKey}`,
          '  Codes sent by SMS or voice: npx countersign outbox',
          '',
        ].join('\n'),
      );
    });
}
