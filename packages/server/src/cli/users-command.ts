import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { OperatorError } from '../lib/operator-error.js';
import { type Actor, deleteUser, eraseUser, importUsers, unlockUser } from '../operators/operator-actions.js';
import { type DeviceDocument, userDocument, userLinkDocument } from '../operators/user-document.js';
import { exportUser } from '../operators/user-export.js';
import { formatOfFile, type ImportFormat, readImportFile } from '../users/import-file.js';
import type { ImportReport } from '../users/user-import.js';
import { cliActor } from './cli-actor.js';
import {
  idOption,
  limitOption,
  NotFoundError,
  openServer,
  output,
  storeId,
  type Terminal,
  UsageError,
} from './output.js';
import { TerminalText } from './terminal-text.js';

export function describeDevice(d: DeviceDocument, text: TerminalText): string {
  const state = d.revoked_at === null ? `last seen ${d.last_seen_at ?? 'never'}` : `revoked ${d.revoked_at}`;
  return `${d.device_id}  ${text.show(d.name)} (${d.platform})  user ${d.authy_id}  created ${d.created_at}  ${state}`;
}

const authyId = (value: string) => storeId('an Authy id', value);

/** `users import` refused rows: the report says which and why; nothing was written. Exit code 1. */
export class ImportRefusedError extends OperatorError {
  override readonly name = 'ImportRefusedError';
}

/** The store refused the import's writes: it rolled back. Exit code 1. */
export class ImportFailedError extends OperatorError {
  override readonly name = 'ImportFailedError';
}

/** The import's report as `--json` prints it. */
function importDocument(appId: number, dryRun: boolean, report: ImportReport) {
  return {
    app_id: appId,
    dry_run: dryRun,
    written: report.written,
    rows: report.rows,
    created: report.created,
    linked: report.linked,
    emails_updated: report.emailsUpdated,
    unchanged: report.unchanged,
    highest_id: report.highestId,
    refused: report.refused.map((r) => ({
      line: r.line,
      authy_id: r.authyId,
      reason: r.reason,
      message: r.message,
    })),
  };
}

function importSummary(report: ImportReport, dryRun: boolean): string {
  const counts =
    `${report.created} new, ${report.linked} linked to an existing identity, ` +
    `${report.emailsUpdated} emails updated, ${report.unchanged} unchanged`;
  if (report.refused.length > 0)
    return [
      ...report.refused.map((r) => `line ${r.line}: ${r.reason}: ${r.message}`),
      `${report.refused.length} of ${report.rows} rows refused: nothing was imported.`,
    ].join('\n');
  const highest = report.highestId === null ? '' : `; highest Authy id ${report.highestId}`;
  if (report.rows === 0) return 'The file has no rows: nothing to import.';
  if (dryRun) return `Dry run: ${report.rows} rows would import (${counts})${highest}. Nothing was written.`;
  return report.written
    ? `Imported ${report.rows} rows (${counts})${highest}.`
    : `Nothing to change: the ${report.rows} rows are imported already${highest}.`;
}

/** The command line as the audit log names it. */
const fromCli = (): Actor => ({ actor: cliActor(), from: 'cli' });

