import { readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  type AccountHistoryEntry,
  type AccountRequest,
  type AnswerChoice,
  type AnswerResult,
  appsOnlyHere,
  BACKUP_PASSPHRASE_MIN,
  createBackup,
  DeviceError,
  type HistoryEntry,
  isInvitationLink,
  mergeHistory,
  parseOtpauthUri,
  type ReceiptProblem,
  type ReceiptVerification,
  readBackup,
  Wallet,
  type WalletAccount,
} from '@countersign/device';
import { folderStorage } from '@countersign/device/node';
import { type Decision, revealInvisible } from '@countersign/protocol';
import type { Command } from 'commander';
import { output, type Terminal, UsageError } from './output.js';
import { TerminalText } from './terminal-text.js';

/** Where `device backup` and `device restore` read the passphrase, else from standard input; never argv. */
const PASSPHRASE_VARIABLE = 'COUNTERSIGN_BACKUP_PASSPHRASE';
/** Far past any backup `device backup` writes; a bigger file is not read at all. */
const MAX_BACKUP_BYTES = 2 * 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface StateOptions {
  state: string;
  json?: boolean;
  account?: string;
}

/** Failures the user fixes by changing the command line (exit 2); any other failure exits 1. */
function usageMessage(error: DeviceError, state: string): string | undefined {
  switch (error.code) {
    case 'not_enrolled':
      return `no device is enrolled in ${state}: run countersign device enroll URL --state ${state}`;
    case 'invalid_totp':
      return `${error.message}: expected otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER`;
    case 'number_match_required':
      return 'this request asks for the number the app shows: add --code N';
    case 'number_match_unexpected':
      return 'this request does not ask for a number: leave out --code';
    case 'invalid_link':
      return error.message.includes('admission')
        ? `${error.message}: expected {PUBLIC_URL}/authenticator/#admit=TOKEN`
        : `${error.message}: expected {PUBLIC_URL}/authenticator/#enroll=TOKEN`;
    case 'backup_passphrase_too_short':
    case 'backup_passphrase_too_long':
      return `${error.message}: set another in ${PASSPHRASE_VARIABLE} or on standard input`;
    default:
      return undefined;
  }
}

/** Runs `use` with the accounts kept in the state folder; turns the user's mistakes into usage errors. */
async function withWallet<T>(options: StateOptions, use: (wallet: Wallet) => Promise<T>): Promise<T> {
  const state = resolve(options.state);
  const wallet = new Wallet({
    storage: folderStorage(state),
    name: `countersign CLI on ${hostname()}`,
    platform: 'cli',
  });
  try {
    return await use(wallet);
  } catch (error) {
    const usage = error instanceof DeviceError ? usageMessage(error, options.state) : undefined;
    if (usage !== undefined) throw new UsageError(usage);
    throw error;
  }
}

/**
 * The backup passphrase: from `COUNTERSIGN_BACKUP_PASSPHRASE`, else the first line of standard input when it
 * is piped. Never an option: a command line is visible to every user of the machine (`ps`).
 */
