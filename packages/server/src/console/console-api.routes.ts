import type { FastifyInstance } from 'fastify';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { Clock } from '../lib/clock.js';
import type { ConsoleSettings } from './console.routes.js';
import { type ConsoleSite, consoleSite } from './console-access.js';
import { registerConsoleDataRoutes } from './console-data.routes.js';
import { registerOverviewRoutes } from './console-overview.routes.js';
import { registerRequestRoutes } from './console-requests.routes.js';
import { registerConsoleSessionRoutes } from './console-session.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The console's origin and whether its cookie is Secure, from the service's public URL. */
    consoleSite: ConsoleSite;
  }
}

export interface ConsoleApiOptions {
  readonly publicUrl: string;
  readonly clock: Clock;
  readonly signInLimiter: RateLimiter;
  /** What the data routes show of the server's settings (an app's default SMS budgets, sandbox apps). */
  readonly settings: ConsoleSettings;
}

/**
 * The console's JSON API under `/console/api/` (docs/console-api.md). Its answers are never cached and
 * never sniffed; each route checks its own access (`consoleAccess`).
 */
export async function registerConsoleApi(
  fastify: FastifyInstance,
  options: ConsoleApiOptions,
): Promise<void> {
  fastify.decorate('consoleSite', consoleSite(options.publicUrl));
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      return payload;
    });
    registerConsoleSessionRoutes(scope, options);
    registerConsoleDataRoutes(scope, options);
    const { overview, approvals, bus } = scope.services;
    registerOverviewRoutes(scope, overview);
    registerRequestRoutes(scope, { approvals, bus, clock: options.clock });
  });
}
