import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApprovalService } from '../approvals/approval.service.js';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../approvals/approval-request.js';
import { operatorRequestDocument } from '../approvals/operator-request-document.js';
import { AuthyError, invalidParameter } from '../errors/authy-error.js';
import type { EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import { queryOf } from '../http/request-input.js';
import type { Clock } from '../lib/clock.js';
import { consoleAccess, consoleSessionOf } from './console-access.js';
import { DEFAULT_LIMIT, IsoTime, isUuid, Limit, StoreId, timeOf } from './console-input.js';

/** A comment on an open feed this often keeps proxies from closing it as idle. */
const HEARTBEAT_MS = 15_000;

const Status = Type.Union(APPROVAL_STATUSES.map((status) => Type.Literal(status)));

const listQuery = queryOf(
  Type.Object({
    app_id: Type.Optional(StoreId),
    user_id: Type.Optional(StoreId),
    status: Type.Optional(Status),
    since: Type.Optional(IsoTime),
    until: Type.Optional(IsoTime),
    limit: Type.Optional(Limit),
  }),
);

const feedQuery = queryOf(
  Type.Object({
    app_id: Type.Optional(StoreId),
    user_id: Type.Optional(StoreId),
    status: Type.Optional(Status),
  }),
);

export interface RequestRoutesOptions {
  readonly approvals: ApprovalService;
  readonly bus: EventBus;
  readonly clock: Clock;
}

/**
 * The approval requests of every app, for any signed-in operator (docs/console-api.md): a list, one request
 * with its answer and receipt, and a live feed of the requests created or made final, on any instance.
 * Documents are those of `countersign requests … --json` (`operatorRequestDocument`): never hidden details.
 */
export function registerRequestRoutes(fastify: FastifyInstance, options: RequestRoutesOptions): void {
  const { approvals, bus, clock } = options;

  fastify.get(
    '/console/api/requests',
    { schema: { hide: true }, preHandler: consoleAccess('read') },
    async (request) => {
      const query = listQuery(request);
      const since = query.since === undefined ? undefined : timeOf('since', query.since);
      const until = query.until === undefined ? undefined : timeOf('until', query.until);
      if (since !== undefined && until !== undefined && until <= since)
        throw invalidParameter('until', 'must be after since');
      const list = await approvals.listForOperator({
        ...(query.app_id !== undefined && { appId: query.app_id }),
        ...(query.user_id !== undefined && { userId: query.user_id }),
        ...(query.status !== undefined && { status: query.status }),
        ...(since !== undefined && { since }),
        ...(until !== undefined && { until }),
        limit: query.limit ?? DEFAULT_LIMIT,
      });
      return { requests: list.map(operatorRequestDocument) };
    },
  );

  /** Feeds open now, each with what ends it: shutdown ends them all before the server waits for them. */
  const feeds = new Set<() => void>();
  fastify.addHook('preClose', async () => {
    for (const end of [...feeds]) end();
  });

  fastify.get(
    '/console/api/requests/feed',
    {
      schema: { hide: true },
      config: { stream: true },
      // Holding a feed open is not activity: the session still ends after its idle time.
      preHandler: consoleAccess('read', { passive: true }),
    },
    async (request, reply) => {
      const filter = feedQuery(request);
      const session = consoleSessionOf(request);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
      });
      // The feed's first bytes: the browser's EventSource is open, and a proxy sends the headers on.
      raw.write(': feed\n\n');
      const wanted = (status: ApprovalStatus) => filter.status === undefined || filter.status === status;
      // Reads run one after the other, so that events leave in the order the changes were heard.
      let sending: Promise<void> = Promise.resolve();
      const unsubscribe = bus.subscribe(topics.requests, (event) => {
        if (event.type === 'resync') {
          // Changes may have been missed while the bus listened again: the page reads the list again.
          sending = sending.then(() => {
            if (!raw.writableEnded) raw.write('event: resync\ndata: {}\n\n');
          });
          return;
        }
        if (filter.app_id !== undefined && event.appId !== filter.app_id) return;
        if (filter.user_id !== undefined && event.userId !== filter.user_id) return;
        sending = sending
          .then(async () => {
            const found = await approvals.findForOperator(event.uuid);
            if (found === undefined || !wanted(found.status) || raw.writableEnded) return;
            raw.write(`event: request\ndata: ${JSON.stringify(operatorRequestDocument(found))}\n\n`);
          })
          .catch((error: unknown) =>
            request.log.warn({ err: error }, 'console feed could not read a request'),
          );
      });
      let ended = false;
      // The session's end ends the feed; the browser reconnects, and is answered 401 once it is over.
      let cancelEnd = () => {};
      const endWith = (live: { idleExpiresAt: number; expiresAt: number }) => {
        if (ended) return;
        cancelEnd();
        const endsAt = Math.min(live.idleExpiresAt, live.expiresAt);
        cancelEnd = clock.after(Math.max(0, endsAt - clock.now()), () => end());
      };
      endWith(session);
      // With each comment the session is read again (not touched): a sign-out, or the operator's removal,
      // ends the feed within one beat, and activity elsewhere moves its end.
      let cancelBeat = () => {};
      const beat = () => {
        cancelBeat = clock.after(HEARTBEAT_MS, () => {
          if (ended) return;
          raw.write(': keep-alive\n\n');
          void request.server.services.operators.session(session.id, false).then(
            (live) => (live === undefined ? end() : endWith(live)),
            () => undefined,
          );
          beat();
        });
      };
      beat();
      const end = () => {
        ended = true;
        feeds.delete(end);
        unsubscribe();
        cancelBeat();
        cancelEnd();
        if (!raw.writableEnded) raw.end();
      };
      feeds.add(end);
      raw.once('close', end);
    },
  );

  fastify.get<{ Params: { uuid: string } }>(
    '/console/api/requests/:uuid',
    { schema: { hide: true }, preHandler: consoleAccess('read') },
    async (request) => {
      const uuid = request.params.uuid.toLowerCase();
      const found = isUuid(uuid) ? await approvals.findForOperator(uuid) : undefined;
      if (found === undefined) throw new AuthyError('60049');
      return { request: operatorRequestDocument(found) };
    },
  );
}
