import type { Services } from '../app/services.js';
import type { Config } from '../config/load-config.js';
import { OperatorError } from '../lib/operator-error.js';

/**
 * What a command reads besides its arguments, and where it writes: the process's own (`processTerminal`),
 * or a test's, which runs commands in its own process.
 */
export interface Terminal {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /**
   * All of standard input, when it is not a terminal (a pipe or a file); `undefined` when it is one, or when
   * the terminal has no input at all.
   */
  input?(): Promise<string | undefined>;
  /** Asks the person at the terminal and gives their line; absent where nobody can answer (not a TTY, tests). */
  ask?(question: string): Promise<string>;
}

export function processTerminal(): Terminal {
  return {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    input: async () => {
      if (process.stdin.isTTY) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    ...(process.stdin.isTTY === true && {
      ask: async (question: string) => {
        const { createInterface } = await import('node:readline/promises');
        const lines = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return await lines.question(question);
        } finally {
          lines.close();
        }
      },
    }),
  };
}

/**
 * The server's settings from the terminal's environment, and a way to run the services over its database.
 * Loaded when a command runs, so that `--help` and usage errors load none of it.
 */
export async function openServer(terminal: Terminal): Promise<{
  config: Config;
  withServices<T>(use: (services: Services) => Promise<T>): Promise<T>;
}> {
  const { loadConfig } = await import('../config/load-config.js');
  const { withServices } = await import('./open-services.js');
  const config = loadConfig(terminal.env);
  return { config, withServices: (use) => withServices(config, use) };
}

/** Writes one JSON document, or human-readable lines. */
export function output(terminal: Terminal, json: boolean, value: unknown, human: () => string): void {
  terminal.out(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** A command-line mistake the user can fix: printed without a stack trace, exit code 2. */
export class UsageError extends OperatorError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
}

/** A command named something that does not exist (an app, a user, a device): exit code 1. */
export class NotFoundError extends OperatorError {
  override readonly name = 'NotFoundError';
}

/** The largest id the store gives an app or a user (a 32-bit integer column). */
const MAX_ID = 2_147_483_647;

/** An app's or a user's id: a positive whole number the store can hold; `what` names it in the error. */
export function storeId(what: string, text: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > MAX_ID)
    throw new UsageError(`${what} is a positive whole number up to ${MAX_ID}, got "${text}"`);
  return Number(text);
}

/** `--app ID` and the like. */
export function idOption(flag: string, value: unknown): number | undefined {
  return value === undefined ? undefined : storeId(flag, String(value));
}

/** `--limit N`: a number from 1 to 99999. */
export function limitOption(value: unknown): number {
  const text = String(value);
  if (!/^[1-9]\d{0,4}$/.test(text)) throw new UsageError(`--limit is a number, got "${text}"`);
  return Number(text);
}

export { isoTime } from '../operators/iso-time.js';
