import type { Command } from 'commander';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../approvals/approval-request.js';
import { operatorRequestDocument } from '../approvals/operator-request-document.js';
import {
  idOption,
  limitOption,
  NotFoundError,
  openServer,
  output,
  type Terminal,
  UsageError,
} from './output.js';
import { TerminalText } from './terminal-text.js';

function status(value: unknown): ApprovalStatus | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!(APPROVAL_STATUSES as readonly string[]).includes(text))
    throw new UsageError(`--status must be one of ${APPROVAL_STATUSES.join(', ')}, got "${text}"`);
  return text as ApprovalStatus;
}

export function addRequestsCommand(program: Command, terminal: Terminal): void {
  const requests = program.command('requests').description('approval requests of every app');

  requests
    .command('list')
    .description('newest first; never their hidden details')
    .option('--app <id>', 'only this app')
    .option('--user <authy-id>', "only this user's")
    .option('--status <status>', APPROVAL_STATUSES.join(', '))
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const appId = idOption('--app', options.app);
      const userId = idOption('--user', options.user);
      const wanted = status(options.status);
      const limit = limitOption(options.limit);
      const list = await (await openServer(terminal)).withServices((s) =>
        s.approvals.listForOperator({
          ...(appId !== undefined && { appId }),
          ...(userId !== undefined && { userId }),
          ...(wanted !== undefined && { status: wanted }),
          limit,
        }),
      );
      const rows = list.map(operatorRequestDocument);
      const text = new TerminalText();
      output(terminal, options.json === true, rows, () =>
        rows.length === 0
          ? 'No requests.'
          : text.output(
              rows.map(
                (r) =>
                  `${r.uuid}  ${r.created_at}  ${r.status.padEnd(8)} app ${r.app_id} user ${r.authy_id}  ` +
                  `${text.show(r.app_name)}: ${text.show(r.message)}`,
              ),
            ),
      );
    });

  requests
    .command('show')
    .description('what a request showed, how it ended, and its receipt')
    .argument('<uuid>')
    .option('--json', 'print one JSON document')
    .action(async (uuid: string, options) => {
      const id = uuid.toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
        throw new UsageError(`a request id is a UUID, got "${uuid}"`);
      const found = await (await openServer(terminal)).withServices((s) => s.approvals.findForOperator(id));
      if (found === undefined) throw new NotFoundError(`no approval request ${id}`);
      const r = operatorRequestDocument(found);
      const text = new TerminalText();
      output(terminal, options.json === true, r, () =>
        text.output([
          `Request ${r.uuid} of app ${r.app_id} "${text.show(r.app_name)}" to user ${r.authy_id}`,
          `  message: ${text.show(r.message)}`,
          ...Object.entries(r.details).map(([key, value]) => `  ${text.show(key)}: ${text.show(value)}`),
          `  status: ${r.status}${r.reason === null ? '' : ` (${r.reason})`}`,
          `  created ${r.created_at}, expires ${r.expires_at ?? 'never'}` +
            (r.answered_at === null ? '' : `, answered ${r.answered_at}`),
          ...(r.device_id === null
            ? []
            : [
                `  answered by device ${r.device_id}${r.device_name === null ? '' : ` (${text.show(r.device_name)})`}`,
              ]),
          ...(r.receipt === null ? [] : [`  receipt: ${r.receipt}`]),
        ]),
      );
    });
}
