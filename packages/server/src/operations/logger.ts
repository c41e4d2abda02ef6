import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from '../config/load-config.js';

/** Headers that carry credentials: never written, whatever the level (R85). */
const REDACT = ['req.headers["x-authy-api-key"]', 'req.headers.authorization'];

/** The keys of the one line each request writes (`build-app.ts`), shown as one sentence when pretty. */
const REQUEST_KEYS = ['method', 'url', 'status', 'ms'];

/** A request line as a person reads it: `GET /docs → 200 (3 ms)`; any other line by its message. */
function message(log: Record<string, unknown>, messageKey: string): string {
  if (log[messageKey] === 'request') return `${log.method} ${log.url} → ${log.status} (${log.ms} ms)`;
  return String(log[messageKey] ?? '');
}

/**
 * The service's logger: JSON lines for machines (`serve`), or one readable line each for a person at a
 * terminal (`LOG_FORMAT=pretty`, which `countersign dev` sets). Both redact the same headers; the pretty one
 * writes synchronously, so a line is never lost when the process stops.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  const options = { level: config.logLevel, redact: REDACT };
  if (config.logFormat === 'json') return pino(options);
  const pretty = pinoPretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss',
    ignore: ['pid', 'hostname', 'requestId', ...REQUEST_KEYS].join(','),
    singleLine: true,
    messageFormat: message,
  });
  return pino(options, pretty);
}
