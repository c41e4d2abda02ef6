import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Terminal, UsageError } from './output.js';

const DEV_APP_NAME = 'Countersign Bank';
const BANK_PACKAGE = '@countersign/example-bank';

/**
 * The part of the bank demo (`examples/bank`) that `dev` uses. The service does not depend on the demo: it
 * is imported by name at run time, and `dev` runs without it when it is not installed or not built.
 */
interface BankDemo {
  /** The bank's own settings (`BANK_PORT`, `BANK_APPROVAL_SECONDS`, …) read from an environment. */
  loadBankConfig(env: Readonly<Record<string, string | undefined>>): BankSettings;
  startBank(options: BankSettings): Promise<{ readonly port: number; close(): Promise<void> }>;
}

/** What `dev` needs to know of the bank's settings; the rest passes through untouched. */
interface BankSettings {
  readonly port?: number;
  readonly host?: string;
}

async function importBankDemo(): Promise<BankDemo | string> {
  // A specifier in a variable keeps TypeScript from resolving (and the build from depending on) the demo.
  const specifier: string = BANK_PACKAGE;
  try {
    const loaded = (await import(specifier)) as Partial<BankDemo>;
    return typeof loaded.startBank === 'function' && typeof loaded.loadBankConfig === 'function'
      ? (loaded as BankDemo)
      : `${BANK_PACKAGE} has no startBank or loadBankConfig`;
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
    return missing && String(error).includes(BANK_PACKAGE)
      ? `${BANK_PACKAGE} is not installed or not built (run npm run build)`
      : `${BANK_PACKAGE} could not be loaded: ${String(error)}`;
  }
}

