import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AuthyError, userNotFound } from '../errors/authy-error.js';
import { bodyOf, paramsOf, queryOf } from '../http/request-input.js';
import { Text } from '../http/schemas.js';
import type { Clock } from '../lib/clock.js';
import { deleteUser, revokeDevice, unlockUser } from '../operators/operator-actions.js';
import { userDocument, userLinkDocument } from '../operators/user-document.js';
import { consoleRoute, operatorOf } from './console.routes.js';
import { Body, DEFAULT_LIMIT, Limit, StoreId, Uuid } from './console-input.js';

const userPath = paramsOf(Type.Object({ id: StoreId }));
const devicePath = paramsOf(Type.Object({ id: Uuid }));
const searchQuery = queryOf(
  Type.Object({
    q: Type.Optional(Text(200, 1)),
    app_id: Type.Optional(StoreId),
    limit: Type.Optional(Limit),
  }),
);
const unlockBody = bodyOf(Body({ app_id: Type.Optional(StoreId) }));
const deleteQuery = queryOf(Type.Object({ app_id: StoreId }));
const noBody = bodyOf(Body({}));

/**
 * The console's users and devices (docs/console-api.md): search, a user's document as `users show` prints it
 * (phones masked), the full phone number for an admin (audited), unlock, delete from an app, revoke a device.
 * The changes are the command line's own (`operators/operator-actions.ts`), so both audit them alike.
 */
export function registerConsoleUserRoutes(fastify: FastifyInstance, clock: Clock): void {
  const services = fastify.services;
  const { users } = services;

  consoleRoute(fastify, 'GET', '/console/api/users', 'read', async (request) => {
    const query = searchQuery(request);
    const links = await users.search({
      ...(query.q !== undefined && { text: query.q }),
      ...(query.app_id !== undefined && { appId: query.app_id }),
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    const now = clock.now();
    return { users: links.map((link) => userLinkDocument(link, now)) };
  });

  consoleRoute(fastify, 'GET', '/console/api/users/:id', 'read', async (request) => {
    const user = await userDocument(services, userPath(request).id, clock.now());
    if (user === undefined) throw userNotFound();
    return { user };
  });

  consoleRoute(fastify, 'POST', '/console/api/users/:id/reveal-phone', 'change', async (request) => {
    const { id } = userPath(request);
    noBody(request);
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
    const { id } = userPath(request);
    const { app_id } = unlockBody(request);
    const unlocked = await unlockUser(services, operatorOf(request), id, app_id);
    if (unlocked === 0) throw userNotFound();
    return { unlocked };
  });

  consoleRoute(fastify, 'DELETE', '/console/api/users/:id', 'dangerous', async (request, reply) => {
    const { id } = userPath(request);
    const { app_id } = deleteQuery(request);
    const outcome = await deleteUser(services, operatorOf(request), id, app_id);
    if (outcome === 'no_app') throw new AuthyError('60000', { status: 404, message: 'App not found' });
    if (outcome === 'no_user') throw userNotFound();
    return reply.status(204).send();
  });

  consoleRoute(fastify, 'POST', '/console/api/devices/:id/revoke', 'change', async (request, reply) => {
    const { id } = devicePath(request);
    noBody(request);
    if (!(await revokeDevice(services, operatorOf(request), id)))
      throw new AuthyError('60000', { status: 404, message: 'Device not found, or revoked already' });
    return reply.status(204).send();
  });
}
