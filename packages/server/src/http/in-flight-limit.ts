import type { FastifyInstance } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';

export interface InFlightLimits {
  /** Requests served at once (long polls included). */
  readonly requests: number;
  /** Event streams open at once; they live long, so they have a budget of their own. */
  readonly streams: number;
}

/** Probes a supervisor or load balancer uses: refusing them under load would get a busy instance killed. */
const PROBES = new Set(['/healthz', '/readyz']);

const busy = () =>
  new AuthyError('60003', {
    message: 'The service is busy. Try again shortly.',
    headers: { 'retry-after': '1' },
    event: 'excess_rate_limit_exceeded',
  });

/**
 * The global guard of R78: past `limits` requests (or event streams) at once, a new one is answered
 * 429 / 60003 at once, before its body is read or its key is checked, instead of queueing until the process
 * runs out of memory or sockets. The per-app limit (`COUNTERSIGN_RATE_LIMIT`) keeps one app from using it all.
 */
export function installInFlightLimit(fastify: FastifyInstance, limits: InFlightLimits): void {
  let requests = 0;
  let streams = 0;
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && PROBES.has(route)) return;
    const stream = route?.endsWith('/events') === true;
    if (stream ? streams >= limits.streams : requests >= limits.requests) throw busy();
    if (stream) streams += 1;
    else requests += 1;
    // `close` comes once the answer is sent or the connection is gone, hijacked streams included.
    reply.raw.once('close', () => {
      if (stream) streams -= 1;
      else requests -= 1;
    });
  });
}
