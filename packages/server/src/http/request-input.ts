import type { FastifyRequest } from 'fastify';
import type { Static, TObject, TSchema } from 'typebox';
import { invalidParameter } from '../errors/authy-error.js';
import { compileInput } from './input.js';

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/**
 * Validates what `pick` takes of a request (its JSON body, its query, its path) against its schema; a problem
 * is 400 / 60004 naming the field. The schema is kept beside the validator for the OpenAPI document.
 */
export function inputOf<S extends TSchema>(
  schema: S,
  pick: (request: FastifyRequest) => Record<string, unknown>,
): ((request: FastifyRequest) => Static<S>) & { schema: S } {
  const validate = compileInput(schema);
  const read = (request: FastifyRequest) => {
    const result = validate(pick(request));
    if (!result.ok) throw invalidParameter(result.error.field, result.error.problem);
    return result.value;
  };
  return Object.assign(read, { schema });
}

/** A request's JSON body, validated; a body that is not an object is an empty one. */
export const bodyOf = <S extends TSchema>(schema: S) => inputOf(schema, (request) => asRecord(request.body));

/** A request's path parameters, validated. */
export const paramsOf = <S extends TSchema>(schema: S) =>
  inputOf(schema, (request) => asRecord(request.params));

/**
 * A request's query string, validated. A parameter the schema does not name is refused as a whole (`query`),
 * so a mistyped one is not silently ignored and the caller's own names never become field names.
 */
export function queryOf<S extends TObject>(schema: S) {
  const known = new Set(Object.keys(schema.properties));
  return inputOf(schema, (request) => {
    const query = asRecord(request.query);
    if (Object.keys(query).some((name) => !known.has(name))) {
      throw invalidParameter('query', `may hold only ${[...known].join(' and ')}`);
    }
    return query;
  });
}
