import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import type { Services } from '../app/services.js';
import type { AuditEntry } from '../audit/audit-entry.js';
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
          for await (const entry of s.audit.entries()) await write(`${JSON.stringify(entry)}\n`);
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
      'remove the entries older than --before or --older-than, keeping a signed checkpoint that verify starts from',
    )
    .option('--before <time>', 'an ISO 8601 time: entries before it go')
    .option('--older-than <days>', 'entries older than this many days go (a retention age, e.g. from cron)')
    .option('--archive <file>', 'first write the entries that go to this new file, as export --jsonl does')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      if ((options.before === undefined) === (options.olderThan === undefined)) {
        throw new UsageError('give one of --before <time> and --older-than <days>');
      }
      let before: number;
      if (options.before !== undefined) {
        before = isoTime('--before', String(options.before));
      } else {
        const days = String(options.olderThan);
        if (!/^[1-9]\d{0,4}$/.test(days))
          throw new UsageError(`--older-than is a number of days, got "${days}"`);
        before = Date.now() - Number(days) * 86_400_000;
      }
      const file =
        options.archive === undefined
          ? undefined
          : createWriteStream(String(options.archive), { flags: 'wx' });
      if (file !== undefined) {
        // `wx`: an archive is never written over; a file that exists is refused before anything is removed.
        await new Promise<void>((resolve, reject) => {
          file.once('open', () => resolve());
          file.once('error', (error) =>
            reject(new UsageError(`cannot create ${options.archive}: ${error.message}`)),
          );
        });
      }
      let archived = 0;
      let checkpoint: Awaited<ReturnType<Services['audit']['prune']>>;
      try {
        checkpoint = await (await openServer(terminal)).withServices((s) =>
          file === undefined
            ? s.audit.prune(before)
            : s.audit.archiveAndPrune(before, async (entry) => {
                archived += 1;
                await new Promise<void>((resolve, reject) =>
                  file.write(`${JSON.stringify(entry)}\n`, (error) => (error ? reject(error) : resolve())),
                );
              }),
        );
      } finally {
        if (file !== undefined) await new Promise<void>((resolve) => file.end(resolve));
      }
      output(
        terminal,
        options.json === true,
        checkpoint === undefined
          ? null
          : { seq: checkpoint.seq, hash: checkpoint.hash, ...(file !== undefined && { archived }) },
        () =>
          checkpoint === undefined
            ? 'No entry is that old.'
            : `Pruned the entries up to ${checkpoint.seq}${file === undefined ? '' : ` (${archived} archived in ${options.archive})`}; the chain goes on from a signed checkpoint.`,
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
