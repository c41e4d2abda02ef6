import { Command, CommanderError } from 'commander';
import { AppSettingError } from '../apps/app.service.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { DatabaseUrlError, openDatabase } from '../db/database.js';
import { WrongMasterKeyError } from '../db/master-key-check.js';
import { MigrationError, migrateToLatest } from '../db/migrate.js';
import { closeOnSignals, startServer } from '../server/start-server.js';
import { addAppsCommand } from './apps-command.js';
import { addDevCommand } from './dev-command.js';
import { addDeviceCommand } from './device-command.js';
import { withServices } from './open-services.js';
import { output, UsageError } from './output.js';
import { addWebhooksCommand } from './webhooks-command.js';

/** The `countersign` command line: a stable contract for operators, scripts and tests. */
export function buildProgram(): Command {
  const program = new Command('countersign')
    .description('Self-hosted push approvals and two-factor codes, speaking the Authy API')
    // Parse errors are thrown to `main` (inherited by every subcommand), which prints them as one line.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  program
    .command('serve')
    .description('run the service (configured from the environment)')
    .action(async () => {
      const config = loadConfig();
      if (config.masterKeySource === 'dev-file') {
        process.stderr.write(
          'countersign: using the development master key beside the database; set COUNTERSIGN_MASTER_KEY_FILE in production\n',
        );
      }
      const server = await startServer(config);
      closeOnSignals(server);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const config = loadConfig();
      const db = openDatabase(config.databaseUrl);
      try {
        const applied = await migrateToLatest(db);
        output(options.json === true, { applied }, () =>
          applied.length === 0 ? 'The schema is up to date.' : `Applied: ${applied.join(', ')}`,
        );
      } finally {
        await db.destroy();
      }
    });

  addAppsCommand(program);

  program
    .command('outbox')
    .description('messages sent by the console messaging provider (newest last)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const limit = String(options.limit);
      if (!/^\d{1,5}$/.test(limit)) throw new UsageError(`--limit is a number, got "${limit}"`);
      const entries = await withServices(loadConfig(), (s) => s.outbox.list(Number(limit)));
      output(
        options.json === true,
        entries.map((e) => ({
          id: e.id,
          app_id: e.appId,
          channel: e.channel,
          to: e.to,
          body: e.body,
          created_at: new Date(e.createdAt).toISOString(),
        })),
        () =>
          entries.length === 0
            ? 'The outbox is empty.'
            : entries
                .map(
                  (e) => `${new Date(e.createdAt).toISOString()}  ${e.channel.padEnd(4)} ${e.to}  ${e.body}`,
                )
                .join('\n'),
      );
    });

  addWebhooksCommand(program);
  addDevCommand(program);
  addDeviceCommand(program);
  return program;
}

const KNOWN = [
  UsageError,
  ConfigError,
  AppSettingError,
  WrongMasterKeyError,
  DatabaseUrlError,
  MigrationError,
];

/** Runs the command line; known mistakes print one line, anything else its stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (caught) {
    if (caught instanceof CommanderError && (caught.exitCode === 0 || caught.code === 'commander.help')) {
      process.exitCode = caught.exitCode; // help or version, already printed
      return;
    }
    // Commander's own messages ("error: unknown option '--x'\n(Did you mean --y?)") as one usage line.
    const error =
      caught instanceof CommanderError
        ? new UsageError(caught.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '))
        : caught;
    const known = KNOWN.some((type) => error instanceof type);
    const name = (error as Error).name;
    const message = known || name.endsWith('Error') ? (error as Error).message : String(error);
    process.stderr.write(`countersign: ${message}\n`);
    if (!known && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = error instanceof UsageError || error instanceof AppSettingError ? 2 : 1;
  }
}
