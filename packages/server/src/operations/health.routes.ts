import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { REQUEST_REFUSALS, responses, success } from '../http/responses.js';

/** How long the readiness probe waits for the database before it calls it unreachable. */
const PING_TIMEOUT_MS = 2_000;

export interface HealthChecks {
  /** One round trip to the database. */
  ping(): Promise<void>;
  /** Whether the event bus hears the other instances; absent when there are none to hear (SQLite). */
  listening?: () => boolean;
}

async function reachable(ping: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const Readiness = (status: string) =>
  Type.Object({
    status: Type.Literal(status),
    database: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
    events: Type.Union(
      ['local', 'listening', 'reconnecting'].map((e) => Type.Literal(e)),
      { description: '`local` on SQLite; on PostgreSQL whether the event bus hears the other instances' },
    ),
  });

const HEALTHZ = {
  summary: 'Whether the process is alive',
  tags: ['operations'],
  response: responses(success('Alive', Type.Object({ status: Type.Literal('ok') })), REQUEST_REFUSALS),
};

const READYZ = {
  summary: 'Whether this instance can serve: its database answers and its event bus listens',
  tags: ['operations'],
  response: responses(success('Ready', Readiness('ready')), REQUEST_REFUSALS, {
    503: success('Not ready: the load balancer should send it nothing', Readiness('unavailable')),
  }),
};

/**
 * `/healthz`: the process is alive (a supervisor restarts it otherwise). `/readyz`: it can serve, that is
 * its database answers and its event bus listens (a load balancer sends it traffic only then); 503 when
 * not. Neither needs an API key, and neither says more than up or down.
 */
export function registerHealthRoutes(fastify: FastifyInstance, checks: HealthChecks): void {
  fastify.get('/healthz', { schema: HEALTHZ }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  fastify.get('/readyz', { schema: READYZ }, async (_request, reply) => {
    const database = (await reachable(checks.ping)) ? 'ok' : 'unreachable';
    const events =
      checks.listening === undefined ? 'local' : checks.listening() ? 'listening' : 'reconnecting';
    const ready = database === 'ok' && events !== 'reconnecting';
    return reply
      .status(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'unavailable', database, events });
  });
}
