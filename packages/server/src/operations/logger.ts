import type { FastifyBaseLogger } from 'fastify';
import pino, { type ChildLoggerOptions, type Logger } from 'pino';
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

type Bindings = Record<string, unknown>;
type LogArguments = [unknown, ...unknown[]];

/**
 * A request's logger that becomes a child of the service's logger only when it is first used: Fastify makes
 * one per request (`childLoggerFactory`), and a pino child holds about 1 KB for as long as its request lives.
 * An idle long poll or event stream (10 000 at once) logs nothing until it ends, so it holds this instead.
 * Bindings added before the first line (`setBindings`) are the child's from the start.
 */
class RequestLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private bound: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bound, this.options);
    return this.real;
  }

  get level(): string {
    return this.real?.level ?? (this.options.level as string | undefined) ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: LogArguments): void {
    (this.logger.fatal as (...a: LogArguments) => void)(...args);
  }
  error(...args: LogArguments): void {
    (this.logger.error as (...a: LogArguments) => void)(...args);
  }
  warn(...args: LogArguments): void {
    (this.logger.warn as (...a: LogArguments) => void)(...args);
  }
  info(...args: LogArguments): void {
    (this.logger.info as (...a: LogArguments) => void)(...args);
  }
  debug(...args: LogArguments): void {
    (this.logger.debug as (...a: LogArguments) => void)(...args);
  }
  trace(...args: LogArguments): void {
    (this.logger.trace as (...a: LogArguments) => void)(...args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }

  /** pino's `setBindings`: on the child once it exists, else kept for it. */
  setBindings(bindings: Bindings): void {
    const real = this.real as (FastifyBaseLogger & { setBindings?: (b: Bindings) => void }) | undefined;
    if (real === undefined) this.bound = { ...this.bound, ...bindings };
    else if (typeof real.setBindings === 'function') real.setBindings(bindings);
    else this.real = real.child(bindings);
  }
}

/** Fastify's `childLoggerFactory`: each request's logger, made a pino child only when first used. */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
