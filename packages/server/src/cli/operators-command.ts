import type { Command } from 'commander';
import { operatorEmail } from '../operators/operator.service.js';
import { cliActor } from './cli-actor.js';
import { isoTime, NotFoundError, openServer, output, type Terminal, UsageError } from './output.js';

/** The console's operators (issue 17, items 1 and 4): add one with a setup link, list them, remove one. */
export function addOperatorsCommand(program: Command, terminal: Terminal): void {
  const operators = program
    .command('operators')
    .description('who may sign in to the console at /console/ (admin: see and change; viewer: see)');

  operators
    .command('add')
    .description('add an operator and print a one-time setup link (valid 24 hours) to register a passkey')
    .argument('<email>')
    .requiredOption('--role <role>', 'admin or viewer')
    .option('--json', 'print one JSON document')
    .action(async (email: string, options) => {
      const added = await (await openServer(terminal)).withServices(async (s) => {
        const result = await s.operators.add(email, String(options.role));
        await s.audit.record({
          actor: cliActor(),
          from: 'cli',
          action: 'operator.add',
          target: { type: 'operator', id: result.operator.id },
          after: { email: result.operator.email, role: result.operator.role },
        });
        return result;
      });
      output(
        terminal,
        options.json === true,
        {
          id: added.operator.id,
          email: added.operator.email,
          role: added.operator.role,
          setup_url: added.setupUrl,
          expires_at: isoTime(added.expiresAt),
        },
        () =>
          [
            `Added ${added.operator.email} (${added.operator.role}).`,
            'Send them this link; it works once, until ' +
              `${isoTime(added.expiresAt)}, to register a passkey:`,
            `  ${added.setupUrl}`,
          ].join('\n'),
      );
    });

  operators
    .command('list')
    .description('every operator, oldest first')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const list = await (await openServer(terminal)).withServices((s) => s.operators.list());
      const rows = list.map((o) => ({
        id: o.id,
        email: o.email,
        role: o.role,
        created_at: isoTime(o.createdAt),
        passkeys: o.passkeys,
        signed_in_at: isoTime(o.signedInAt),
        setup_pending: o.setupPending,
      }));
      output(terminal, options.json === true, rows, () =>
        rows.length === 0
          ? 'No operators. Add one with `countersign operators add EMAIL --role admin`.'
          : rows
              .map(
                (o) =>
                  `${o.email}  ${o.role}  ${o.passkeys} passkey${o.passkeys === 1 ? '' : 's'}  ` +
                  (o.setup_pending ? 'setup link not used yet' : `last sign-in ${o.signed_in_at ?? 'never'}`),
              )
              .join('\n'),
      );
    });

  operators
    .command('remove')
    .description('remove an operator: its passkeys, recovery codes and sessions end at once')
    .argument('<email>')
    .option('--json', 'print one JSON document')
    .action(async (emailText: string, options) => {
      let email: string;
      try {
        email = operatorEmail(emailText);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const removed = await (await openServer(terminal)).withServices(async (s) => {
        const operator = await s.operators.findByEmail(email);
        const gone = operator === undefined ? undefined : await s.operators.remove(operator.id);
        if (gone !== undefined) {
          await s.audit.record({
            actor: cliActor(),
            from: 'cli',
            action: 'operator.remove',
            target: { type: 'operator', id: gone.id },
            before: { email: gone.email, role: gone.role },
          });
        }
        return gone;
      });
      if (removed === undefined) throw new NotFoundError(`no operator ${email}`);
      output(
        terminal,
        options.json === true,
        { id: removed.id, email: removed.email, removed: true },
        () => `Removed ${removed.email}.`,
      );
    });
}
