import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/load-config.js';
import { type ConsoleAccess, operatorActor } from '../operators/operator.js';
import type { Actor } from '../operators/operator-actions.js';
import { auditSourceOf, consoleAccess, consoleSessionOf } from './console-access.js';

/** What the console's data routes need of the server's settings. */
export type ConsoleSettings = Pick<Config, 'smsPerHour' | 'smsPerDay' | 'sandboxAllowed'>;

/**
 * Declares a console API route in the console API's scope (which marks every answer `no-store`): hidden from
 * the Authy API's OpenAPI document, behind the session check of its `access` (`read`; `change`, an admin
 * with the CSRF token; `dangerous`, with a fresh passkey too). A handler's object is sent as JSON; one that
 * answers itself (204, a download) returns the reply.
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
    handler,
  });
}

/** The signed-in operator and the client's address, as an audit entry names who acted. */
export function operatorOf(request: FastifyRequest): Actor {
  return { actor: operatorActor(consoleSessionOf(request).operator), from: auditSourceOf(request) };
}
