import type { Command } from 'commander';
import {
  type App,
  isNumberMatching,
  isProfile,
  isUserVerification,
  type NumberMatching,
  type Profile,
  type UserVerification,
} from '../apps/app.js';
import type { Config } from '../config/load-config.js';
import { appDocument, smsBudgets } from '../operators/app-document.js';
import { changedFields } from '../operators/changed-fields.js';
import { cliActor } from './cli-actor.js';
import { openServer, output, type Terminal, UsageError } from './output.js';

/** What the app may send by SMS and voice, in words (R12). */
function smsLines(app: App, config: Config): string[] {
  const budgets = smsBudgets(app, config);
  const own = app.smsPerHour !== null || app.smsPerDay !== null;
  return [
    `SMS and voice codes: at most ${budgets.perHour} an hour and ${budgets.perDay} a day` +
      `${own ? '' : " (the server's defaults)"}.`,
    app.smsCountries === null
      ? 'Countries: every country is allowed; restrict them with --sms-countries US,CA.'
      : `Countries: ${app.smsCountries.join(', ')} only.`,
  ];
}

/** A budget of codes: a whole number, or `default` for the server's (`COUNTERSIGN_SMS_PER_HOUR`, `…_DAY`). */
function budget(flag: string, value: string): number | null {
  if (value === 'default') return null;
  if (!/^\d{1,8}$/.test(value))
    throw new UsageError(`${flag} is a number of codes or default, got "${value}"`);
  return Number(value);
}

/** `US,CA` (ISO 3166 alpha-2 codes, checked by the app service), or `all`. */
function countries(value: string): string[] | null {
  return value === 'all' ? null : value.split(',');
}

const SMS_OPTIONS = {
  perHour: [
    '--sms-per-hour <codes>',
    "SMS and voice codes the app may send in an hour, or default (the server's)",
  ],
  perDay: [
    '--sms-per-day <codes>',
    "SMS and voice codes the app may send in a day, or default (the server's)",
  ],
  countries: ['--sms-countries <codes>', 'countries codes may go to, as ISO 3166 codes (US,CA), or all'],
} as const;

function smsSettings(options: Record<string, unknown>) {
  return {
    ...(options.smsPerHour !== undefined && {
      smsPerHour: budget('--sms-per-hour', String(options.smsPerHour)),
    }),
    ...(options.smsPerDay !== undefined && { smsPerDay: budget('--sms-per-day', String(options.smsPerDay)) }),
    ...(options.smsCountries !== undefined && { smsCountries: countries(String(options.smsCountries)) }),
  };
}

function profile(value: string): Profile {
  if (!isProfile(value))
    throw new UsageError(`--profile must be compat, strict, psd2 or sandbox, got "${value}"`);
  return value;
}

function numberMatching(value: string): NumberMatching {
  if (!isNumberMatching(value)) throw new UsageError(`--number-matching must be off, 2 or 6, got "${value}"`);
  return value;
}

function userVerification(value: string): UserVerification {
  if (!isUserVerification(value))
    throw new UsageError(`--user-verification must be required, preferred or off, got "${value}"`);
  return value;
}

/** What the app's user verification setting asks of an approval, in words (D14). */
function userVerificationLine(app: App): string {
  switch (app.userVerification) {
    case 'required':
      return 'User verification: required (an approval needs the device’s passkey: biometrics or the device PIN).';
    case 'preferred':
      return 'User verification: preferred (a passkey where the device has one; the device key alone where WebAuthn is missing).';
    case 'off':
      return 'User verification: off (the device key alone).';
  }
}

const USER_VERIFICATION_OPTION = [
  '--user-verification <mode>',
  'required, preferred or off: whether an approval needs the device’s passkey (default: required for psd2, preferred otherwise)',
] as const;

function onOff(value: string): boolean {
  if (value !== 'on' && value !== 'off')
    throw new UsageError(`--callback-expired must be on or off, got "${value}"`);
  return value === 'on';
}

function appId(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`an app id is a positive whole number, got "${value}"`);
  return Number(value);
}

function tokenLength(value: string): number {
  if (!/^[678]$/.test(value)) throw new UsageError(`--token-length must be 6, 7 or 8, got "${value}"`);
  return Number(value);
}

