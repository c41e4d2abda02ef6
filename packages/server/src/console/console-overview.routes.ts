import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { queryOf } from '../http/request-input.js';
import { OVERVIEW_RANGES, type Overview, type OverviewService } from '../overview/overview.service.js';
import { consoleAccess } from './console-access.js';

const overviewQuery = queryOf(
  Type.Object({ range: Type.Optional(Type.Union(OVERVIEW_RANGES.map((range) => Type.Literal(range)))) }),
);

const iso = (ms: number) => new Date(ms).toISOString();

/** The Overview as the console reads it (docs/console-api.md). */
function overviewDocument(overview: Overview) {
  return {
    range: overview.range,
    generated_at: iso(overview.generatedAt),
    buckets: overview.buckets.map(iso),
    series: overview.series,
    totals: overview.totals,
    answer_time_ms: overview.answerTimeMs,
  };
}

/** `GET /console/api/overview?range=hour|day|week`: the service's figures, for any signed-in operator. */
export function registerOverviewRoutes(fastify: FastifyInstance, overview: OverviewService): void {
  fastify.get(
    '/console/api/overview',
    { schema: { hide: true }, preHandler: consoleAccess('read') },
    async (request) => {
      const { range = 'day' } = overviewQuery(request);
      return overviewDocument(await overview.overview(range));
    },
  );
}
