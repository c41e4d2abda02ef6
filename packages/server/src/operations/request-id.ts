import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a proxy or a caller may set, and that every answer carries. */
export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTED = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id every log line of a request carries: the caller's `X-Request-Id` when it is short and plain (so a
 * proxy's id follows the request across services), else a new UUID. Anything else is replaced, so a header
 * cannot write into the logs (R86).
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}
