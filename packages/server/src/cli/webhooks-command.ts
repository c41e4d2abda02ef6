import type { Command } from 'commander';
import { CALLBACK_STATES, callbackDocument } from '../webhooks/callback-document.js';
import { cliActor } from './cli-actor.js';
import { openServer, output, type Terminal, UsageError } from './output.js';

const STATES: readonly string[] = CALLBACK_STATES;

export function addWebhooksCommand(program: Command, terminal: Terminal): void {
  const webhooks = program.command('webhooks').description('callback events and their deliveries');

  webhooks
    .command('list')
    .description('newest callback events first, with their delivery state')
    .option('--app <id>', 'only this app')
    .option('--state <state>', STATES.join(', '))
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const appId = options.app === undefined ? undefined : String(options.app);
      if (appId !== undefined && !/^[1-9]\d*$/.test(appId))
        throw new UsageError(`--app is an app id, got "${appId}"`);
      const state = options.state === undefined ? undefined : String(options.state);
      if (state !== undefined && !STATES.includes(state))
        throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
      const limit = String(options.limit);
      if (!/^\d{1,5}$/.test(limit)) throw new UsageError(`--limit is a number, got "${limit}"`);
      const events = await (await openServer(terminal)).withServices((s) =>
        s.webhookEvents.list({
          ...(appId !== undefined && { appId: Number(appId) }),
          ...(state !== undefined && { state }),
          limit: Number(limit),
        }),
      );
      const rows = events.map(callbackDocument);
      output(terminal, options.json === true, rows, () =>
        rows.length === 0
          ? 'No callback events.'
          : rows
              .map(
                (r) =>
                  `${r.id}  app ${r.app_id}  ${r.status.padEnd(8)} ${r.state.padEnd(9)} attempts ${r.attempts}  ${r.last_status ?? r.last_error ?? ''}`,
              )
              .join('\n'),
      );
    });

  webhooks
    .command('redeliver')
    .description('queue a callback event for delivery again (same webhook-id)')
    .argument('<event-id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      if (!/^[0-9a-f-]{36}$/.test(id)) throw new UsageError(`an event id is a UUID, got "${id}"`);
      const event = await (await openServer(terminal)).withServices(async (s) => {
        const queued = await s.webhookEvents.redeliver(id, Date.now());
        if (queued !== undefined) {
          await s.audit.record({
            actor: cliActor(),
            from: 'cli',
            action: 'webhook.redeliver',
            target: { type: 'webhook_event', id: queued.id },
            after: { app_id: queued.appId, state: queued.state },
          });
        }
        return queued;
      });
      if (event === undefined) throw new UsageError(`no callback event ${id}`);
      output(
        terminal,
        options.json === true,
        { id: event.id, state: event.state },
        () => `Queued ${event.id} for delivery.`,
      );
    });
}