/** How a browser on this machine reaches something listening on `host` (`0.0.0.0` is no address to visit). */
function localUrl(host: string, port: number): string {
  const loopback = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(host);
  return `http://${loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts the bank demo in this process, on the dev app's key, with every `BANK_*` setting of the environment
 * (`BANK_APPROVAL_SECONDS`, …). A bank that cannot start (not built, port in use, a bad setting) is reported
 * on stderr and the service keeps running.
 */
async function startBankDemo(options: {
  terminal: Terminal;
  env: Readonly<Record<string, string | undefined>>;
  port: string;
  serviceUrl: string;
  apiKey: string | undefined;
  dataDir: string;
}): Promise<{ url: string; close(): Promise<void> } | undefined> {
  const notStarted = (why: string) => {
    options.terminal.err(`The bank demo was not started: ${why}.\n`);
    return undefined;
  };
  const { apiKey } = options;
  if (apiKey === undefined)
    return notStarted('the dev app has no active API key (see countersign apps rotate-key)');
  const demo = await importBankDemo();
  if (typeof demo === 'string') return notStarted(demo);
  let settings: BankSettings;
  try {
    settings = demo.loadBankConfig({
      ...options.env,
      AUTHY_API_URL: options.serviceUrl,
      AUTHY_API_KEY: apiKey,
      BANK_PORT: options.port,
      BANK_DATA_DIR: options.env.BANK_DATA_DIR ?? options.dataDir,
    });
  } catch (error) {
    return notStarted((error as Error).message.replace(/\.$/, ''));
  }
  try {
    const bank = await demo.startBank(settings);
    return { url: localUrl(settings.host ?? '127.0.0.1', bank.port), close: () => bank.close() };
  } catch (error) {
    const why = (error as { code?: unknown }).code === 'EADDRINUSE' ? 'the port is in use' : String(error);
    return notStarted(`port ${options.port}: ${why}; choose another with BANK_PORT or --bank-port`);
  }
}

/** The dev master key lives in the data folder; made on first start and announced. */
function devMasterKeyFile(terminal: Terminal, dataDir: string): string {
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    terminal.out(`Created a development master key in ${file}. Never use it in production.\n`);
  }
  return file;
}

/** A value as a POSIX shell reads it back: bare when it is plain, else in single quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The environment a command run in the same shell needs to reach what `dev` runs: nothing in `./data` (every
 * command finds the database and the key `dev` made there), else the database, and the key file when it
 * does not sit beside a SQLite database.
 */
function commandPrefix(dataDir: string, given: Terminal['env'], keyFile: string | undefined): string {
  const words: string[] = [];
  if (given.DATABASE_URL === undefined && dataDir !== resolve('data')) {
    words.push(`DATABASE_URL=${shellWord(`sqlite:${join(dataDir, 'countersign.db')}`)}`);
  }
  if (
    keyFile !== undefined &&
    given.DATABASE_URL !== undefined &&
    !given.DATABASE_URL.startsWith('sqlite:')
  ) {
    words.push(`COUNTERSIGN_MASTER_KEY_FILE=${shellWord(keyFile)}`);
  }
  return words.map((w) => `${w} `).join('');
}

/** One line of the banner: a label and its value, aligned. */
const line = (label: string, value: string) => `  ${`${label}:`.padEnd(16)}${value}`;

export function addDevCommand(program: Command, terminal: Terminal): void {
  program
    .command('dev')
    .description(
      'run everything for development: the service and the bank demo on SQLite under ./data, with a dev app',
    )
    .option('--data <dir>', 'data folder', './data')
    .option('--bank-port <port>', 'port of the bank demo (BANK_PORT)', terminal.env.BANK_PORT ?? '5000')
    .option('--host <address>', 'address the service listens on (HOST); 0.0.0.0 for every interface')
    .option(
      '--public-url <url>',
      'the address phones and browsers reach the service at (PUBLIC_URL), e.g. https://laptop.local:8443',
    )
    .action(async (options) => {
      const dataDir = resolve(String(options.data));
      mkdirSync(dataDir, { recursive: true });
      const keyFile =
        terminal.env.COUNTERSIGN_MASTER_KEY === undefined ? devMasterKeyFile(terminal, dataDir) : undefined;
      const env = {
        ...terminal.env,
        DATABASE_URL: terminal.env.DATABASE_URL ?? `sqlite:${join(dataDir, 'countersign.db')}`,
        // On a laptop the apps receiving callbacks run on this machine too.
        COUNTERSIGN_WEBHOOK_ALLOW: terminal.env.COUNTERSIGN_WEBHOOK_ALLOW ?? 'localhost,127.0.0.0/8,::1/128',
        // A person reads this terminal: warnings and errors, one readable line each; the banner stays in view.
        LOG_LEVEL: terminal.env.LOG_LEVEL ?? 'warn',
        LOG_FORMAT: terminal.env.LOG_FORMAT ?? 'pretty',
        ...(options.host !== undefined && { HOST: String(options.host) }),
        ...(options.publicUrl !== undefined && { PUBLIC_URL: String(options.publicUrl) }),
        ...(keyFile !== undefined && { COUNTERSIGN_MASTER_KEY_FILE: keyFile }),
      };
      const { loadConfig } = await import('../config/load-config.js');
      const { closeOnSignals, startServer } = await import('../server/start-server.js');
      const config = loadConfig(env);
      const bankPort = String(options.bankPort);
      if (!/^\d{1,5}$/.test(bankPort) || Number(bankPort) > 65535) {
        throw new UsageError(`--bank-port is a port number, got "${bankPort}"`);
      }
      const server = await startServer(config);
      const { apps } = server.app.services;
      const marker = join(dataDir, 'dev-app.json');
      let appId = existsSync(marker)
        ? (JSON.parse(readFileSync(marker, 'utf8')) as { id: number }).id
        : undefined;
      if (appId === undefined || (await apps.find(appId)) === undefined) {
        const created = await apps.create({ name: DEV_APP_NAME, numberMatching: '2' });
        appId = created.app.id;
        writeFileSync(marker, `${JSON.stringify({ id: appId })}\n`, { mode: 0o600 });
      }
      const apiKey = await apps.revealKey(appId);
      // The bank talks to the service over loopback, wherever PUBLIC_URL points.
      const bank = await startBankDemo({
        terminal,
        env: { ...env, BANK_HOST: terminal.env.BANK_HOST ?? config.host },
        port: bankPort,
        serviceUrl: server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'),
        apiKey,
        dataDir,
      });
      closeOnSignals({
        ...server,
        async close() {
          await bank?.close();
          await server.close();
        },
      });
      const run = (command: string) =>
        `${commandPrefix(dataDir, terminal.env, keyFile)}npx countersign ${command}`;
      // The setup link names the service's address, which the shell's environment may not hold.
      const publicUrl =
        terminal.env.PUBLIC_URL === config.publicUrl ? '' : `PUBLIC_URL=${shellWord(config.publicUrl)} `;
      const commands = [
        ['outbox', 'codes sent by SMS or voice'],
        ['apps list', 'apps and their settings'],
        ['webhooks list', 'callbacks and every delivery attempt'],
      ]
        .map(([command = '', what = '']) => ({ text: run(command), what }))
        .concat({
          text: `${publicUrl}${run('operators add you@example.com --role admin')}`,
          what: 'a setup link to sign in to the console',
        });
      const width = Math.max(...commands.map((c) => c.text.length));
      terminal.out(
        [
          '',
          `Countersign is running (development mode, data in ${dataDir})`,
          '',
          ...(bank === undefined ? [] : [line('Bank demo', bank.url)]),
          line('Authenticator', `${config.publicUrl}/authenticator/`),
          line('Console', `${config.publicUrl}/console/`),
          line('API reference', `${config.publicUrl}/docs`),
          line('Service', `${config.publicUrl}/`),
          '',
          line('Dev app', `${DEV_APP_NAME} (id ${appId})`),
          line('Dev API key', apiKey ?? '(none active: countersign apps rotate-key)'),
          '',
          '  In another terminal, here:',
          ...commands.map((c) => `    ${c.text.padEnd(width)}   ${c.what}`),
          '',
          '  Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    });
}
