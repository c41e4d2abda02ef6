import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AuthyError } from '../errors/authy-error.js';
import { bodyOf, paramsOf, queryOf } from '../http/request-input.js';
import type { Clock } from '../lib/clock.js';
import { isoTime } from '../operators/iso-time.js';
import { attemptDocument, CALLBACK_STATES, callbackDocument } from '../webhooks/callback-document.js';
import { consoleRoute, operatorOf } from './console.routes.js';
import { Body, DEFAULT_LIMIT, Limit, StoreId, Uuid } from './console-input.js';

const callbackPath = paramsOf(Type.Object({ id: Uuid }));
const callbacksQuery = queryOf(
  Type.Object({
    app_id: Type.Optional(StoreId),
    state: Type.Optional(Type.Union(CALLBACK_STATES.map((state) => Type.Literal(state)))),
    limit: Type.Optional(Limit),
  }),
);
const outboxQuery = queryOf(Type.Object({ limit: Type.Optional(Limit) }));
const noBody = bodyOf(Body({}));

const callbackNotFound = () => new AuthyError('60000', { status: 404, message: 'Callback not found' });

/** A recipient's digits but the last four hidden: the console shows no full phone number but on request. */
export const maskedRecipient = (to: string): string => to.replace(/\d(?=(?:\D*\d){4})/g, 'X');

/**
 * What the service sent out (docs/console-api.md): callback events with their attempts, redelivered on
 * request as `countersign webhooks redeliver` does, and the console messaging provider's outbox.
 */
export function registerConsoleDeliveryRoutes(fastify: FastifyInstance, clock: Clock): void {
  const { webhookEvents, outbox, audit } = fastify.services;

  consoleRoute(fastify, 'GET', '/console/api/callbacks', 'read', async (request) => {
    const query = callbacksQuery(request);
    const events = await webhookEvents.list({
      ...(query.app_id !== undefined && { appId: query.app_id }),
      ...(query.state !== undefined && { state: query.state }),
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return { callbacks: events.map(callbackDocument) };
  });

  consoleRoute(fastify, 'GET', '/console/api/callbacks/:id', 'read', async (request) => {
    const { id } = callbackPath(request);
    const event = await webhookEvents.find(id);
    if (event === undefined) throw callbackNotFound();
    return {
      callback: callbackDocument(event),
      attempts: (await webhookEvents.attempts(id)).map(attemptDocument),
    };
  });

  consoleRoute(fastify, 'POST', '/console/api/callbacks/:id/redeliver', 'change', async (request) => {
    const { id } = callbackPath(request);
    noBody(request);
    const queued = await webhookEvents.redeliver(id, clock.now());
    if (queued === undefined) throw callbackNotFound();
    await audit.record({
      ...operatorOf(request),
      action: 'webhook.redeliver',
      target: { type: 'webhook_event', id: queued.id },
      after: { app_id: queued.appId, state: queued.state },
    });
    return { callback: callbackDocument(queued) };
  });

  consoleRoute(fastify, 'GET', '/console/api/outbox', 'read', async (request) => {
    const { limit } = outboxQuery(request);
    const messages = await outbox.list(limit ?? DEFAULT_LIMIT);
    return {
      messages: messages.map((m) => ({
        id: m.id,
        app_id: m.appId,
        channel: m.channel,
        to: maskedRecipient(m.to),
        body: m.body,
        created_at: isoTime(m.createdAt),
      })),
    };
  });
}
