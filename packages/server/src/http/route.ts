import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { type AuthyError, invalidParameter } from '../errors/authy-error.js';
import { compileInput, type InputProblem } from './input.js';
import { readGetBody } from './request-body.js';
import {
  API_KEY_REFUSALS,
  BODY_REFUSALS,
  type DocumentedResponse,
  PATH_REFUSALS,
  type Refusal,
  refusal,
  responses,
  TRANSPORT_REFUSALS,
} from './responses.js';

/** What a handler receives: validated input, the calling app, the raw path parameters. */
export interface RouteContext<T, A> {
  readonly input: T;
  readonly app: A;
  readonly params: Readonly<Record<string, string>>;
  readonly request: FastifyRequest;
}

export interface ApiRoute<S extends TSchema, A> {
  readonly method: 'GET' | 'POST';
  /** The path and its aliases (the delete route has three). */
  readonly urls: readonly string[];
  readonly summary: string;
  readonly tags: readonly string[];
  /** Parameters merged from the query string and the body, whatever the method. */
  readonly input: S;
  /** Path parameters, for the OpenAPI document; handlers validate them. */
  readonly params?: TSchema;
  /** Turns a validation problem into the route's error (default: 400 / 60004). */
  readonly invalid?: (problem: InputProblem) => AuthyError;
  /**
   * The answer of a success, for the OpenAPI document (the handler's object is sent as it is); `null` for
   * a route that never succeeds.
   */
  readonly response: DocumentedResponse | null;
  /**
   * What the route itself refuses with, for the OpenAPI document: every API route also answers the
   * transport's, the key's and (unless `invalid` says otherwise) 400 / 60004 refusals.
   */
  readonly refusals?: readonly Refusal[];
  handle(context: RouteContext<Static<S>, A>): Promise<Record<string, unknown>>;
}

/** Authenticates a call and applies the per-app limits; shared by every API route. `A`: the calling app. */
export interface ApiGate<A> {
  admit(request: FastifyRequest, merged: Record<string, unknown>): Promise<A>;
}

/** The bodies every API route reads (the query string too, whatever the method). */
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

/** Where an API route's parameters may come from, as the OpenAPI document says it. */
const PLACEMENT = {
  GET: 'The parameters may also come in a body, as JSON or as a form (the `authy` npm client sends a form on GETs); query and body are merged. The API key goes in `X-Authy-API-Key`, or in `api_key` where the app allows it.',
  POST: 'The parameters may also come in the query string, merged with the body; a form nests them with brackets (`user[email]=…`, `logos[0][url]=…`). The API key goes in `X-Authy-API-Key`, or in `api_key` where the app allows it.',
} as const;

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Registers an Authy API route: one schema gives validation, types and the OpenAPI entry. */
export function addApiRoute<S extends TSchema, A>(
  fastify: FastifyInstance,
  gate: ApiGate<A>,
  route: ApiRoute<S, A>,
): void {
  const validate = compileInput(route.input);
  const invalid = route.invalid ?? ((p: InputProblem) => invalidParameter(p.field, p.problem));
  const schema: FastifySchema = {
    summary: route.summary,
    description: PLACEMENT[route.method],
    tags: [...route.tags],
    security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
    ...(route.params !== undefined && { params: route.params }),
    ...(route.method === 'GET'
      ? { querystring: route.input }
      : { body: route.input, consumes: [...BODY_TYPES] }),
    response: responses(route.response, [
      ...TRANSPORT_REFUSALS,
      // GETs too: the `authy` npm client sends its parameters as a form body on them.
      ...BODY_REFUSALS,
      ...API_KEY_REFUSALS,
      ...(route.invalid === undefined ? [refusal('60004', 400)] : []),
      ...(route.params !== undefined ? PATH_REFUSALS : []),
      ...(route.refusals ?? []),
    ]),
  };
  route.urls.forEach((url, index) => {
    fastify.route({
      method: route.method,
      url,
      // The aliases say so in the reference's list of routes.
      schema: index === 0 ? schema : { ...schema, summary: `${route.summary} (alias of ${route.urls[0]})` },
      handler: async (request, reply) => {
        const body = request.method === 'GET' ? await readGetBody(request.raw) : asObject(request.body);
        const merged: Record<string, unknown> = { ...asObject(request.query), ...body };
        const app = await gate.admit(request, merged);
        delete merged.api_key;
        const result = validate(merged);
        if (!result.ok) throw invalid(result.error);
        const output = await route.handle({
          input: result.value,
          app,
          params: request.params as Record<string, string>,
          request,
        });
        return reply.header('cache-control', 'no-store').send(output);
      },
    });
  });
}