export function addAppsCommand(program: Command, terminal: Terminal): void {
  const apps = program.command('apps').description('create and manage apps (tenants) and their keys');

  apps
    .command('create')
    .description('create an app; prints its API key and webhook secret once')
    .requiredOption('--name <name>', 'the name users see on their devices')
    .option('--callback-url <url>', 'where answers are POSTed')
    .option('--number-matching <mode>', 'off, 2 or 6 digits', 'off')
    .option('--profile <profile>', 'compat, strict, psd2 or sandbox', 'compat')
    .option('--token-length <digits>', 'digits of TOTP and SMS codes: 6, 7 or 8', '7')
    .option(...USER_VERIFICATION_OPTION)
    .option(...SMS_OPTIONS.perHour)
    .option(...SMS_OPTIONS.perDay)
    .option(...SMS_OPTIONS.countries)
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const input = {
        name: String(options.name),
        profile: profile(String(options.profile)),
        numberMatching: numberMatching(String(options.numberMatching)),
        tokenLength: tokenLength(String(options.tokenLength)),
        callbackUrl: options.callbackUrl === undefined ? null : String(options.callbackUrl),
        ...(options.userVerification !== undefined && {
          userVerification: userVerification(String(options.userVerification)),
        }),
        ...smsSettings(options),
      };
      const { config, withServices } = await openServer(terminal);
      if (input.profile === 'sandbox' && !config.sandboxAllowed) {
        throw new UsageError('sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)');
      }
      const created = await withServices(async (s) => {
        const made = await s.apps.create(input);
        await s.audit.record({
          actor: cliActor(),
          from: 'cli',
          action: 'app.create',
          target: { type: 'app', id: String(made.app.id) },
          after: appDocument(made.app, config),
        });
        return made;
      });
      output(
        terminal,
        options.json === true,
        {
          ...appDocument(created.app, config),
          api_key: created.apiKey,
          webhook_secret: created.webhookSecret,
        },
        () =>
          [
            `Created app ${created.app.id} "${created.app.name}" (${created.app.profile}).`,
            `Account SID:    ${created.app.accountSid} (Twilio Verify v2 at /v2: the user name, the key its password)`,
            `API key:        ${created.apiKey}`,
            `Webhook secret: ${created.webhookSecret}`,
            'Keep both safe: they are shown only now.',
            userVerificationLine(created.app),
            ...smsLines(created.app, config),
          ].join('\n'),
      );
    });

  apps
    .command('list')
    .description('list apps (never their keys)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const { config, withServices } = await openServer(terminal);
      const list = await withServices((s) => s.apps.list());
      output(
        terminal,
        options.json === true,
        list.map((app) => appDocument(app, config)),
        () =>
          list.length === 0
            ? 'No apps yet: countersign apps create --name NAME'
            : list
                .map(
                  (a) =>
                    `${a.id}\t${a.name}\t${a.profile}\tnumber matching ${a.numberMatching}\tuser verification ${a.userVerification}`,
                )
                .join('\n'),
      );
    });

  apps
    .command('show')
    .description("show one app's settings (never its keys)")
    .argument('<id>', 'app id')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const wanted = appId(id);
      const { config, withServices } = await openServer(terminal);
      const app = await withServices((s) => s.apps.find(wanted));
      if (app === undefined) throw new UsageError(`no app with id ${id}`);
      output(terminal, options.json === true, appDocument(app, config), () =>
        [
          `App ${app.id} "${app.name}" (${app.profile}), number matching ${app.numberMatching}.`,
          userVerificationLine(app),
          ...smsLines(app, config),
        ].join('\n'),
      );
    });

  apps
    .command('rotate-key')
    .description('issue a new API key; older keys stop working after --grace seconds')
    .argument('<id>', 'app id')
    .option('--grace <seconds>', 'how long older keys keep working', '0')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const grace = String(options.grace);
      if (!/^\d{1,7}$/.test(grace)) throw new UsageError(`--grace is a number of seconds, got "${grace}"`);
      const { config, withServices } = await openServer(terminal);
      const rotated = await withServices(async (s) => {
        const done = await s.apps.rotateKey(appId(id), Number(grace));
        if (done !== undefined) {
          // The key itself never enters the log: only that it was rotated, and the grace given to older ones.
          await s.audit.record({
            actor: cliActor(),
            from: 'cli',
            action: 'app.rotate_key',
            target: { type: 'app', id: String(done.app.id) },
            after: { grace_seconds: Number(grace) },
          });
        }
        return done;
      });
      if (rotated === undefined) throw new UsageError(`no app with id ${id}`);
      output(
        terminal,
        options.json === true,
        { ...appDocument(rotated.app, config), api_key: rotated.apiKey },
        () =>
          [
            `New API key for app ${rotated.app.id}: ${rotated.apiKey}`,
            `Older keys stop working in ${grace} s.`,
          ].join('\n'),
      );
    });

  apps
    .command('update')
    .description("change an app's settings")
    .argument('<id>', 'app id')
    .option('--name <name>')
    .option('--callback-url <url>', "where answers are POSTed ('' removes it)")
    .option('--number-matching <mode>', 'off, 2 or 6 digits')
    .option('--token-length <digits>', '6, 7 or 8')
    .option('--callback-expired <on|off>', 'also send callbacks for expired requests')
    .option(...USER_VERIFICATION_OPTION)
    .option(...SMS_OPTIONS.perHour)
    .option(...SMS_OPTIONS.perDay)
    .option(...SMS_OPTIONS.countries)
    .option('--json', 'print one JSON document')
    .action(async (id: string, options) => {
      const changes = {
        ...(options.callbackExpired !== undefined && {
          callbackExpired: onOff(String(options.callbackExpired)),
        }),
        ...(options.name !== undefined && { name: String(options.name) }),
        ...(options.callbackUrl !== undefined && { callbackUrl: String(options.callbackUrl) }),
        ...(options.numberMatching !== undefined && {
          numberMatching: numberMatching(String(options.numberMatching)),
        }),
        ...(options.tokenLength !== undefined && { tokenLength: tokenLength(String(options.tokenLength)) }),
        ...(options.userVerification !== undefined && {
          userVerification: userVerification(String(options.userVerification)),
        }),
        ...smsSettings(options),
      };
      const { config, withServices } = await openServer(terminal);
      const app = await withServices(async (s) => {
        const before = await s.apps.find(appId(id));
        const updated = await s.apps.update(appId(id), changes);
        if (before !== undefined && updated !== undefined) {
          await s.audit.record({
            actor: cliActor(),
            from: 'cli',
            action: 'app.update',
            target: { type: 'app', id: String(updated.id) },
            ...changedFields(appDocument(before, config), appDocument(updated, config)),
          });
        }
        return updated;
      });
      if (app === undefined) throw new UsageError(`no app with id ${id}`);
      output(terminal, options.json === true, appDocument(app, config), () =>
        [`Updated app ${app.id} "${app.name}".`, userVerificationLine(app), ...smsLines(app, config)].join(
          '\n',
        ),
      );
    });
}
