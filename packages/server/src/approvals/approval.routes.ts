import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import type { EventBus } from '../events/event-bus.js';
import {
  API_KEY_REFUSALS,
  PATH_REFUSALS,
  responses,
  success,
  TRANSPORT_REFUSALS,
} from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayFields, DisplayText, UserIdParams } from '../http/schemas.js';
import type { Clock } from '../lib/clock.js';
import type { ApprovalService } from './approval.service.js';
import { APPROVAL_STATUSES, type ApprovalRequest, LOGO_RESOLUTIONS } from './approval-request.js';
import { StatusWaiters } from './status-waiters.js';

const MAX_FIELDS = 20;

// Hidden details are display text too: a device signs over them (R28), and a person may be shown them.
const Details = DisplayFields({ entries: MAX_FIELDS, keyLength: 200, valueLength: 200 });

const Logo = Type.Object({
  res: Type.Union(LOGO_RESOLUTIONS.map((r) => Type.Literal(r))),
  url: Type.String({ maxLength: 500, pattern: '^https://[^\\s]+$' }),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const Time = Type.String({ format: 'date-time' });
const TimeOrNull = Type.Union([Time, Type.Null()]);

/** What `statusBody` writes. */
const ApprovalStatus = Type.Object({
  _app_name: Type.String(),
  _app_serial_id: Type.Integer(),
  _authy_id: Type.String(),
  _id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  _user_email: Type.String(),
  app_id: Type.String(),
  created_at: Time,
  notified: Type.Literal(false),
  processed_at: TimeOrNull,
  seconds_to_expire: Type.Integer(),
  expires_at: Type.Union([Time, Type.Null()], { description: '`null`: the request never expires' }),
  status: Type.Union(APPROVAL_STATUSES.map((st) => Type.Literal(st))),
  updated_at: Time,
  user_id: Type.String(),
  uuid: Type.String({ format: 'uuid' }),
  message: Type.String(),
  details: Type.Record(Type.String(), Type.String()),
  hidden_details: Type.Record(Type.String(), Type.String()),
  logos: Type.Union([Type.Array(Logo), Type.Null()]),
  number_match: Type.Optional(
    Type.String({ pattern: '^[0-9]+$', description: 'The digits the user must pick on the device' }),
  ),
  reason: Type.Optional(
    Type.String({ description: 'Why it was denied: `denied`, `not_me` or `number_mismatch`' }),
  ),
  device_uuid: Type.Optional(Type.String({ format: 'uuid', description: 'The device that answered' })),
  receipt: Type.Optional(
    Type.String({ description: 'The signed receipt of the answer, a JWS (docs/device-protocol.md)' }),
  ),
});

/** The status object of spec 4.12, with every field authy-client checks. */
function statusBody(app: App, request: ApprovalRequest): Record<string, unknown> {
  return {
    _app_name: app.name,
    _app_serial_id: app.id,
    _authy_id: String(request.userId),
    _id: request.uuid.replaceAll('-', ''),
    _user_email: request.userEmail,
    app_id: String(app.id),
    created_at: iso(request.createdAt),
    notified: false,
    processed_at: iso(request.processedAt),
    seconds_to_expire: request.secondsToExpire,
    expires_at: iso(request.expiresAt),
    status: request.status,
    updated_at: iso(request.updatedAt),
    user_id: String(request.userId),
    uuid: request.uuid,
    message: request.message,
    details: request.details,
    hidden_details: request.hiddenDetails,
    logos: request.logos,
    ...(request.numberMatch !== null && { number_match: request.numberMatch }),
    ...(request.reason !== null && { reason: request.reason }),
    ...(request.deviceId !== null && { device_uuid: request.deviceId }),
    ...(request.receipt !== null && { receipt: request.receipt }),
  };
}

export function registerApprovalRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  approvals: ApprovalService,
  bus: EventBus,
  clock: Clock,
): void {
  const waiters = new StatusWaiters(approvals, bus, clock);
  // Before the server waits for requests in flight: long polls answer now, streams end (R83).
  fastify.addHook('preClose', async () => waiters.closeAll());
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: ['/onetouch/json/users/:id/approval_requests'],
    summary: 'Create a OneTouch approval request',
    tags: ['approvals'],
    params: UserIdParams,
    input: Type.Object({
      message: DisplayText(200, 1),
      details: Type.Optional(Details),
      hidden_details: Type.Optional(Details),
      logos: Type.Optional(Type.Array(Logo, { maxItems: 8 })),
      seconds_to_expire: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    }),
    response: success(
      'The request is made and pushed to the user’s devices',
      Type.Object({
        approval_request: Type.Object({
          uuid: Type.String({ format: 'uuid' }),
          number_match: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
        }),
        success: Type.Literal(true),
      }),
    ),
    refusals: ['60026', '60003'],
    handle: async ({ input, app, params }) => {
      const request = await approvals.create(app, params.id, {
        message: input.message,
        details: input.details ?? {},
        hiddenDetails: input.hidden_details ?? {},
        logos: input.logos ?? [],
        secondsToExpire: input.seconds_to_expire,
      });
      return {
        approval_request: {
          uuid: request.uuid,
          ...(request.numberMatch !== null && { number_match: request.numberMatch }),
        },
        success: true,
      };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: ['/onetouch/json/approval_requests/:uuid'],
    summary: 'Status of an approval request',
    tags: ['approvals'],
    params: Type.Object({ uuid: Type.String() }),
    input: Type.Object({
      wait: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 60,
          description: 'Hold the answer up to this many seconds until the request is final',
        }),
      ),
    }),
    response: success(
      'The request’s status (after waiting, with `wait`)',
      Type.Object({ approval_request: ApprovalStatus, success: Type.Literal(true) }),
    ),
    refusals: ['60049'],
    handle: async ({ input, app, params, request: http }) => {
      const request = await approvals.status(app, params.uuid);
      const wait = input.wait ?? 0;
      const final =
        wait > 0 && request.status === 'pending'
          ? await waiters.until(app, request, wait * 1000, http.raw)
          : request;
      return { approval_request: statusBody(app, final), success: true };
    },
  });

  fastify.get<{ Params: { uuid: string } }>(
    '/onetouch/json/approval_requests/:uuid/events',
    {
      schema: {
        summary: 'Server-sent events of an approval request until it is final',
        description:
          'An event stream (`text/event-stream`): one `status` event at once, one at each change, and the stream ends once the request is final. Each event’s data is the JSON of the status route’s answer. Comments (`: keep-alive`) come every 15 seconds.',
        tags: ['approvals'],
        security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
        params: Type.Object({ uuid: Type.String() }),
        response: responses(
          {
            description: 'The stream of `status` events',
            content: {
              'text/event-stream': {
                schema: {
                  type: 'string',
                  examples: [
                    'event: status\ndata: {"approval_request":{…,"status":"pending"},"success":true}\n\n',
                  ],
                },
              },
            },
          },
          [...TRANSPORT_REFUSALS, ...API_KEY_REFUSALS, ...PATH_REFUSALS, '60049'],
        ),
      },
    },
    async (request, reply) => {
      const merged = { ...(request.query as Record<string, unknown>) };
      const app = await gate.admit(request, merged);
      let current = await approvals.status(app, request.params.uuid);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      const send = (value: ApprovalRequest) =>
        raw.write(
          `event: status\ndata: ${JSON.stringify({ approval_request: statusBody(app, value), success: true })}\n\n`,
        );
      send(current);
      if (current.status !== 'pending') {
        raw.end();
        return;
      }
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      const stop = waiters.watch(
        app,
        current,
        (next: ApprovalRequest) => {
          current = next;
          send(next);
          if (next.status !== 'pending') close();
        },
        () => close(),
      );
      const close = () => {
        clearInterval(keepAlive);
        stop();
        if (!raw.writableEnded) raw.end();
      };
      request.raw.on('close', close);
    },
  );
}
