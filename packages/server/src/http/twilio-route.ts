import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Static, TSchema } from 'typebox';
import {
  AuthyError,
  type AuthyErrorCode,
  definitionOf,
  invalidTwilioParameter,
} from '../errors/authy-error.js';
import { compileInput, type InputProblem } from './input.js';
import { envelopeSchema } from './responses.js';
import type { ApiGate } from './route.js';
import { twilioEnvelope, VERIFY_PREFIX } from './twilio-envelope.js';

/** What a Verify v2 handler receives: validated input, the calling app, the path parameters. */
export interface VerifyRouteContext<T, A> {
  readonly input: T;
  readonly app: A;
  readonly params: Readonly<Record<string, string>>;
  /** For a log line of the request's own (a security event that is not a refusal). */
  readonly request: FastifyRequest;
}

/** A refusal a `/v2` route documents: a Twilio code, or a shared code (which the envelope renames). */
export interface TwilioRefusal {
  readonly code: AuthyErrorCode;
  readonly status?: number;
}

export interface VerifyRoute<S extends TSchema, A> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The path, under `/v2`. */
  readonly url: string;
  readonly summary: string;
  /** The form fields of a POST, or the query of a GET (PascalCase, as the `twilio` package sends them). */
  readonly input: S;
  readonly params: TSchema;
  /** 200, 201 for a create, 204 for a delete (no body). */
  readonly status: 200 | 201 | 204;
  /** The success body, for the OpenAPI document; `null` with 204. */
  readonly response: TSchema | null;
  /** What the route itself refuses with, besides what every `/v2` route can (key, limits, body, 404). */
  readonly refusals: readonly TwilioRefusal[];
  handle(context: VerifyRouteContext<Static<S>, A>): Promise<Record<string, unknown> | undefined>;
}

/**
 * What every `/v2` route can answer besides its own: a bad parameter or a malformed request (400), a key
 * refused (401), a sandbox app on a server without sandboxes (403), a method the path does not answer
 * (405), an `Accept` without JSON (406), a request too slow (408), the limits (429), headers too large
 * (431), the database away (503).
 */
const COMMON: readonly TwilioRefusal[] = [
  { code: '60200' },
  { code: '60001' },
  { code: '60031' },
  { code: '60002', status: 405 },
  { code: '60002', status: 406 },
  { code: '60002', status: 408 },
  { code: '60003' },
  { code: '60002', status: 431 },
  { code: '60000', status: 503 },
];
/** What a route that may carry a body adds: not a form or JSON object (400), too large (413), another media type (415). */
const BODY: readonly TwilioRefusal[] = [
  { code: '60002', status: 400 },
  { code: '60002', status: 413 },
  { code: '60002', status: 415 },
];
/** What a path with SIDs adds: an unknown SID, or none (404), one over the router's length limit (414). */
const PATH: readonly TwilioRefusal[] = [{ code: '20404' }, { code: '60002', status: 414 }];

/** The statuses whose refusal the HTTP parser may write before any route runs: those carry Authy's envelope. */
const PARSER_STATUSES = new Set([400, 408, 431]);

/** Twilio's error envelope for the codes it can carry at one status. */
function twilioEnvelopeSchema(codes: readonly number[]): Record<string, unknown> {
  return {
    type: 'object',
    required: ['code', 'message', 'more_info', 'status'],
    properties: {
      code: { type: 'integer', enum: [...codes] },
      message: { type: 'string' },
      more_info: { type: 'string', format: 'uri' },
      status: { type: 'integer' },
    },
    additionalProperties: false,
  };
}

function documented(route: VerifyRoute<TSchema, unknown>): Record<number, unknown> {
  const byStatus = new Map<number, { twilio: Set<number>; names: Set<string> }>();
  const refusals = [
    ...COMMON,
    // Fastify reads a DELETE's body too (and refuses one it cannot read).
    ...(route.method === 'GET' ? [] : BODY),
    ...(route.url.includes(':') ? PATH : []),
    ...route.refusals,
  ];
  for (const refusal of refusals) {
    const status = refusal.status ?? definitionOf(refusal.code).status;
    const envelope = twilioEnvelope(new AuthyError(refusal.code, { status }));
    const entry = byStatus.get(status) ?? { twilio: new Set(), names: new Set() };
    entry.twilio.add(envelope.code);
    entry.names.add(`\`${envelope.code}\` ${envelope.message}`);
    byStatus.set(status, entry);
  }
  const out: Record<number, unknown> = {};
  out[route.status] =
    route.response === null
      ? // fastify-swagger documents a `null` schema as a response without content.
        { type: 'null', description: STATUS_CODES[route.status] }
      : {
          description: STATUS_CODES[route.status],
          content: { 'application/json': { schema: route.response } },
        };
  for (const [status, { twilio, names }] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schema = twilioEnvelopeSchema([...twilio].sort());
    out[status] = {
      description: `${STATUS_CODES[status]}: ${[...names].sort().join('; ')}${
        PARSER_STATUSES.has(status) ? ' (a request the HTTP parser refuses gets the Authy envelope)' : ''
      }`,
      content: {
        'application/json': {
          schema: PARSER_STATUSES.has(status) ? { oneOf: [schema, envelopeSchema(['60002'])] } : schema,
        },
      },
    };
  }
  return out;
}

/**
 * The `twilio` package sends a list as one form field per item (`EventTypes=a&EventTypes=b`), so a list of
 * one arrives as a plain field: it is made a list of one wherever the schema asks for a list.
 */
function listsOfOne(raw: Record<string, unknown>, schema: TSchema): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  for (const [name, property] of Object.entries(properties)) {
    const value = raw[name];
    if (property.type === 'array' && typeof value === 'string') raw[name] = [value];
  }
  return raw;
}

/**
 * Registers a Twilio Verify v2 route under `/v2`: HTTP Basic auth through the gate (the Account SID and the
 * API key), one schema for validation and the OpenAPI entry, Twilio's envelope on every refusal (written
 * by the error handler, like every error).
 */
export function addVerifyRoute<S extends TSchema, A>(
  fastify: FastifyInstance,
  gate: ApiGate<A>,
  route: VerifyRoute<S, A>,
): void {
  const validate = compileInput(route.input);
  const invalid = (p: InputProblem) => invalidTwilioParameter(p.field, p.problem);
  const schema: FastifySchema = {
    summary: route.summary,
    tags: ['verify v2'],
    security: [{ accountSidAndKey: [] }],
    params: route.params,
    ...(route.method === 'POST'
      ? { body: route.input, consumes: ['application/x-www-form-urlencoded'] }
      : { querystring: route.input }),
    response: documented(route as VerifyRoute<TSchema, unknown>),
  };
  fastify.route({
    method: route.method,
    url: `${VERIFY_PREFIX}${route.url}`,
    schema,
    handler: async (request, reply) => {
      const body = request.body;
      const raw =
        route.method === 'POST' && body !== null && typeof body === 'object' && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : ((request.query ?? {}) as Record<string, unknown>);
      const app = await gate.admit(request, {});
      const result = validate(listsOfOne({ ...raw }, route.input));
      if (!result.ok) throw invalid(result.error);
      const output = await route.handle({
        input: result.value,
        app,
        params: request.params as Record<string, string>,
        request,
      });
      reply.header('cache-control', 'no-store').status(route.status);
      return route.status === 204 ? reply.send() : reply.send(output);
    },
  });
}
