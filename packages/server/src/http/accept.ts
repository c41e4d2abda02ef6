import type { FastifyInstance } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';

/** The paths of the API; the documentation and the web authenticator serve HTML and are not concerned. */
const API = /^\/(?:protected|onetouch|device|v2)\//;

function matches(range: string, type: string): boolean {
  if (range === '*/*' || range === '*') return true;
  const [main] = type.split('/');
  return range === type || range === `${main}/*`;
}

/**
 * Whether an `Accept` header admits one of `offered`. A missing or unreadable header admits anything: the
 * Authy clients send `application/json` or `*\/*`, and a client that says nothing must keep working.
 */
export function acceptable(header: string | undefined, offered: readonly string[]): boolean {
  if (header === undefined || header.trim() === '') return true;
  let readable = false;
  for (const part of header.split(',')) {
    const [rawRange = '', ...parameters] = part.split(';');
    const range = rawRange.trim().toLowerCase();
    if (range !== '*' && !/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(range)) continue;
    readable = true;
    const q = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) <= 0) continue;
    if (offered.some((type) => matches(range, type))) return true;
  }
  return !readable;
}

/**
 * R57: an API call whose `Accept` rules out JSON (and, on `/events` routes, an event stream) is answered
 * 406 before anything else happens.
 */
export function installContentNegotiation(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (!API.test(request.url)) return;
    const offered =
      request.routeOptions.url?.endsWith('/events') === true
        ? ['application/json', 'text/event-stream']
        : ['application/json'];
    if (!acceptable(request.headers.accept, offered)) {
      throw new AuthyError('60002', {
        status: 406,
        message: 'Not acceptable: this API answers application/json',
      });
    }
  });
}
