import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { closeOnSignals, startServer } from '../server/start-server.js';
import { UsageError } from './output.js';

const DEV_APP_NAME = 'Countersign Bank';
const BANK_PACKAGE = '@countersign/example-bank';

/**
 * The part of the bank demo (`examples/bank`) that `dev` uses. The service does not depend on the demo: it
 * is imported by name at run time, and `dev` runs without it when it is not installed or not built.
 */
interface BankDemo {
  startBank(options: {
    port: number;
    host: string;
    apiUrl: string;
    apiKey: string;
    dataDir: string;
    logLevel: string;
  }): Promise<{ readonly port: number; close(): Promise<void> }>;
}

async function importBankDemo(): Promise<BankDemo | string> {
  // A specifier in a variable keeps TypeScript from resolving (and the build from depending on) the demo.
  const specifier: string = BANK_PACKAGE;
  try {
    const loaded = (await import(specifier)) as Partial<BankDemo>;
    return typeof loaded.startBank === 'function' ? (loaded as BankDemo) : `${BANK_PACKAGE} has no startBank`;
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
 * Starts the bank demo in this process, on the dev app's key. A bank that cannot start (not built, port in
 * use) is reported on stderr and the service keeps running.
 */
async function startBankDemo(options: {
  port: number;
  host: string;
  serviceUrl: string;
  apiKey: string | undefined;
  dataDir: string;
  logLevel: string;
}): Promise<{ url: string; close(): Promise<void> } | undefined> {
  const notStarted = (why: string) => {
    process.stderr.write(`The bank demo was not started: ${why}.\n`);
    return undefined;
  };
  const { apiKey } = options;
  if (apiKey === undefined)
    return notStarted('the dev app has no active API key (see countersign apps rotate-key)');
  const demo = await importBankDemo();
  if (typeof demo === 'string') return notStarted(demo);
  try {
    const bank = await demo.startBank({
      port: options.port,
      host: options.host,
      apiUrl: options.serviceUrl,
      apiKey,
      dataDir: options.dataDir,
      logLevel: options.logLevel,
    });
    return { url: localUrl(options.host, bank.port), close: () => bank.close() };
  } catch (error) {
    const why = (error as { code?: unknown }).code === 'EADDRINUSE' ? 'the port is in use' : String(error);
    return notStarted(`port ${options.port}: ${why}; choose another with BANK_PORT or --bank-port`);
  }
}

/** The dev master key lives in the data folder; made on first start and announced. */
function devMasterKeyFile(dataDir: string): string {
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    process.stdout.write(`Created a development master key in ${file}. Never use it in production.\n`);
  }
  return file;
}

export function addDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'run everything for development: the service and the bank demo on SQLite under ./data, with a dev app',
    )
    .option('--data <dir>', 'data folder', './data')
    .option('--bank-port <port>', 'port of the bank demo (BANK_PORT)', process.env.BANK_PORT ?? '5000')
    .action(async (options) => {
      const dataDir = resolve(String(options.data));
      mkdirSync(dataDir, { recursive: true });
      const env = {
        ...process.env,
        DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dataDir, 'countersign.db')}`,
        // On a laptop the apps receiving callbacks run on this machine too.
        COUNTERSIGN_WEBHOOK_ALLOW: process.env.COUNTERSIGN_WEBHOOK_ALLOW ?? 'localhost,127.0.0.0/8,::1/128',
        ...(process.env.COUNTERSIGN_MASTER_KEY === undefined && {
          COUNTERSIGN_MASTER_KEY_FILE: devMasterKeyFile(dataDir),
        }),
      };
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
        port: Number(bankPort),
        host: config.host,
        serviceUrl: server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'),
        apiKey,
        dataDir,
        logLevel: config.logLevel,
      });
      closeOnSignals({
        ...server,
        async close() {
          await bank?.close();
          await server.close();
        },
      });
      process.stdout.write(
        [
          '',
          `Countersign is running at ${config.publicUrl}`,
          `  API reference:  ${config.publicUrl}/docs`,
          `  Authenticator:  ${config.publicUrl}/authenticator/`,
          `  Dev app:        ${DEV_APP_NAME} (id ${appId})`,
          `  Dev API key:    ${apiKey}`,
          ...(bank === undefined ? [] : [`  Bank demo:      ${bank.url}`]),
          '  Codes sent by SMS or voice: npx countersign outbox',
          '',
        ].join('\n'),
      );
    });
}
