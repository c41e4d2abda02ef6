import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type InvitationOutcome, MAX_INVITATION_DAYS } from '../devices/invitation.service.js';
import { type Actor, inviteUsers } from '../operators/operator-actions.js';
import { formatOfFile, readIdList } from '../users/import-file.js';
import { readUserId } from '../users/user-id.js';
import { cliActor } from './cli-actor.js';
import { idOption, isoTime, NotFoundError, openServer, output, type Terminal, UsageError } from './output.js';

const fromCli = (): Actor => ({ actor: cliActor(), from: 'cli' });

/** The ids of `--users FILE`, each once, in the file's order; a malformed one is a usage error. */
async function idsOfFile(file: string): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NotFoundError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const ids = new Set<number>();
  for (const { line, authyId } of readIdList(text)) {
    const id = readUserId(authyId);
    // The column may hold anything, a phone number too: it is not echoed.
    if (id === undefined) throw new UsageError(`${file} line ${line}: not an Authy id`);
    ids.add(id);
  }
  return [...ids];
}

/** One user's outcome as `--json` prints it and the export writes it (the link only there). */
function outcomeDocument(o: InvitationOutcome) {
  return {
    authy_id: o.authyId,
    state: o.state,
    phone: o.phone,
    email: o.email,
    expires_at: o.expiresAt === null ? null : isoTime(o.expiresAt),
    reason: o.reason,
  };
}

/** The export for the app's own e-mail: CSV with a header row, or JSON lines, by the file's name. */
function exportText(file: string, outcomes: readonly InvitationOutcome[]): string {
  const rows = outcomes
    .filter((o) => o.link !== null)
    .map((o) => ({
      authy_id: o.authyId,
      phone: o.phone,
      email: o.email,
      link: o.link,
      expires_at: o.expiresAt === null ? null : isoTime(o.expiresAt),
    }));
  if (formatOfFile(file) === 'jsonl') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const quote = (value: unknown) => `"${String(value ?? '').replace(/"/g, '""')}"`;
  const lines = [
    'authy_id,phone,email,link,expires_at',
    ...rows.map((r) => Object.values(r).map(quote).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export function addEnrollmentsCommand(program: Command, terminal: Terminal): void {
  const enrollments = program
    .command('enrollments')
    .description("enrollment invitations: bringing imported users' devices over");

  enrollments
    .command('invite')
    .description(
      'invite users to enroll a device: a link by SMS, or exported for the app to send by e-mail; ' +
        "re-inviting replaces a user's link",
    )
    .requiredOption('--app <id>', 'the app that invites')
    .option('--users <file>', 'Authy ids, one a line, or a CSV file with an authy_id column')
    .option('--not-enrolled', 'every user of the app without a live device answering it')
    .option('--via <via>', 'sms or export', 'sms')
    .option('--valid-days <n>', `how long the links live, 1 to ${MAX_INVITATION_DAYS} days`, '7')
    .option('--out <file>', 'where --via export writes the links (.csv, or .jsonl)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const appId = idOption('--app', options.app) as number;
      const via = String(options.via);
      if (via !== 'sms' && via !== 'export') throw new UsageError(`--via is sms or export, got "${via}"`);
      const days = String(options.validDays);
      if (!/^\d{1,2}$/.test(days) || Number(days) < 1 || Number(days) > MAX_INVITATION_DAYS)
        throw new UsageError(`--valid-days is 1 to ${MAX_INVITATION_DAYS}, got "${days}"`);
      if ((options.users === undefined) === (options.notEnrolled !== true))
        throw new UsageError('give either --users FILE or --not-enrolled');
      const out = options.out === undefined ? undefined : String(options.out);
      if (via === 'export' && out === undefined) throw new UsageError('--via export needs --out FILE');
      if (via === 'sms' && out !== undefined) throw new UsageError('--out is for --via export');
      const users =
        options.notEnrolled === true ? ('not_enrolled' as const) : await idsOfFile(String(options.users));
      const outcomes = await (await openServer(terminal)).withServices((s) =>
        inviteUsers(s, fromCli(), appId, users, { via, validDays: Number(days) }),
      );
      if (outcomes === 'no_app') throw new NotFoundError(`no app with id ${appId}`);
      // The links are secrets until used: the file is the operator's alone.
      if (out !== undefined) await writeFile(out, exportText(out, outcomes), { mode: 0o600 });
      const count = (state: InvitationOutcome['state']) => outcomes.filter((o) => o.state === state).length;
      const counts = {
        queued: count('queued'),
        exported: count('exported'),
        failed: count('failed'),
        not_in_app: count('not_in_app'),
      };
      output(
        terminal,
        options.json === true,
        {
          app_id: appId,
          via,
          valid_days: Number(days),
          out: out ?? null,
          ...counts,
          users: outcomes.map(outcomeDocument),
        },
        () =>
          [
            ...outcomes.map(
              (o) =>
                `${o.authyId}  ${o.state}${o.phone === null ? '' : `  ${o.phone}`}${o.reason === null ? '' : `  ${o.reason}`}`,
            ),
            `${outcomes.length} users: ${counts.queued} SMS queued, ${counts.exported} exported` +
              `${out === undefined ? '' : ` to ${out}`}, ${counts.failed} failed, ${counts.not_in_app} not in the app.`,
          ].join('\n'),
      );
    });

  enrollments
    .command('status')
    .description("the app's invitations: invited (live), enrolled, expired, failed sends")
    .requiredOption('--app <id>', 'the app')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const appId = idOption('--app', options.app) as number;
      const counts = await (await openServer(terminal)).withServices(async (s) => {
        const app = await s.apps.find(appId);
        return app === undefined ? undefined : s.invitations.status(app);
      });
      if (counts === undefined) throw new NotFoundError(`no app with id ${appId}`);
      output(
        terminal,
        options.json === true,
        { app_id: appId, ...counts },
        () =>
          `App ${appId}: ${counts.invited} invited, ${counts.enrolled} enrolled, ${counts.expired} expired, ` +
          `${counts.failed} failed sends.`,
      );
    });
}
