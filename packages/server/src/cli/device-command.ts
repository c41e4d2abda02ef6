import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  type AnswerChoice,
  type AnswerResult,
  Device,
  DeviceError,
  type PendingRequest,
} from '@countersign/device';
import { folderStorage } from '@countersign/device/node';
import { type Decision, revealInvisible } from '@countersign/protocol';
import type { Command } from 'commander';
import { output, UsageError } from './output.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface StateOptions {
  state: string;
  json?: boolean;
}

/** Failures the user fixes by changing the command line (exit 2); any other failure exits 1. */
function usageMessage(error: DeviceError, state: string): string | undefined {
  switch (error.code) {
    case 'not_enrolled':
      return `no device is enrolled in ${state}: run countersign device enroll URL --state ${state}`;
    case 'already_enrolled':
      return `${state} already holds an enrolled device: use another --state folder`;
    case 'number_match_required':
      return 'this request asks for the number the app shows: add --code N';
    case 'number_match_unexpected':
      return 'this request does not ask for a number: leave out --code';
    case 'invalid_link':
      return `${error.message}: expected {PUBLIC_URL}/authenticator/#enroll=TOKEN`;
    default:
      return undefined;
  }
}

/** Runs `use` with the device kept in the state folder; turns the user's mistakes into usage errors. */
async function withDevice<T>(options: StateOptions, use: (device: Device) => Promise<T>): Promise<T> {
  const state = resolve(options.state);
  const device = new Device({
    storage: folderStorage(state),
    name: `countersign CLI on ${hostname()}`,
    platform: 'cli',
  });
  try {
    return await use(device);
  } catch (error) {
    const usage = error instanceof DeviceError ? usageMessage(error, options.state) : undefined;
    if (usage !== undefined) throw new UsageError(usage);
    throw error;
  }
}

function requestUuid(value: string): string {
  if (!UUID.test(value)) throw new UsageError(`a request id is a UUID, got "${value}"`);
  return value.toLowerCase();
}

/**
 * Answers a pending request. The request's content comes from the service's pending list, because the
 * answer signs exactly what a device was shown.
 */
async function answerPending(
  device: Device,
  uuid: string,
  decision: Decision,
  options: Omit<AnswerChoice, 'decision'>,
): Promise<AnswerResult> {
  const request = (await device.pending()).find((r) => r.uuid === uuid);
  if (request === undefined) {
    throw new Error(`no pending request ${uuid} for this device (answered, expired or unknown)`);
  }
  try {
    return await device.answer(request, decision, options);
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

/**
 * The service's text for a person at a terminal (D11): every character that could act (controls, so
 * escape sequences), reorder (bidirectional controls) or hide (invisible characters) becomes a visible
 * marker such as ⟨U+202E⟩. The service refuses such text now; this shows what was stored before.
 */
class TerminalText {
  private marked = false;

  show(text: string): string {
    const shown = revealInvisible(text);
    if (shown !== text) this.marked = true;
    return shown;
  }

  /** The human output, with a last line saying where markers stand for characters, if any did. */
  output(lines: readonly string[]): string {
    if (!this.marked) return lines.join('\n');
    return [
      ...lines,
      'Marked ⟨U+…⟩: characters that could hide or reorder text, shown as their code points. --json gives the text as stored.',
    ].join('\n');
  }
}

function describeRequest(request: PendingRequest, text: TerminalText): string[] {
  const lines = [`${request.uuid}  ${text.show(request.app_name)}: ${text.show(request.message)}`];
  for (const [key, value] of Object.entries(request.details))
    lines.push(`    ${text.show(key)}: ${text.show(value)}`);
  if (request.number_match_required) lines.push('    (asks for the number the app shows: --code N)');
  return lines;
}

/** Adds `--state DIR` (required) and `--json` to a device command. */
function stateOptions(command: Command): Command {
  return command
    .requiredOption('--state <dir>', "folder holding the device's key and state")
    .option('--json', 'print one JSON document');
}

/** `countersign device …`: a device on the command line, for scripts, tests and operators. */
export function addDeviceCommand(program: Command): void {
  const device = program
    .command('device')
    .description('act as an enrolled device: enroll, list and answer requests, show TOTP codes');

  stateOptions(
    device
      .command('enroll')
      .description("enroll with an app's enrollment link")
      .argument('<url>', '{PUBLIC_URL}/authenticator/#enroll=TOKEN'),
  ).action(async (url: string, options: StateOptions) => {
    const enrollment = await withDevice(options, (d) => d.enrollWithLink(url));
    // TOTP seeds stay in the state folder: `device codes` shows codes, never seeds.
    const accounts = enrollment.accounts.map(({ app_id, app_name, authy_id }) => ({
      app_id,
      app_name,
      authy_id,
    }));
    output(options.json === true, { device_id: enrollment.device_id, accounts }, () => {
      const text = new TerminalText();
      return text.output([
        `Enrolled as device ${enrollment.device_id}.`,
        ...accounts.map((a) => `  ${text.show(a.app_name)} (authy id ${a.authy_id})`),
      ]);
    });
  });

  stateOptions(device.command('pending').description('list the requests waiting for an answer')).action(
    async (options: StateOptions) => {
      const requests = await withDevice(options, (d) => d.pending());
      output(
        options.json === true,
        requests.map(({ uuid, app_name, message, details, number_match_required }) => ({
          uuid,
          app_name,
          message,
          details,
          number_match_required,
        })),
        () => {
          if (requests.length === 0) return 'No pending requests.';
          const text = new TerminalText();
          return text.output(requests.flatMap((request) => describeRequest(request, text)));
        },
      );
    },
  );

  stateOptions(
    device
      .command('approve')
      .description('approve a pending request')
      .argument('<uuid>', 'request id')
      .option('--code <n>', 'the number the app shows, when the request asks for it'),
  ).action(async (uuidText: string, options: StateOptions & { code?: string }) => {
    const uuid = requestUuid(uuidText);
    const code = options.code;
    if (code !== undefined && !/^\d{1,10}$/.test(code))
      throw new UsageError(`--code is a number, got "${code}"`);
    const result = await withDevice(options, (d) =>
      answerPending(d, uuid, 'approved', code === undefined ? {} : { numberMatch: code }),
    );
    if (result.status !== 'approved') throw new Error(`the number did not match: request ${uuid} is denied`);
    output(options.json === true, { uuid, status: result.status }, () => `Approved ${uuid}.`);
  });

  stateOptions(
    device
      .command('deny')
      .description('deny a pending request')
      .argument('<uuid>', 'request id')
      .option('--reason <reason>', 'denied, or not_me to report that you did not ask for this', 'denied'),
  ).action(async (uuidText: string, options: StateOptions & { reason: string }) => {
    const uuid = requestUuid(uuidText);
    const reason = options.reason;
    if (reason !== 'denied' && reason !== 'not_me') {
      throw new UsageError(`--reason must be denied or not_me, got "${reason}"`);
    }
    const result = await withDevice(options, (d) => answerPending(d, uuid, 'denied', { reason }));
    output(options.json === true, { uuid, status: result.status }, () => `Denied ${uuid}.`);
  });

  stateOptions(device.command('codes').description('show the current TOTP code of every account')).action(
    async (options: StateOptions) => {
      const codes = await withDevice(options, (d) => d.codes());
      output(options.json === true, codes, () => {
        const text = new TerminalText();
        return text.output(
          codes.map(
            (c) => `${c.code}  ${text.show(c.app_name)} (authy id ${c.authy_id}), ${c.expires_in} s left`,
          ),
        );
      });
    },
  );
}
