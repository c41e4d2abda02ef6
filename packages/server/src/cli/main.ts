import { Command, CommanderError } from 'commander';
import { OperatorError } from '../lib/operator-error.js';
import { addAppsCommand } from './apps-command.js';
import { addAuditCommand } from './audit-command.js';
import { addBackupCommands } from './backup-command.js';
import { addDevCommand } from './dev-command.js';
import { addDeviceCommand } from './device-command.js';
import { addDevicesCommand } from './devices-command.js';
import { addEnrollmentsCommand } from './enrollments-command.js';
import { addMasterKeyCommand } from './master-key-command.js';
import { migrationPlanText } from './migration-plan-text.js';
import { addOperatorsCommand } from './operators-command.js';
import { openServer, output, processTerminal, type Terminal, UsageError } from './output.js';
import { addPruneCommand } from './prune-command.js';
import { addRequestsCommand } from './requests-command.js';
import { addSigningKeyCommand } from './signing-key-command.js';
import { addUsersCommand } from './users-command.js';
import { addWebhooksCommand } from './webhooks-command.js';

// Every command loads what it runs when it runs (`await import`): `countersign --help` or `apps list` never
// loads the HTTP stack, and a mistake in the command line is reported before any of it loads.

/** The `countersign` command line: a stable contract for operators, scripts and tests. */
export function buildProgram(terminal: Terminal): Command {
  const program = new Command('countersign')
    .description('Self-hosted push approvals and two-factor codes, speaking the Authy API')
    // Parse errors are thrown to `main` (inherited by every subcommand), which prints them as one line.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => terminal.out(text),
      writeErr: (text) => terminal.err(text),
      outputError: () => undefined,
    });

  program
    .command('serve')
    .description('run the service (configured from the environment)')
    .action(async () => {
      const { loadConfig } = await import('../config/load-config.js');
      const { closeOnSignals, startServer } = await import('../server/start-server.js');
      const config = loadConfig(terminal.env);
      if (config.masterKeySource === 'dev-file') {
        terminal.err(
          'countersign: using the development master key beside the database; set COUNTERSIGN_MASTER_KEY_FILE in production\n',
        );
      }
      const server = await startServer(config);
      closeOnSignals(server);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .option('--dry-run', 'say what would change, and change nothing')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const { loadConfig } = await import('../config/load-config.js');
      const { openDatabase } = await import('../db/database.js');
      const { migrateToLatest, migrationPlan } = await import('../db/migrate.js');
      const config = loadConfig(terminal.env);
      const db = openDatabase(config.databaseUrl);
      try {
        if (options.dryRun === true) {
          const { state, pending } = await migrationPlan(db);
          output(
            terminal,
            options.json === true,
            { current: state.current, latest: state.latest, pending },
            () => migrationPlanText(state, pending),
          );
          return;
        }
        const applied = await migrateToLatest(db);
        output(terminal, options.json === true, { applied }, () =>
          applied.length === 0 ? 'The schema is up to date.' : `Applied: ${applied.join(', ')}`,
        );
      } finally {
        await db.destroy();
      }
    });

  addBackupCommands(program, terminal);
  addAppsCommand(program, terminal);

  program
    .command('outbox')
    .description('messages sent by the console messaging provider (newest last)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const limit = String(options.limit);
      if (!/^\d{1,5}$/.test(limit)) throw new UsageError(`--limit is a number, got "${limit}"`);
      const entries = await (await openServer(terminal)).withServices((s) => s.outbox.list(Number(limit)));
      output(
        terminal,
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

  addWebhooksCommand(program, terminal);
  addDevCommand(program, terminal);
  addDeviceCommand(program, terminal);
  addUsersCommand(program, terminal);
  addEnrollmentsCommand(program, terminal);
  addDevicesCommand(program, terminal);
  addRequestsCommand(program, terminal);
  addAuditCommand(program, terminal);
  addOperatorsCommand(program, terminal);
  addPruneCommand(program, terminal);
  addSigningKeyCommand(program, terminal);
  addMasterKeyCommand(program, terminal);
  return program;
}

/**
 * Runs the command line and returns its exit code: 0, 2 for a command called wrongly, 1 for anything else.
 * Known mistakes print one line, anything else its stack too when LOG_LEVEL=debug.
 */
export async function main(argv: string[], terminal: Terminal = processTerminal()): Promise<number> {
  try {
    await buildProgram(terminal).parseAsync(argv);
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError && (caught.exitCode === 0 || caught.code === 'commander.help')) {
      return caught.exitCode; // help or version, already printed
    }
    // Commander's own messages ("error: unknown option '--x'\n(Did you mean --y?)") as one usage line.
    const error =
      caught instanceof CommanderError
        ? new UsageError(caught.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '))
        : caught;
    const known = error instanceof OperatorError;
    const name = (error as Error).name;
    const message = known || name.endsWith('Error') ? (error as Error).message : String(error);
    terminal.err(`countersign: ${message}\n`);
    if (!known && terminal.env.LOG_LEVEL === 'debug') terminal.err(`${(error as Error).stack}\n`);
    return known ? error.exitCode : 1;
  }
}