async function backupPassphrase(terminal: Terminal): Promise<string> {
  const fromEnvironment = terminal.env[PASSPHRASE_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  const piped = (await terminal.input?.())?.split(/\r?\n/)[0];
  if (piped === undefined || piped === '') {
    throw new UsageError(
      `no passphrase: set ${PASSPHRASE_VARIABLE} or pipe it on standard input (at least ${BACKUP_PASSPHRASE_MIN} characters)`,
    );
  }
  return piped;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

function requestUuid(value: string): string {
  if (!UUID.test(value)) throw new UsageError(`a request id is a UUID, got "${value}"`);
  return value.toLowerCase();
}

/** The account's line in a list of choices: its id, its name and where it answers. */
function describeAccount(account: WalletAccount): string {
  const where = account.kind === 'countersign' ? new URL(account.server).host : 'third-party TOTP';
  return `${account.id}  ${revealInvisible(account.label)} (${where})`;
}

/**
 * The accounts `--account` names: its id, device id, name or app name (any case). Without it, every
 * account of `kind`. Naming none is a usage error listing the choices.
 */
async function chosenAccounts(
  wallet: Wallet,
  options: StateOptions,
  kind?: WalletAccount['kind'],
): Promise<WalletAccount[]> {
  const all = (await wallet.accounts()).filter((account) => kind === undefined || account.kind === kind);
  if (all.length === 0) throw new DeviceError('not_enrolled', 'no account');
  const wanted = options.account;
  if (wanted === undefined) return all;
  const folded = wanted.toLowerCase();
  const chosen = all.filter(
    (account) =>
      account.id === wanted ||
      account.label.toLowerCase() === folded ||
      (account.kind === 'countersign' &&
        (account.device_id === wanted || account.apps.some((app) => app.app_name.toLowerCase() === folded))),
  );
  if (chosen.length === 0) throw new UsageError(choices(`no account is named "${wanted}"`, all));
  return chosen;
}

/** The one account a command acts on; several is a usage error listing them. */
async function oneAccount(
  wallet: Wallet,
  options: StateOptions,
  kind?: WalletAccount['kind'],
): Promise<WalletAccount> {
  const chosen = await chosenAccounts(wallet, options, kind);
  const [only] = chosen;
  if (only === undefined || chosen.length > 1) {
    const which =
      options.account === undefined
        ? 'this command acts on one account'
        : `"${options.account}" names ${chosen.length} accounts`;
    throw new UsageError(choices(`${which}: choose it with --account ID`, chosen));
  }
  return only;
}

function choices(problem: string, accounts: readonly WalletAccount[]): string {
  return [problem, ...accounts.map((account) => `  ${describeAccount(account)}`)].join('\n');
}

/** The pending requests of the chosen enrollments (all by default), each with its account. */
async function pendingOf(wallet: Wallet, options: StateOptions): Promise<AccountRequest[]> {
  const chosen = new Set((await chosenAccounts(wallet, options, 'countersign')).map(({ id }) => id));
  const { requests, failures } = await wallet.pending();
  const failure = failures.find(({ account }) => chosen.has(account.id));
  if (failure !== undefined) {
    const { account, error } = failure;
    if (!(error instanceof DeviceError)) throw error;
    // Which enrollment failed matters when several were asked: remove it, or narrow with --account.
    throw new Error(`account ${describeAccount(account)}: ${error.message}`, { cause: error });
  }
  return requests.filter(({ account }) => chosen.has(account.id));
}

/**
 * Answers a pending request. The request's content comes from the service's pending list, because the
 * answer signs exactly what a device was shown; the enrollment that listed it signs.
 */
async function answerPending(
  wallet: Wallet,
  options: StateOptions,
  uuid: string,
  decision: Decision,
  choice: Omit<AnswerChoice, 'decision'>,
): Promise<AnswerResult> {
  const found = (await pendingOf(wallet, options)).filter(({ request }) => request.uuid === uuid);
  const [only] = found;
  if (only === undefined) {
    throw new Error(`no pending request ${uuid} for this device (answered, expired or unknown)`);
  }
  if (found.length > 1) {
    throw new UsageError(
      choices(
        `request ${uuid} is pending for several accounts: choose one with --account ID`,
        found.map(({ account }) => account),
      ),
    );
  }
  try {
    return await (await wallet.device(only.account.id)).answer(only.request, decision, choice);
  } catch (error) {
    throw refusal(error, uuid);
  }
}

/** The one line for an answer the service refused. */
function refusal(error: unknown, uuid: string): unknown {
  if (!(error instanceof DeviceError)) return error;
  switch (error.code) {
    case 'conflict':
      return new Error(`request ${uuid} was already answered`);
    case 'gone':
      return new Error(`request ${uuid} has expired`);
    case 'not_found':
      return new Error(`no request ${uuid}`);
    case 'forbidden':
      // D14: the app requires a passkey's user verification, and a terminal has no WebAuthn.
      return new Error(
        `request ${uuid} needs the user verified with a passkey (its app requires it), which countersign device cannot do`,
      );
    default:
      return error;
  }
}

function describeRequest(
  { request, account }: AccountRequest,
  text: TerminalText,
  labelled: boolean,
): string[] {
  const lines = [`${request.uuid}  ${text.show(request.app_name)}: ${text.show(request.message)}`];
  // With several enrollments, an app's name alone may not say which of them (which service) asks.
  if (labelled) lines.push(`    account: ${describeAccount(account)}`);
  for (const [key, value] of Object.entries(request.details))
    lines.push(`    ${text.show(key)}: ${text.show(value)}`);
  if (request.number_match_required) lines.push('    (asks for the number the app shows: --code N)');
  return lines;
}

/** How one receipt of `device history` checked: verified, not verifying and why, or not checked. */
export type ReceiptCheck = 'verified' | ReceiptProblem | 'no_receipt' | 'unchecked';

const RECEIPT_PROBLEMS: Record<ReceiptProblem, string> = {
  malformed: 'it is not a receipt',
  unknown_key: 'no key of the service signed it',
  service_signature: "the service's signature does not match its content",
  device_signature: "the device's signature inside does not match its answer",
  another_request: 'it is about another request or another outcome',
  display_mismatch: 'the device signed other text than what is listed',
  another_key: "it was not signed with this device's key",
};

/** A receipt's verification (`Device.verifyReceipt`) as `device history` reports it; `undefined`: none. */
export function receiptCheck(verification: ReceiptVerification | undefined): ReceiptCheck {
  if (verification === undefined) return 'no_receipt';
  return verification.valid ? 'verified' : verification.problem;
}

/** A receipt check in words: "receipt verified", or "receipt does not verify: " and why. */
export function describeReceiptCheck(check: ReceiptCheck): string {
  switch (check) {
    case 'verified':
      return 'receipt verified';
    case 'no_receipt':
      return 'no receipt';
    case 'unchecked':
      return "receipt not checked: the service's keys cannot be fetched";
    default:
      return `receipt does not verify: ${RECEIPT_PROBLEMS[check]}`;
  }
}

/** How a request of the history ended, as the user reads it: a "this wasn't me" report says so. */
function historyOutcome(entry: HistoryEntry): string {
  if (entry.reason === 'not_me') return "denied (you reported: this wasn't me)";
  if (entry.reason === 'number_mismatch') return 'denied (the number typed did not match)';
  if (entry.status === 'expired') return 'expired (nobody answered in time)';
  return entry.status;
}

/** Who answered: this device (any enrollment of this --state folder), the device's name, or nobody. */
function answeredBy(entry: HistoryEntry, own: ReadonlySet<string>, text: TerminalText): string | undefined {
  const by = entry.answered_by;
  if (by === null) return undefined;
  if (own.has(by.device_id)) return 'answered by this device';
  return by.name === null ? 'answered by a device no longer listed' : `answered by ${text.show(by.name)}`;
}

/** Adds `--state DIR` (required) and `--json` to a device command. */
function stateOptions(command: Command): Command {
  return command
    .requiredOption('--state <dir>', "folder holding the device's accounts, keys and state")
    .option('--json', 'print one JSON document');
}

/** Adds `--account` to a command that acts on one account, or on the named ones. */
function accountOption(command: Command): Command {
  return command.option('--account <id or name>', "the account: its id, its name or its app's name");
}

/** An account as `device accounts` and `device enroll` print it: never a key or a TOTP seed. */
function accountJson(account: WalletAccount) {
  return account.kind === 'countersign'
    ? {
        id: account.id,
        kind: account.kind,
        label: account.label,
        server: account.server,
        device_id: account.device_id,
        apps: account.apps,
      }
    : {
        id: account.id,
        kind: account.kind,
        label: account.label,
        issuer: account.issuer,
        account_name: account.account_name,
      };
}

/** `device backup` and `device restore`: an encrypted file of the third-party accounts and the enrollment list. */
function addBackupCommands(device: Command, terminal: Terminal): void {
  stateOptions(
    device
      .command('backup')
      .description(
        `write an encrypted backup of the third-party TOTP accounts and the list of enrollments (never a key); the passphrase comes from ${PASSPHRASE_VARIABLE} or standard input`,
      )
      .requiredOption('--out <file>', 'the backup file to write; never overwritten'),
  ).action(async (options: StateOptions & { out: string }) => {
    const passphrase = await backupPassphrase(terminal);
    const { text, accounts, onlyHere } = await withWallet(options, async (w) => ({
      text: await createBackup(w, passphrase),
      accounts: await w.accounts(),
      onlyHere: await appsOnlyHere(w),
    }));
    try {
      await writeFile(options.out, text, { mode: 0o600, flag: 'wx' });
    } catch (caught) {
      if ((caught as NodeJS.ErrnoException).code === 'EEXIST')
        throw new UsageError(`${options.out} exists: choose another --out, or remove it first`);
      throw caught;
    }
    const totp = accounts.filter(({ kind }) => kind === 'totp').length;
    const enrollments = accounts.length - totp;
    const apps = onlyHere.apps.map(({ account, app }) => ({
      account_id: account.id,
      server: account.server,
      app_id: app.app_id,
      app_name: app.app_name,
    }));
    const unchecked = onlyHere.failures.map(({ account }) => account.id);
    output(
      terminal,
      options.json === true,
      { file: options.out, totp_accounts: totp, enrollments, only_here: apps, unchecked },
      () => {
        const text = new TerminalText();
        const lines = [
          `Backed up ${plural(totp, 'third-party account', 'third-party accounts')} and the list of ${plural(enrollments, 'enrollment', 'enrollments')} to ${options.out}.`,
        ];
        if (enrollments > 0)
          lines.push('Enrollments are listed, not copied: after a restore, enroll again through each app.');
        if (apps.length > 0)
          lines.push(
            `If you lose this device, you can no longer answer: ${apps.map((app) => text.show(app.app_name)).join(', ')}. Add another device or ask the app to enroll you again.`,
          );
        if (unchecked.length > 0)
          lines.push(
            `Could not ask ${plural(unchecked.length, 'service', 'services')} which other devices answer.`,
          );
        return text.output(lines);
      },
    );
  });

  stateOptions(
    device
      .command('restore')
      .description(
        `add a backup's third-party TOTP accounts and list the enrollments to make again; the passphrase comes from ${PASSPHRASE_VARIABLE} or standard input`,
      )
      .argument('<file>', 'a file written by `device backup` or the authenticator'),
  ).action(async (file: string, options: StateOptions) => {
    const passphrase = await backupPassphrase(terminal);
    const size = await stat(file).then(
      (found) => (found.isFile() ? found.size : undefined),
      () => undefined,
    );
    if (size === undefined) throw new UsageError(`${file} is not a file that can be read`);
    if (size > MAX_BACKUP_BYTES)
      throw new DeviceError('backup_unreadable', `${file} is far larger than a backup`);
    const text = await readFile(file, 'utf8');
    const result = await withWallet(options, async (w) => w.restore(await readBackup(text, passphrase)));
    const reenroll = result.reenroll.map(({ label, server, apps }) => ({ label, server, apps }));
    output(
      terminal,
      options.json === true,
      { added: result.added.map(accountJson), duplicates: result.duplicates, reenroll },
      () => {
        const shown = new TerminalText();
        const lines = [
          `Restored ${plural(result.added.length, 'third-party account', 'third-party accounts')}${result.duplicates > 0 ? ` (${plural(result.duplicates, 'was', 'were')} already here)` : ''}.`,
          ...result.added.map((account) => `  ${describeAccount(account)}`),
        ];
        if (reenroll.length > 0) {
          lines.push(
            'Enroll again with these apps, through their enrollment link or phone sign-up (their keys stayed on the old device):',
            ...reenroll.map(
              ({ server, apps }) =>
                `  ${apps.map((app) => shown.show(app.app_name)).join(', ')} (${new URL(server).host})`,
            ),
          );
        }
        return shown.output(lines);
      },
    );
  });
}

/** `countersign device …`: a device on the command line, for scripts, tests and operators. */
export function addDeviceCommand(program: Command, terminal: Terminal): void {
  const device = program
    .command('device')
    .description(
      'act as an authenticator of many accounts: enroll, list and answer requests, show TOTP codes',
    );

  stateOptions(
    device
      .command('enroll')
      .description(
        "enroll with an app's enrollment link, or with its invitation and the code texted to the phone (read from standard input), as a new account with a key of its own",
      )
      .argument('<url>', '{PUBLIC_URL}/authenticator/#enroll=TOKEN or #invite=TOKEN'),
  ).action(async (url: string, options: StateOptions) => {
    const { account, enrollment } = await withWallet(options, (w) =>
      isInvitationLink(url)
        ? w.enrollWithInvitation(url, async (invitation) => {
            const text = new TerminalText();
            const question =
              `${text.show(invitation.app_name)} invited you to approve its sign-ins and payments with this device. ` +
              `We texted a code to ${text.show(invitation.phone)}. Code: `;
            if (terminal.ask !== undefined) return terminal.ask(question);
            terminal.err(`${question}\n`);
            const typed = (await terminal.input?.())?.split(/\r?\n/)[0]?.trim();
            if (typed === undefined || typed === '')
              throw new UsageError('an invitation needs the code texted to the phone on standard input');
            return typed;
          })
        : w.enrollWithLink(url),
    );
    // TOTP seeds stay in the state folder: `device codes` shows codes, never seeds.
    const accounts = enrollment.accounts.map(({ app_id, app_name, authy_id }) => ({
      app_id,
      app_name,
      authy_id,
    }));
    output(
      terminal,
      options.json === true,
      { account_id: account.id, device_id: enrollment.device_id, accounts },
      () => {
        const text = new TerminalText();
        return text.output([
          `Enrolled as device ${enrollment.device_id}, account ${account.id}.`,
          ...accounts.map((a) => `  ${text.show(a.app_name)} (authy id ${a.authy_id})`),
        ]);
      },
    );
  });

  addAdmissionCommands(device, terminal);

  accountOption(
    stateOptions(
      device.command('pending').description('list the requests waiting for an answer, from every account'),
    ),
  ).action(async (options: StateOptions) => {
    const { requests, enrollments } = await withWallet(options, async (w) => ({
      requests: await pendingOf(w, options),
      enrollments: (await w.enrollments()).length,
    }));
    output(
      terminal,
      options.json === true,
      requests.map(({ account, request }) => ({
        uuid: request.uuid,
        account_id: account.id,
        app_name: request.app_name,
        message: request.message,
        details: request.details,
        number_match_required: request.number_match_required,
      })),
      () => {
        if (requests.length === 0) return 'No pending requests.';
        const text = new TerminalText();
        return text.output(requests.flatMap((request) => describeRequest(request, text, enrollments > 1)));
      },
    );
  });

  accountOption(
    stateOptions(
      device
        .command('approve')
        .description('approve a pending request')
        .argument('<uuid>', 'request id')
        .option('--code <n>', 'the number the app shows, when the request asks for it'),
    ),
  ).action(async (uuidText: string, options: StateOptions & { code?: string }) => {
    const uuid = requestUuid(uuidText);
    const code = options.code;
    if (code !== undefined && !/^\d{1,10}$/.test(code))
      throw new UsageError(`--code is a number, got "${code}"`);
    const result = await withWallet(options, (w) =>
      answerPending(w, options, uuid, 'approved', code === undefined ? {} : { numberMatch: code }),
    );
    if (result.status !== 'approved') throw new Error(`the number did not match: request ${uuid} is denied`);
    output(terminal, options.json === true, { uuid, status: result.status }, () => `Approved ${uuid}.`);
  });

  accountOption(
    stateOptions(
      device
        .command('deny')
        .description('deny a pending request')
        .argument('<uuid>', 'request id')
        .option('--reason <reason>', 'denied, or not_me to report that you did not ask for this', 'denied'),
    ),
  ).action(async (uuidText: string, options: StateOptions & { reason: string }) => {
    const uuid = requestUuid(uuidText);
    const reason = options.reason;
    if (reason !== 'denied' && reason !== 'not_me') {
      throw new UsageError(`--reason must be denied or not_me, got "${reason}"`);
    }
    const result = await withWallet(options, (w) => answerPending(w, options, uuid, 'denied', { reason }));
    output(terminal, options.json === true, { uuid, status: result.status }, () => `Denied ${uuid}.`);
  });

  accountOption(
    stateOptions(
      device
        .command('history')
        .description(
          'list the answered and expired requests of the last 90 days, newest first, each receipt checked here',
        )
        .option('--limit <n>', 'how many requests, newest first (1 to 100)', '50'),
    ),
  ).action(async (options: StateOptions & { limit: string }) => {
    if (!/^[1-9]\d{0,2}$/.test(options.limit) || Number(options.limit) > 100) {
      throw new UsageError(`--limit is a whole number from 1 to 100, got "${options.limit}"`);
    }
    const limit = Number(options.limit);
    const { entries, own, enrollments } = await withWallet(options, async (w) => {
      const chosen = await chosenAccounts(w, options, 'countersign');
      const lists: (AccountHistoryEntry & { check: ReceiptCheck })[][] = [];
      for (const account of chosen) {
        const device = await w.device(account.id);
        let page: HistoryEntry[];
        try {
          page = (await device.history({ limit })).entries;
        } catch (error) {
          if (!(error instanceof Error)) throw error;
          // Which enrollment failed matters when several were asked: remove it, or narrow with --account.
          throw new Error(`account ${describeAccount(account)}: ${error.message}`, { cause: error });
        }
        // Kept by the device once fetched; without any, each receipt is said to be unchecked.
        const keys = await device.receiptKeys().catch(() => undefined);
        const checked = [];
        for (const entry of page) {
          const verification = keys === undefined ? undefined : await device.verifyReceipt(entry, keys);
          const unchecked = keys === undefined && entry.receipt !== null && entry.status !== 'expired';
          checked.push({ account, entry, check: unchecked ? 'unchecked' : receiptCheck(verification) });
        }
        lists.push(checked);
      }
      const accounts = await w.accounts();
      return {
        entries: mergeHistory(...lists).slice(0, limit),
        own: new Set(accounts.flatMap((a) => (a.kind === 'countersign' ? [a.device_id] : []))),
        enrollments: chosen.length,
      };
    });
    output(
      terminal,
      options.json === true,
      entries.map(({ account, entry, check }) => ({
        ...entry,
        account_id: account.id,
        receipt_check: check,
      })),
      () => {
        if (entries.length === 0) return 'No answered requests in the last 90 days.';
        const text = new TerminalText();
        return text.output(
          entries.map(({ account, entry, check }) => {
            const parts = [
              `${entry.created_at}  ${text.show(entry.app_name)}: ${text.show(entry.message)}`,
              historyOutcome(entry),
              answeredBy(entry, own, text),
              entry.status === 'expired' ? undefined : describeReceiptCheck(check),
              enrollments > 1 ? `account ${account.id}` : undefined,
            ];
            return parts.filter((part) => part !== undefined).join('  —  ');
          }),
        );
      },
    );
  });

  accountOption(
    stateOptions(device.command('codes').description('show the current TOTP code of every account')),
  ).action(async (options: StateOptions) => {
    const codes = await withWallet(options, async (w) => {
      const chosen = new Set((await chosenAccounts(w, options)).map(({ id }) => id));
      return (await w.codes()).filter(({ account }) => chosen.has(account.id));
    });
    const shown = codes.map(({ account, app, name, code, expires_in, period }) =>
      app !== undefined
        ? { account_id: account.id, app_name: app.app_name, authy_id: app.authy_id, code, expires_in, period }
        : { account_id: account.id, name, code, expires_in, period },
    );
    output(terminal, options.json === true, shown, () => {
      const text = new TerminalText();
      return text.output(
        codes.map(
          (c) =>
            `${c.code}  ${text.show(c.name)}${c.account.kind === 'countersign' ? ` (account ${c.account.id})` : ''}, ${c.expires_in} s left`,
        ),
      );
    });
  });

  stateOptions(device.command('accounts').description('list the accounts, in their order')).action(
    async (options: StateOptions) => {
      const accounts = await withWallet(options, (w) => w.accounts());
      output(terminal, options.json === true, accounts.map(accountJson), () =>
        accounts.length === 0 ? 'No accounts.' : accounts.map(describeAccount).join('\n'),
      );
    },
  );

  stateOptions(
    device
      .command('add-totp')
      .description('add a third-party TOTP account from its otpauth:// link')
      .argument('<uri>', 'otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER'),
  ).action(async (uri: string, options: StateOptions) => {
    const account = await withWallet(options, (w) => w.addTotp(parseOtpauthUri(uri)));
    output(terminal, options.json === true, accountJson(account), () => `Added ${describeAccount(account)}.`);
  });

  accountOption(
    stateOptions(
      device
        .command('rename')
        .description('rename an account (an empty name gives back its own)')
        .argument('<name>', 'the new name'),
    ),
  ).action(async (name: string, options: StateOptions) => {
    const account = await withWallet(options, async (w) => {
      const chosen = await oneAccount(w, options);
      await w.rename(chosen.id, name);
      return (await w.accounts()).find(({ id }) => id === chosen.id) ?? chosen;
    });
    output(
      terminal,
      options.json === true,
      accountJson(account),
      () => `Renamed: ${describeAccount(account)}.`,
    );
  });

  accountOption(
    stateOptions(
      device
        .command('move')
        .description('move an account to a place in the list')
        .argument('<position>', '1 for the first place'),
    ),
  ).action(async (positionText: string, options: StateOptions) => {
    if (!/^[1-9]\d{0,3}$/.test(positionText)) {
      throw new UsageError(`a position is a whole number from 1, got "${positionText}"`);
    }
    const accounts = await withWallet(options, async (w) => {
      const chosen = await oneAccount(w, options);
      await w.move(chosen.id, Number(positionText) - 1);
      return w.accounts();
    });
    output(terminal, options.json === true, accounts.map(accountJson), () =>
      accounts.map(describeAccount).join('\n'),
    );
  });

  accountOption(
    stateOptions(
      device
        .command('remove')
        .description('remove an account: an enrollment is revoked at its service and its key destroyed')
        .option('--yes', 'remove it even when it is the last way to answer an app here'),
    ),
  ).action(async (options: StateOptions & { yes?: boolean }) => {
    const account = await withWallet(options, async (w) => {
      const chosen = await oneAccount(w, options);
      const last = await w.lastWayFor(chosen.id);
      if (last.length > 0 && options.yes !== true) {
        throw new UsageError(
          `${revealInvisible(chosen.label)} is the last way this --state folder answers ${last.map(revealInvisible).join(', ')}: add --yes to remove it anyway`,
        );
      }
      await w.remove(chosen.id);
      return chosen;
    });
    output(
      terminal,
      options.json === true,
      { id: account.id, removed: true },
      () => `Removed ${describeAccount(account)}.`,
    );
  });

  addBackupCommands(device, terminal);
}

/** How often the admission commands ask the service whether the other device acted. */
const ADMISSION_POLL_MS = 500;

/**
 * `device add-device` and `device join`: adding a device from one the user holds (docs/device-protocol.md,
 * "Adding a device from another"). Each prints a line as soon as there is something to act on (the link,
 * the code) and its outcome last; with `--json`, one JSON line each.
 */
function addAdmissionCommands(device: Command, terminal: Terminal): void {
  const line = (json: boolean, value: unknown, human: string) => output(terminal, json, value, () => human);

  accountOption(
    stateOptions(
      device
        .command('add-device')
        .description(
          'let another device in for the same apps as an account here: prints a link for it, then approves the device that opens it',
        )
        .option('--yes', 'approve the device that claims the link without asking for its code'),
    ),
  ).action(async (options: StateOptions & { yes?: boolean }) => {
    const json = options.json === true;
    const ask = terminal.ask;
    if (options.yes !== true && ask === undefined) {
      throw new UsageError(
        'nobody can type the new device’s code here: add --yes to approve the device that claims the link',
      );
    }
    await withWallet(options, async (w) => {
      const account = await oneAccount(w, options, 'countersign');
      const holder = await w.device(account.id);
      const admission = await holder.startAdmission();
      line(
        json,
        { admission_id: admission.id, url: admission.url, expires_at: admission.expires_at },
        `Open this link on the new device (valid until ${admission.expires_at}):\n${admission.url}`,
      );
      const claimed = await holder.waitForClaim(admission.id, { intervalMs: ADMISSION_POLL_MS });
      const newDevice = claimed.new_device;
      if (claimed.status !== 'claimed' || newDevice === null) {
        throw new Error(
          `the admission ${claimed.status === 'pending' ? 'expired' : `was ${claimed.status}`} before a device claimed it`,
        );
      }
      const who = `${revealInvisible(newDevice.name)} (${newDevice.platform})`;
      // Asked, the person types the code the new device shows, read there rather than copied from here.
      let code: string | undefined;
      if (options.yes !== true && ask !== undefined) {
        if (!json) terminal.out(`${who} claimed it.\n`);
        code = (await ask('Type the code the new device shows to let it in (empty to refuse): ')).trim();
        if (code === '') {
          await holder.denyAdmission(admission.id);
          throw new Error('refused: the new device was not let in');
        }
      } else if (!json) terminal.out(`${who} claimed it. Code: ${newDevice.code}\n`);
      try {
        const approved = await holder.approveAdmission(admission.id, code === undefined ? {} : { code });
        line(
          json,
          {
            admission_id: admission.id,
            status: 'approved',
            device_id: newDevice.device_id,
            name: newDevice.name,
            platform: newDevice.platform,
            code: newDevice.code,
            uv: approved.uv,
          },
          `Approved: ${who} is device ${newDevice.device_id}.`,
        );
      } catch (error) {
        if (code !== undefined && error instanceof DeviceError && error.code === 'conflict') {
          await holder.denyAdmission(admission.id);
          throw new Error('the code does not match: the new device was not let in');
        }
        if (error instanceof DeviceError && error.code === 'forbidden') {
          throw new Error(
            'letting a device in for this account needs the user verified with a passkey (its app requires it), which countersign device cannot do',
          );
        }
        throw error;
      }
    });
  });

  stateOptions(
    device
      .command('join')
      .description(
        'join the accounts of another device of yours with its add-device link, as a new account with a key of its own',
      )
      .argument('<url>', '{PUBLIC_URL}/authenticator/#admit=TOKEN'),
  ).action(async (url: string, options: StateOptions) => {
    const json = options.json === true;
    await withWallet(options, async (w) => {
      const { id, claim } = await w.claimAdmission(url);
      line(
        json,
        { account_id: id, admission_id: claim.admission_id, device_id: claim.device_id, code: claim.code },
        `Code: ${claim.code}. Check that the other device shows the same code, and approve there. Waiting…`,
      );
      const { outcome, account } = await w.waitForAdmission(id, { intervalMs: ADMISSION_POLL_MS });
      if (outcome.status !== 'approved') {
        throw new Error(
          outcome.status === 'denied'
            ? 'the other device refused to let this one in'
            : `the admission is ${outcome.status}`,
        );
      }
      const accounts = outcome.enrollment.accounts.map(({ app_id, app_name, authy_id }) => ({
        app_id,
        app_name,
        authy_id,
      }));
      line(
        json,
        { account_id: account?.id ?? id, device_id: outcome.enrollment.device_id, accounts },
        (() => {
          const text = new TerminalText();
          return text.output([
            `Joined as device ${outcome.enrollment.device_id}, account ${account?.id ?? id}.`,
            ...accounts.map((a) => `  ${text.show(a.app_name)} (authy id ${a.authy_id})`),
          ]);
        })(),
      );
    });
  });
}
