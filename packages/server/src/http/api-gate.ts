import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { type App, policyOf } from '../apps/app.js';
import type { AppService } from '../apps/app.service.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimiter } from './rate-limiter.js';
import type { ApiGate } from './route.js';

const invalidKey = () => new AuthyError('60001', { event: 'authn_login_fail' });

/**
 * Adds bindings to the request's own logger (Fastify makes one per request) in place, with pino's
 * `setBindings`: a child logger per call costs microseconds, and ~2 KB for as long as a long poll waits.
 */
function bindLog(request: FastifyRequest, bindings: Record<string, unknown>): void {
  const log: FastifyBaseLogger & { setBindings?: (bindings: Record<string, unknown>) => void } = request.log;
  if (typeof log.setBindings === 'function') log.setBindings(bindings);
  else request.log = log.child(bindings);
}

/**
 * The door of every API route (R1, D10): the key from `X-Authy-API-Key`, else from an `api_key`
 * parameter; then the per-app rate limit (R78).
 */
export function createApiGate(
  apps: AppService,
  limiter: RateLimiter,
  usage: UsageCounter,
  clock: Clock,
  options: { sandboxAllowed: boolean },
): ApiGate {
  return {
    async admit(request: FastifyRequest, merged: Record<string, unknown>): Promise<App> {
      const header = request.headers['x-authy-api-key'];
      const query = request.query as Record<string, unknown>;
      let key: unknown = header;
      let inQuery = false;
      if (typeof header !== 'string' || header === '') {
        key = merged.api_key;
        inQuery = query !== null && typeof query === 'object' && query.api_key === key;
      }
      if (typeof key !== 'string') throw invalidKey();
      const app = await apps.authenticate(key);
      if (app === undefined) throw invalidKey();
      const policy = policyOf(app);
      // Every later log line of the request names the app, and says so when it is a sandbox app.
      bindLog(request, { appId: app.id, ...(policy.sandbox && { sandbox: true }) });
      if (policy.sandbox && !options.sandboxAllowed) {
        throw new AuthyError('60031', {
          message: 'Sandbox apps are turned off on this server (COUNTERSIGN_SANDBOX=off)',
          event: 'authz_fail',
        });
      }
      if (inQuery && !policy.queryKeyAllowed) {
        throw new AuthyError('60001', {
          message: 'Invalid API key: send it in the X-Authy-API-Key header',
          event: 'authn_login_fail',
        });
      }
      const wait = await limiter.hit(`app:${app.id}`, clock.now());
      if (wait > 0) {
        throw new AuthyError('60003', {
          headers: { 'retry-after': String(wait) },
          event: 'excess_rate_limit_exceeded',
        });
      }
      usage.count(app.id, 'api_calls');
      return app;
    },
  };
}
