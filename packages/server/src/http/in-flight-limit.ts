import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';
import { clientAddress } from './client-address.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers with an event stream: it counts against the streams' budget, not the requests'. */
    stream?: boolean;
  }
}

export interface InFlightLimits {
  /** Requests served at once, everyone together (long polls included). */
  readonly requests: number;
  /** Event streams open at once; they live long, so they have a budget of their own. */
  readonly streams: number;
  /** The part of `requests` and of `streams` one app may hold at once, in (0, 1]. */
  readonly appShare: number;
  /**
   * Requests and streams one client may hold at once: its address, until a key or a device signature is
   * accepted; then a device, for the device routes.
   */
  readonly perClient: number;
}

/** Charges a request in flight to whoever proved to send it, instead of to its client address (D13). */
export interface FairShares {
  /**
   * The app's key was accepted: until its answer closes, the request counts against the app's share.
   * Throws 429 / 60003 when the app already holds its share.
   */
  chargeApp(request: FastifyRequest, appId: number): void;
  /** The device's signature was verified: the request counts against the device's budget, as `chargeApp`. */
  chargeDevice(request: FastifyRequest, deviceId: string): void;
}

/** Probes a supervisor or load balancer uses: refusing them under load would get a busy instance killed. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * One answer for every budget, so that it tells nothing about other tenants; the log says which one. A
 * request refused before its body arrived closes the connection: its sender would otherwise hold the
 * socket until the request timeout, trickling a body no one reads.
 */
const busy = (reason: string, request?: FastifyRequest) => {
  const { 'content-length': length, 'transfer-encoding': chunked } = request?.headers ?? {};
  const bodyUnread = (length !== undefined && length !== '0') || chunked !== undefined;
  return new AuthyError('60003', {
    message: 'The service is busy. Try again shortly.',
    headers: { 'retry-after': '1', ...(bodyUnread && { connection: 'close' }) },
    event: 'excess_rate_limit_exceeded',
    reason,
  });
};

/** What a request in flight counts against, besides the global cap of its kind. */
interface Ticket {
  readonly stream: boolean;
  holder: string;
}

/**
 * The in-flight guard of R78 and D13. Every request counts against a global cap (requests, or event streams:
 * the routes ending in `/events` and those configured `stream: true`)
 * from its arrival until its answer closes; past the cap it is answered 429 / 60003 at once, before its body
 * is read or its key is checked. Besides, each request counts against one holder's budget:
 *
 * - its client address (`clientAddress`) from arrival until a key or a device signature is accepted: headers
 *   and bodies still arriving, and callers without a valid key, hold at most `perClient` at once per address;
 * - its app once the key is accepted, until the answer closes: at most `appShare` of each cap, so one app's
 *   long polls or streams leave the rest of the server to the others;
 * - its device once the signature is verified: at most `perClient`, so that many devices behind one address
 *   (an office) each keep their event stream.
 *
 * Counts are per instance: each instance of a deployment guards its own capacity.
 */
export function installInFlightLimit(fastify: FastifyInstance, limits: InFlightLimits): FairShares {
  const appLimit = {
    request: Math.max(1, Math.floor(limits.requests * limits.appShare)),
    stream: Math.max(1, Math.floor(limits.streams * limits.appShare)),
  };
  let requests = 0;
  let streams = 0;
  const held = new Map<string, number>();
  const tickets = new WeakMap<FastifyRequest, Ticket>();
  const count = (holder: string) => held.get(holder) ?? 0;
  const release = (holder: string) => {
    const left = count(holder) - 1;
    if (left > 0) held.set(holder, left);
    else held.delete(holder);
  };

  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && PROBES.has(route)) return;
    const stream = route?.endsWith('/events') === true || request.routeOptions.config.stream === true;
    if (stream ? streams >= limits.streams : requests >= limits.requests) {
      const cap = stream ? 'the service holds its most event streams' : 'the service holds its most requests';
      throw busy(cap, request);
    }
    const address = `address:${clientAddress(request.ip)}`;
    if (count(address) >= limits.perClient) throw busy('the client address holds its most requests', request);
    const ticket: Ticket = { stream, holder: address };
    tickets.set(request, ticket);
    held.set(address, count(address) + 1);
    if (stream) streams += 1;
    else requests += 1;
    // `close` comes once the answer is sent or the connection is gone, hijacked streams included.
    reply.raw.once('close', () => {
      release(ticket.holder);
      if (stream) streams -= 1;
      else requests -= 1;
    });
  });

  const charge = (request: FastifyRequest, holder: string, limit: number, reason: string) => {
    const ticket = tickets.get(request);
    if (ticket === undefined || ticket.holder === holder) return;
    if (count(holder) >= limit) throw busy(reason);
    release(ticket.holder);
    ticket.holder = holder;
    held.set(holder, count(holder) + 1);
  };

  return {
    chargeApp(request, appId) {
      const stream = tickets.get(request)?.stream === true;
      charge(
        request,
        `app:${appId}:${stream ? 'stream' : 'request'}`,
        stream ? appLimit.stream : appLimit.request,
        stream ? 'the app holds its share of event streams' : 'the app holds its share of requests',
      );
    },
    chargeDevice(request, deviceId) {
      charge(request, `device:${deviceId}`, limits.perClient, 'the device holds its most requests');
    },
  };
}
