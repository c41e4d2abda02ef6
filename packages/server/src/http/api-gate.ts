import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import { clientAddress } from './client-address.js';
import type { FairShares } from './in-flight-limit.js';
import type { KeyFailureThrottle } from './key-failure-throttle.js';
import type { RateLimiter } from './rate-limiter.js';
import type { ApiGate } from './route.js';

/**
 * Every key failure answers exactly this (R1): missing, malformed, unknown, revoked, or a strict app's key
 * in the query string. Which one it was goes to the log only, so the answer cannot tell a valid key from an
 * unknown one.
 */
const invalidKey = (reason: string) => new AuthyError('60001', { event: 'authn_login_fail', reason });

/**
 * Adds bindings to the request's own logger (Fastify makes one per request) in place, with pino's
 * `setBindings`: a child logger per call costs microseconds, and ~2 KB for as long as a long poll waits.
 */
function bindLog(request: FastifyRequest, bindings: Record<string, unknown>): void {
  const log: FastifyBaseLogger & { setBindings?: (bindings: Record<string, unknown>) => void } = request.log;
  if (typeof log.setBindings === 'function') log.setBindings(bindings);
  else request.log = log.child(bindings);
}

/** The callers of the API (the apps), as the gate needs to know them. */
export interface ApiCallers<A extends { readonly id: number }> {
  /** The caller whose live API key this is. */
  authenticate(apiKey: string): Promise<A | undefined>;
  /** How the caller's profile treats a key sent in a URL, and whether it is a sandbox app. */
  policyOf(caller: A): { readonly queryKeyAllowed: boolean; readonly sandbox: boolean };
  /** Counts a call the gate let through (usage statistics). */
  counted(caller: A): void;
  /** Hears of a call refused for the caller's rate (a security event, once a window). */
  limited(caller: A): void;
}

/**
 * The credentials a call carries: its API key, whether it came in the query string, and (HTTP Basic on
 * `/v2`) a user name the key's holder must match, compared in constant time by `matches`.
 */
export interface CallCredentials<A> {
  readonly key: unknown;
  readonly inQuery: boolean;
  readonly matches?: (caller: A) => boolean;
}

/** The Authy routes' credentials: `X-Authy-API-Key`, else an `api_key` parameter (D10). */
function authyCredentials<A>(request: FastifyRequest, merged: Record<string, unknown>): CallCredentials<A> {
  const header = request.headers['x-authy-api-key'];
  if (typeof header === 'string' && header !== '') return { key: header, inQuery: false };
  const query = request.query as Record<string, unknown>;
  const key = merged.api_key;
  return { key, inQuery: query !== null && typeof query === 'object' && query.api_key === key };
}

export interface ApiGateOptions<A extends { readonly id: number }> {
  readonly callers: ApiCallers<A>;
  /** Where a call's key is (default: the Authy routes' places). */
  readonly credentials?: (request: FastifyRequest, merged: Record<string, unknown>) => CallCredentials<A>;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  /** Whether sandbox apps may call this server (`COUNTERSIGN_SANDBOX`). */
  readonly sandboxAllowed: boolean;
  readonly shares: FairShares;
  readonly keyFailures: KeyFailureThrottle;
}

/**
 * The door of every API route (R1, D10): the key from `X-Authy-API-Key`, else from an `api_key`
 * parameter; then the app's share of the requests in flight (D13) and its rate limit (R78). Once an address
 * presented `keyFailuresPerMinute` bad keys this minute, its further bad keys are answered 429 / 60003 with
 * Retry-After instead of 401, until the minute is over (R5); a valid key is still served, so that nobody
 * can lock an app out by sending bad keys from the address it shares (a NAT, a proxy). Guessing gains
 * nothing from this: a key holds 192 random bits. A sandbox app on a server without sandbox apps is an
 * authorisation refusal (403), not a key failure: its key is valid, and the caller who holds it needs to
 * know why it is refused.
 */
export function createApiGate<A extends { readonly id: number }>(options: ApiGateOptions<A>): ApiGate<A> {
  const { callers, limiter, clock, shares, keyFailures } = options;

  /** The app whose key the call carries, or the reason it carries none that may be used. */
  async function keyHolder(
    request: FastifyRequest,
    merged: Record<string, unknown>,
  ): Promise<A | { refused: string }> {
    const { key, inQuery, matches } = (options.credentials ?? authyCredentials<A>)(request, merged);
    if (key === undefined || key === '') return { refused: 'no API key' };
    if (typeof key !== 'string') return { refused: 'the API key is not one string' };
    const app = await callers.authenticate(key);
    if (app === undefined) return { refused: 'no app holds this API key (unknown, rotated out or revoked)' };
    if (matches !== undefined && !matches(app)) return { refused: 'the user name is not the key holder’s' };
    if (inQuery && !callers.policyOf(app).queryKeyAllowed) {
      // The app is named in the log: its key went into a URL and should be rotated.
      bindLog(request, { appId: app.id });
      return { refused: 'the key of a strict app was sent in the query string' };
    }
    return app;
  }

  return {
    async admit(request: FastifyRequest, merged: Record<string, unknown>): Promise<A> {
      const app = await keyHolder(request, merged);
      if ('refused' in app) {
        const address = clientAddress(request.ip);
        const blocked = keyFailures.blocked(address, clock.now());
        if (blocked > 0) {
          throw new AuthyError('60003', {
            headers: { 'retry-after': String(blocked) },
            event: 'authn_login_fail_max',
            reason: `too many failed API keys from this address (${app.refused})`,
          });
        }
        keyFailures.failed(address, clock.now());
        throw invalidKey(app.refused);
      }
      const policy = callers.policyOf(app);
      // Every later log line of the request names the app, and says so when it is a sandbox app.
      bindLog(request, { appId: app.id, ...(policy.sandbox && { sandbox: true }) });
      if (policy.sandbox && !options.sandboxAllowed) {
        throw new AuthyError('60031', {
          message: 'Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)',
          event: 'authz_fail',
        });
      }
      shares.chargeApp(request, app.id);
      const wait = await limiter.hit(`app:${app.id}`, clock.now());
      if (wait > 0) {
        callers.limited(app);
        throw new AuthyError('60003', {
          headers: { 'retry-after': String(wait) },
          event: 'excess_rate_limit_exceeded',
        });
      }
      callers.counted(app);
      return app;
    },
  };
}
