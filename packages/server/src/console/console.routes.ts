import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/load-config.js';
import { type ConsoleAccess, operatorActor } from '../operators/operator.js';
import type { Actor } from '../operators/operator-actions.js';
import { auditSourceOf, consoleAccess, consoleSessionOf } from './console-access.js';

/** What the console's data routes need of the server's settings. */
export type ConsoleSettings = Pick<Config, 'smsPerHour' | 'smsPerDay' | 'sandboxAllowed'>;

/**
 * Declares a console API route: hidden from the Authy API's OpenAPI document, behind the session check of
 * its `access` (`read`, `change` with the CSRF token and an admin, `dangerous` with a fresh passkey too),
 * never cached. A handler's object is sent as JSON; one that answers itself (204, a download) returns the
 * reply.
 */
export function consoleRoute(
  fastify: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  access: ConsoleAccess,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<Record<string, unknown> | FastifyReply>,
): void {
  fastify.route({
    method,
    url,
    schema: { hide: true },
    preHandler: consoleAccess(access),
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return handler(request, reply);
    },
  });
}

/** The signed-in operator and the client's address, as an audit entry names who acted. */
export function operatorOf(request: FastifyRequest): Actor {
  return { actor: operatorActor(consoleSessionOf(request).operator), from: auditSourceOf(request) };
}
