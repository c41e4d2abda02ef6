import type { FastifyInstance } from 'fastify';
import type { Clock } from '../lib/clock.js';
import type { ConsoleSettings } from './console.routes.js';
import { registerConsoleAppRoutes } from './console-apps.routes.js';
import { registerConsoleDeliveryRoutes } from './console-deliveries.routes.js';
import { registerConsoleRecordRoutes } from './console-records.routes.js';
import { registerConsoleUserRoutes } from './console-users.routes.js';

/**
 * The console's data API (docs/console-api.md, issue 17 item 2): apps, users and devices, callbacks, the
 * outbox, security events and the audit log. Registered inside the console API's scope, whose hooks hold the
 * session; each route says what access it needs.
 */
export function registerConsoleDataRoutes(
  fastify: FastifyInstance,
  options: { readonly settings: ConsoleSettings; readonly clock: Clock },
): void {
  registerConsoleAppRoutes(fastify, options.settings);
  registerConsoleUserRoutes(fastify, options.clock);
  registerConsoleDeliveryRoutes(fastify, options.clock);
  registerConsoleRecordRoutes(fastify);
}
