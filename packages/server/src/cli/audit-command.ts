import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import type { AuditEntry } from '../audit/audit-entry.js';
import { auditExportLines } from '../audit/audit-export.js';
import { OperatorError } from '../lib/operator-error.js';
import { openServer, output, type Terminal, UsageError } from './output.js';

/** `audit verify` found the chain or a signed head not as it was written: exit code 1. */
export class AuditVerifyError extends OperatorError {
  override readonly name = 'AuditVerifyError';
}

function isoTime(flag: string, value: string): number {
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at))
    throw new UsageError(`${flag} is an ISO 8601 time, got "${value}"`);
  return at;
}

function entryLine(e: AuditEntry): string {
  const target = e.target_type === null ? '' : `  ${e.target_type} ${e.target_id}`;
  return `${e.seq}  ${new Date(e.at).toISOString()}  ${e.actor} (${e.from})  ${e.action}${target}`;
}

export function addAuditCommand(program: Command, terminal: Terminal): void {
  const audit = program
    .command('audit')
    .description(
      'the tamper-evident audit log: operator actions and security events, hash-chained and signed',
    );

  audit
    .command('list')
    .description('newest entries first')
    .option('--since <time>', 'only entries at or after this ISO 8601 time')
    .option('--action <action>', 'only this action (app.create, security.device_revoked, …)')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const limit = String(options.limit);
      if (!/^\d{1,5}$/.test(limit)) throw new UsageError(`--limit is a number, got "${limit}"`);
      const query = {
        limit: Number(limit),
        ...(options.since !== undefined && { since: isoTime('--since', String(options.since)) }),
        ...(options.action !== undefined && { action: String(options.action) }),
      };
      const entries = await (await openServer(terminal)).withServices((s) => s.audit.list(query));
      output(terminal, options.json === true, entries, () =>
        entries.length === 0 ? 'No audit entries.' : entries.map(entryLine).join('\n'),
      );
    });

  audit
    .command('export')
    .description('every entry in chain order, one JSON object a line, with hash and prev_hash')
    .requiredOption('--jsonl', 'JSON lines (the one format)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options) => {
      const file = options.out === undefined ? undefined : createWriteStream(String(options.out));
      const write = (line: string) =>
        file === undefined
          ? terminal.out(line)
          : new Promise<void>((resolve, reject) =>
              file.write(line, (error) => (error ? reject(error) : resolve())),
            );
      try {
        await (await openServer(terminal)).withServices(async (s) => {
          for await (const line of auditExportLines(s.audit)) await write(line);
        });
      } finally {
        if (file !== undefined) await new Promise<void>((resolve) => file.end(resolve));
      }
    });

  audit
    .command('sign')
    .description("sign the chain's head now with the service's key (the service also does every 5 minutes)")
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const head = await (await openServer(terminal)).withServices((s) => s.audit.signHead());
      output(
        terminal,
        options.json === true,
        head === undefined ? null : { seq: head.seq, hash: head.hash, jws: head.jws },
        () => (head === undefined ? 'The audit log is empty.' : `Signed the head at entry ${head.seq}.`),
      );
    });

  audit
    .command('prune')
    .description(
      'remove the entries older than --before (export them first), keeping a signed checkpoint that verify starts from',
    )
    .requiredOption('--before <time>', 'an ISO 8601 time: entries before it go')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const before = isoTime('--before', String(options.before));
      const checkpoint = await (await openServer(terminal)).withServices((s) => s.audit.prune(before));
      output(
        terminal,
        options.json === true,
        checkpoint === undefined ? null : { seq: checkpoint.seq, hash: checkpoint.hash },
        () =>
          checkpoint === undefined
            ? 'No entry is that old.'
            : `Pruned the entries up to ${checkpoint.seq}; the chain goes on from a signed checkpoint.`,
      );
    });

  audit
    .command('verify')
    .description(
      'walk the chain and its signed heads; exit 1 naming the first entry edited, removed or reordered',
    )
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const verdict = await (await openServer(terminal)).withServices((s) => s.audit.verify());
      if (!verdict.ok) {
        if (options.json === true) output(terminal, true, verdict, () => '');
        throw new AuditVerifyError(`audit log does not verify: ${verdict.message}`);
      }
      output(
        terminal,
        options.json === true,
        verdict,
        () =>
          `The audit log verifies: ${verdict.entries} entries up to ${verdict.lastSeq}, ${verdict.heads} signed heads.`,
      );
    });
}
