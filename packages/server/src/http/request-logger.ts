import type { FastifyBaseLogger } from 'fastify';
import type { ChildLoggerOptions } from 'pino';

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
