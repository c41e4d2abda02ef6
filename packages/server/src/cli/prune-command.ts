import type { Command } from 'commander';
import type { PruneResult } from '../retention/pruner.js';
import { cliActor } from './cli-actor.js';
import { isoTime, openServer, output, type Terminal } from './output.js';

/** One kind's line of `countersign prune`. */
function pruneLine(result: PruneResult, dryRun: boolean): string {
  const name = result.kind.replace('_', ' ');
  if (result.before === null) return `${name}: kept forever`;
  const verb = dryRun ? 'would go' : 'deleted';
  const rest = result.complete ? '' : ' (more remain: run it again, or let the service go on)';
  return `${name}: ${result.rows} ${verb}, written before ${isoTime(result.before)} (${result.days} days)${rest}`;
}

/** `countersign prune`: what every instance does a little each minute, done once to the end. */
export function addPruneCommand(program: Command, terminal: Terminal): void {
  program
    .command('prune')
    .description(
      'delete finished requests, outbox messages, settled callbacks and security events past their retention (COUNTERSIGN_RETAIN_*_DAYS)',
    )
    .option('--dry-run', 'count what would go, and delete nothing')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const dryRun = options.dryRun === true;
      const results = await (await openServer(terminal)).withServices(async (s) => {
        const done = await s.pruner.run({ dryRun });
        const rows = done.reduce((sum, r) => sum + r.rows, 0);
        if (!dryRun && rows > 0) {
          await s.audit.record({
            actor: cliActor(),
            from: 'cli',
            action: 'retention.prune',
            after: Object.fromEntries(done.map((r) => [r.kind, r.rows])),
          });
        }
        return done;
      });
      output(
        terminal,
        options.json === true,
        {
          dry_run: dryRun,
          retention: results.map((r) => ({
            kind: r.kind,
            days: r.days,
            before: r.before === null ? null : isoTime(r.before),
            rows: r.rows,
            complete: r.complete,
          })),
        },
        () => results.map((r) => pruneLine(r, dryRun)).join('\n'),
      );
    });
}