export function addUsersCommand(program: Command, terminal: Terminal): void {
  const users = program.command('users').description('users, their apps, devices and lock state');

  users
    .command('list')
    .description('users newest first, by app; phone numbers masked')
    .option('--app <id>', 'only this app')
    .option('--search <text>', 'an Authy id, or part of an email or phone number')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const appId = idOption('--app', options.app);
      const search = options.search === undefined ? undefined : String(options.search);
      if (search !== undefined && (search.length === 0 || search.length > 200))
        throw new UsageError('--search is 1 to 200 characters');
      const limit = limitOption(options.limit);
      const links = await (await openServer(terminal)).withServices((s) =>
        s.users.search({
          ...(appId !== undefined && { appId }),
          ...(search !== undefined && { text: search }),
          limit,
        }),
      );
      const now = Date.now();
      const rows = links.map((link) => userLinkDocument(link, now));
      const text = new TerminalText();
      output(terminal, options.json === true, rows, () =>
        rows.length === 0
          ? 'No users.'
          : text.output(
              rows.map(
                (r) =>
                  `${r.authy_id}  app ${r.app_id} ${text.show(r.app_name)}  ${text.show(r.email)}  ${r.phone}${r.locked ? '  LOCKED' : ''}`,
              ),
            ),
      );
    });

  users
    .command('import')
    .description(
      "import an app's users keeping their Authy ids: columns authy_id, email, cellphone, country_code; all or nothing",
    )
    .argument('<file>')
    .requiredOption('--app <id>', 'the app the users belong to')
    .option(
      '--format <format>',
      'csv (a header row names the columns) or jsonl; by default from the file name',
    )
    .option('--dry-run', 'check every row and report, writing nothing')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options) => {
      const appId = idOption('--app', options.app) as number;
      const format = options.format === undefined ? formatOfFile(file) : String(options.format);
      if (format !== 'csv' && format !== 'jsonl')
        throw new UsageError(`--format is csv or jsonl, got "${format}"`);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new NotFoundError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const rows = readImportFile(text, format as ImportFormat);
      const dryRun = options.dryRun === true;
      const server = await openServer(terminal);
      const report = await server
        .withServices((s) => importUsers(s, fromCli(), appId, rows, { dryRun, file: basename(file) }))
        .catch((error: unknown) => {
          // The store refused a write (a row another process wrote meanwhile, a constraint): the transaction
          // rolled back.
          if (error instanceof OperatorError) throw error;
          throw new ImportFailedError(
            `the import failed and nothing was imported: ${(error as Error).message}`,
          );
        });
      if (report === 'no_app') throw new NotFoundError(`no app with id ${appId}`);
      // The report goes to stdout either way; when rows are refused, the exit code says nothing was imported.
      output(terminal, options.json === true, importDocument(appId, dryRun, report), () =>
        importSummary(report, dryRun),
      );
      if (report.refused.length > 0)
        throw new ImportRefusedError(
          `${report.refused.length} of ${report.rows} rows refused: nothing was imported`,
        );
    });

  users
    .command('show')
    .description("a user's apps, lock state, devices and pending requests")
    .argument('<authy-id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      const shown = await (await openServer(terminal)).withServices((s) =>
        userDocument(s, userId, Date.now()),
      );
      if (shown === undefined) throw new NotFoundError(`no user with Authy id ${userId}`);
      const text = new TerminalText();
      output(terminal, options.json === true, shown, () =>
        text.output([
          `User ${shown.authy_id}, phone ${shown.phone}`,
          ...shown.apps.map(
            (a) =>
              `  app ${a.app_id} ${text.show(a.app_name)}: ${text.show(a.email)}, ` +
              `${a.locked_until === null ? 'not locked' : `LOCKED until ${a.locked_until}`}, ` +
              `${a.failed_attempts} failed attempts, ${a.pending_requests} pending requests`,
          ),
          shown.devices.length === 0 ? '  no devices' : '  devices:',
          ...shown.devices.map((d) => `    ${describeDevice(d, text)}`),
        ]),
      );
    });

  users
    .command('unlock')
    .description('lift the TOTP lockout so the user may verify again')
    .argument('<authy-id>')
    .option('--app <id>', 'only in this app (default: every app)')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      const appId = idOption('--app', options.app);
      const unlocked = await (await openServer(terminal)).withServices((s) =>
        unlockUser(s, fromCli(), userId, appId),
      );
      if (unlocked === 0)
        throw new NotFoundError(
          `no user with Authy id ${userId}${appId === undefined ? '' : ` in app ${appId}`}`,
        );
      output(
        terminal,
        options.json === true,
        { authy_id: userId, apps_unlocked: unlocked },
        () => `Unlocked user ${userId} in ${unlocked} app${unlocked === 1 ? '' : 's'}.`,
      );
    });

  users
    .command('delete')
    .description("remove a user from an app, as the API's user delete does (pending requests withdrawn)")
    .argument('<authy-id>')
    .requiredOption('--app <id>', 'the app to remove the user from')
    .option('--yes', 'really delete')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      const appId = idOption('--app', options.app) as number;
      if (options.yes !== true) throw new UsageError('deleting a user cannot be undone: add --yes');
      const outcome = await (await openServer(terminal)).withServices((s) =>
        deleteUser(s, fromCli(), userId, appId),
      );
      if (outcome === 'no_app') throw new NotFoundError(`no app with id ${appId}`);
      if (outcome === 'no_user') throw new NotFoundError(`no user with Authy id ${userId} in app ${appId}`);
      output(
        terminal,
        options.json === true,
        { authy_id: userId, app_id: appId, deleted: true },
        () => `Removed user ${userId} from app ${appId}.`,
      );
    });

  users
    .command('export')
    .description(
      "everything stored about a user (the data subject's access request): phone, emails, devices, requests with their details, verifications, messages, security events",
    )
    .argument('<authy-id>')
    .option('--app <id>', "only this app's part")
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      const appId = idOption('--app', options.app);
      const exported = await (await openServer(terminal)).withServices((s) =>
        exportUser(s.userExport, userId, appId),
      );
      if (exported === undefined)
        throw new NotFoundError(
          `no user with Authy id ${userId}${appId === undefined ? '' : ` in app ${appId}`}`,
        );
      const text = new TerminalText();
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      output(terminal, options.json === true, exported, () =>
        text.output([
          `User ${exported.authy_id}, phone ${exported.e164}: ${count(exported.apps.length, 'app')}, ` +
            `${count(exported.devices.length, 'device')}, ${count(exported.requests.length, 'request')}, ` +
            `${count(exported.verifications.length, 'verification')}, ${count(exported.messages.length, 'message')}, ` +
            `${count(exported.security_events.length, 'security event')}.`,
          ...exported.apps.map((a) => `  app ${a.app_id} ${text.show(a.app_name)}: ${text.show(a.email)}`),
          'Add --json for every field.',
        ]),
      );
    });

  users
    .command('erase')
    .description(
      "erase a user's personal data everywhere it lives, in every app: phone, emails, devices, requests, callbacks, messages, verifications, security events (audited without the data)",
    )
    .argument('<authy-id>')
    .option('--yes', 'really erase')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      if (options.yes !== true) throw new UsageError('erasing a user cannot be undone: add --yes');
      const erased = await (await openServer(terminal)).withServices((s) => eraseUser(s, fromCli(), userId));
      if (erased === undefined) throw new NotFoundError(`no user with Authy id ${userId}`);
      output(
        terminal,
        options.json === true,
        { authy_id: userId, erased: erased.counts, files_cleared: erased.cleared },
        () =>
          [
            `Erased user ${userId}: ${Object.entries(erased.counts)
              .map(([what, n]) => `${n} ${what.replaceAll('_', ' ')}`)
              .join(', ')}.`,
            erased.cleared
              ? 'No copy of the erased rows is left in the database file.'
              : "The database keeps copies of the erased rows in its files until it reclaims their space (PostgreSQL: vacuum; its WAL and backups until they are recycled; SQLite: the write-ahead log's next checkpoint). See the README's erasure runbook.",
          ].join('\n'),
      );
    });
}
