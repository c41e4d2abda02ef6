/**
 * What a background part (a worker, the push notifier, the event bus) writes to the log: a line of
 * details and a message. The service's logger (pino, which Fastify uses too) has this shape; tests give
 * one that keeps the lines.
 */
export interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
