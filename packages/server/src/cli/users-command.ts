import type { Command } from 'commander';
import type { Services } from '../app/services.js';
import type { Device } from '../devices/device.js';
import { maskForStatus } from '../users/phone-number.js';
import type { OperatorLink } from '../users/user.repository.js';
import { cliActor } from './cli-actor.js';
import {
  idOption,
  isoTime,
  limitOption,
  NotFoundError,
  openServer,
  output,
  storeId,
  type Terminal,
  UsageError,
} from './output.js';
import { TerminalText } from './terminal-text.js';

/** Only the last four digits, as the Authy API's user status shows them (`maskForStatus`). */
function maskedPhone(link: OperatorLink): string {
  return `+${link.countryCode} ${maskForStatus(link.phone)}`;
}

/** A link as `users list` prints it; never the full phone number. */
function linkJson(link: OperatorLink, now: number) {
  return {
    authy_id: link.userId,
    app_id: link.appId,
    app_name: link.appName,
    email: link.email,
    phone: maskedPhone(link),
    locked: link.lockedUntil !== null && link.lockedUntil > now,
    created_at: isoTime(link.createdAt),
  };
}

/** A device as `users show` and `devices list` print it. */
export function deviceJson(device: Device) {
  return {
    device_id: device.id,
    authy_id: device.userId,
    enrolled_app_id: device.enrolledAppId,
    name: device.name,
    platform: device.platform,
    created_at: isoTime(device.createdAt),
    last_seen_at: isoTime(device.lastSeenAt),
    revoked_at: isoTime(device.revokedAt),
  };
}

export function describeDevice(d: ReturnType<typeof deviceJson>, text: TerminalText): string {
  const state = d.revoked_at === null ? `last seen ${d.last_seen_at ?? 'never'}` : `revoked ${d.revoked_at}`;
  return `${d.device_id}  ${text.show(d.name)} (${d.platform})  user ${d.authy_id}  created ${d.created_at}  ${state}`;
}

const authyId = (value: string) => storeId('an Authy id', value);

/** The `users show` document: the user's apps with their lock state, devices, and pending requests. */
async function describeUser(s: Services, userId: number) {
  const links = await s.users.operatorLinksOf(userId);
  if (links.length === 0) throw new NotFoundError(`no user with Authy id ${userId}`);
  const now = Date.now();
  const [devices, pending] = await Promise.all([
    s.devices.listForOperator({ userId }),
    s.approvals.pendingFor(userId),
  ]);
  const first = links[0] as OperatorLink;
  return {
    authy_id: userId,
    phone: maskedPhone(first),
    apps: links.map((link) => ({
      app_id: link.appId,
      app_name: link.appName,
      email: link.email,
      failed_attempts: link.failedCount,
      locked_until: link.lockedUntil !== null && link.lockedUntil > now ? isoTime(link.lockedUntil) : null,
      pushes_paused_until:
        link.pushPausedUntil !== null && link.pushPausedUntil > now ? isoTime(link.pushPausedUntil) : null,
      pending_requests: pending.filter((r) => r.appId === link.appId).length,
      created_at: isoTime(link.createdAt),
    })),
    devices: devices.map(deviceJson),
  };
}

/** Lifts a user's TOTP lockout (one app or all): the whole effect of `users unlock`. */
async function unlockUser(s: Services, userId: number, appId: number | undefined): Promise<number> {
  const unlocked = await s.users.unlock(userId, appId);
  await s.audit.record({
    actor: cliActor(),
    from: 'cli',
    action: 'user.unlock',
    target: { type: 'user', id: String(userId) },
    after: { app_id: appId ?? null, apps_unlocked: unlocked },
  });
  return unlocked;
}

/**
 * Removes a user from one app as the Authy API's user delete does (R8): the same service call, so the
 * user's pending requests in that app are withdrawn with the link. The whole effect of `users delete`.
 */
async function deleteUser(s: Services, userId: number, appId: number): Promise<void> {
  const app = await s.apps.find(appId);
  if (app === undefined) throw new NotFoundError(`no app with id ${appId}`);
  const linked = await s.users.operatorLinksOf(userId);
  if (!linked.some((link) => link.appId === appId))
    throw new NotFoundError(`no user with Authy id ${userId} in app ${appId}`);
  await s.users.remove(app, String(userId));
  await s.audit.record({
    actor: cliActor(),
    from: 'cli',
    action: 'user.delete',
    target: { type: 'user', id: String(userId) },
    before: { app_id: appId },
  });
}

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
      const rows = links.map((link) => linkJson(link, now));
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
    .command('show')
    .description("a user's apps, lock state, devices and pending requests")
    .argument('<authy-id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const userId = authyId(id);
      const shown = await (await openServer(terminal)).withServices((s) => describeUser(s, userId));
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
      const unlocked = await (await openServer(terminal)).withServices((s) => unlockUser(s, userId, appId));
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
      await (await openServer(terminal)).withServices((s) => deleteUser(s, userId, appId));
      output(
        terminal,
        options.json === true,
        { authy_id: userId, app_id: appId, deleted: true },
        () => `Removed user ${userId} from app ${appId}.`,
      );
    });
}
