import type { FastifyInstance } from 'fastify';
import { type BankDeps, type BankOptions, buildBank } from './app/build-bank.js';

export interface StartBankOptions extends BankOptions {
  /** 5000 as in the workshop; 0 picks a free port. */
  readonly port?: number;
  /** Loopback unless told otherwise. */
  readonly host?: string;
}

export interface RunningBank {
  /** Where it listens, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** Ends open pages' streams and waits at the service, stops listening, closes the store. */
  close(): Promise<void>;
}

export const DEFAULT_BANK_PORT = 5000;

/** Builds the bank and listens. `countersign dev` calls this in its own process; so does `npm start -w`. */
export async function startBank(options: StartBankOptions, deps: BankDeps = {}): Promise<RunningBank> {
  const app = await buildBank(options, deps);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_BANK_PORT });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    app,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
