import { resolve } from 'node:path';
import { DEFAULT_APPROVAL_SECONDS } from '../app/build-bank.js';
import { DEFAULT_BANK_PORT, type StartBankOptions } from '../start-bank.js';

export class BankConfigError extends Error {
  override readonly name = 'BankConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BankConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new BankConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

/**
 * The bank's settings from its environment, checked once and frozen:
 * `AUTHY_API_URL` (default the local Countersign, `http://localhost:8080`), `AUTHY_API_KEY` (required),
 * `BANK_PORT` (5000), `BANK_HOST` (127.0.0.1), `BANK_DATA_DIR` (`./data`), `BANK_APPROVAL_SECONDS` (600)
 * and `LOG_LEVEL` (info).
 */
export function loadBankConfig(env: Env = process.env): Readonly<StartBankOptions> {
  const apiUrl = (env.AUTHY_API_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new BankConfigError(`AUTHY_API_URL is not a URL: "${apiUrl}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BankConfigError('AUTHY_API_URL must be an http: or https: URL');
  }
  const apiKey = env.AUTHY_API_KEY ?? '';
  if (apiKey === '') {
    throw new BankConfigError(
      'AUTHY_API_KEY is required: the bank’s API key at the security service (`npm start` at the repository root prints one).',
    );
  }
  return Object.freeze({
    apiUrl,
    apiKey,
    port: integer(env, 'BANK_PORT', DEFAULT_BANK_PORT, 0, 65535),
    host: env.BANK_HOST ?? '127.0.0.1',
    dataDir: resolve(env.BANK_DATA_DIR ?? './data'),
    approvalSeconds: integer(env, 'BANK_APPROVAL_SECONDS', DEFAULT_APPROVAL_SECONDS, 1, 86_400),
    logLevel: env.LOG_LEVEL ?? 'info',
  });
}
