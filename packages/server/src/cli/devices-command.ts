import type { Command } from 'commander';
import { revokeDevice } from '../operators/operator-actions.js';
import { deviceDocument } from '../operators/user-document.js';
import { cliActor } from './cli-actor.js';
import { idOption, NotFoundError, openServer, output, type Terminal, UsageError } from './output.js';
import { TerminalText } from './terminal-text.js';
import { describeDevice } from './users-command.js';

export function addDevicesCommand(program: Command, terminal: Terminal): void {
  const devices = program
    .command('devices')
    .description("users' enrolled devices (the device itself is `countersign device`)");

  devices
    .command('list')
    .description('devices, oldest first, revoked ones too')
    .option('--user <authy-id>', "only this user's")
    .option('--app <id>', "only those answering this app's requests")
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const userId = idOption('--user', options.user);
      const appId = idOption('--app', options.app);
      const list = await (await openServer(terminal)).withServices((s) =>
        s.devices.listForOperator({
          ...(userId !== undefined && { userId }),
          ...(appId !== undefined && { appId }),
        }),
      );
      const rows = list.map(deviceDocument);
      const text = new TerminalText();
      output(terminal, options.json === true, rows, () =>
        rows.length === 0 ? 'No devices.' : text.output(rows.map((d) => describeDevice(d, text))),
      );
    });

  devices
    .command('revoke')
    .description('revoke a device at once: its next answer is refused')
    .argument('<device-id>')
    .option('--yes', 'really revoke')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`not a device id: "${id}"`);
      if (options.yes !== true) throw new UsageError('revoking a device cannot be undone: add --yes');
      const revoked = await (await openServer(terminal)).withServices((s) =>
        revokeDevice(s, { actor: cliActor(), from: 'cli' }, id),
      );
      if (!revoked) throw new NotFoundError(`no device ${id} that is not revoked already`);
      output(
        terminal,
        options.json === true,
        { device_id: id, revoked: true },
        () => `Revoked device ${id}.`,
      );
    });
}
