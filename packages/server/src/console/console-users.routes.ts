import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AuthyError, userNotFound } from '../errors/authy-error.js';
import { Text } from '../http/schemas.js';
import type { Clock } from '../lib/clock.js';
import { deleteUser, revokeDevice, unlockUser } from '../operators/operator-actions.js';
import { userDocument, userLinkDocument } from '../operators/user-document.js';
import { consoleRoute, operatorOf } from './console.routes.js';
import { consoleInput, DEFAULT_LIMIT, Limit, StoreId, Uuid } from './console-input.js';

const userPath = consoleInput(Type.Object({ id: StoreId }), 'path');
const devicePath = consoleInput(Type.Object({ id: Uuid }), 'path');
const searchQuery = consoleInput(
  Type.Object({
    q: Type.Optional(Text(200, 1)),
    app_id: Type.Optional(StoreId),
    limit: Type.Optional(Limit),
  }),
  'query',
);
const unlockBody = consoleInput(Type.Object({ app_id: Type.Optional(StoreId) }), 'body');
const deleteQuery = consoleInput(Type.Object({ app_id: StoreId }), 'query');
const noBody = consoleInput(Type.Object({}), 'body');

/**
 * The console's users and devices (docs/console-api.md): search, a user's document as `users show` prints it
 * (phones masked), the full phone number for an admin (audited), unlock, delete from an app, revoke a device.
 * The changes are the command line's own (`operators/operator-actions.ts`), so both audit them alike.
 */
export function registerConsoleUserRoutes(fastify: FastifyInstance, clock: Clock): void {
  const services = fastify.services;
  const { users } = services;

  consoleRoute(fastify, 'GET', '/console/api/users', 'read', async (request) => {
    const query = searchQuery(request.query);
    const links = await users.search({
      ...(query.q !== undefined && { text: query.q }),
      ...(query.app_id !== undefined && { appId: query.app_id }),
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    const now = clock.now();
    return { users: links.map((link) => userLinkDocument(link, now)) };
  });

  consoleRoute(fastify, 'GET', '/console/api/users/:id', 'read', async (request) => {
    const user = await userDocument(services, userPath(request.params).id, clock.now());
    if (user === undefined) throw userNotFound();
    return { user };
  });

  consoleRoute(fastify, 'POST', '/console/api/users/:id/reveal-phone', 'change', async (request) => {
    const { id } = userPath(request.params);
    noBody(request.body);
    const [link] = await users.operatorLinksOf(id);
    if (link === undefined) throw userNotFound();
    // Who saw a full number is recorded; the number itself is not copied into the log.
    await services.audit.record({
      ...operatorOf(request),
      action: 'user.reveal_phone',
      target: { type: 'user', id: String(id) },
    });
    return { phone: `+${link.countryCode}${link.phone}` };
  });

  consoleRoute(fastify, 'POST', '/console/api/users/:id/unlock', 'change', async (request) => {
    const { id } = userPath(request.params);
    const { app_id } = unlockBody(request.body);
    const unlocked = await unlockUser(services, operatorOf(request), id, app_id);
    if (unlocked === 0) throw userNotFound();
    return { unlocked };
  });

  consoleRoute(fastify, 'DELETE', '/console/api/users/:id', 'dangerous', async (request, reply) => {
    const { id } = userPath(request.params);
    const { app_id } = deleteQuery(request.query);
    const outcome = await deleteUser(services, operatorOf(request), id, app_id);
    if (outcome === 'no_app') throw new AuthyError('60000', { status: 404, message: 'App not found' });
    if (outcome === 'no_user') throw userNotFound();
    return reply.status(204).send();
  });

  consoleRoute(fastify, 'POST', '/console/api/devices/:id/revoke', 'change', async (request, reply) => {
    const { id } = devicePath(request.params);
    noBody(request.body);
    if (!(await revokeDevice(services, operatorOf(request), id)))
      throw new AuthyError('60000', { status: 404, message: 'Device not found, or revoked already' });
    return reply.status(204).send();
  });
}
