import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FormBody } from '../lib/form-fields.js';

/** Forms are small: a few short fields. */
export const FORM_BODY_LIMIT = 16 * 1024;

/** Accepts only HTML forms (`application/x-www-form-urlencoded`); any other body is refused with 415. */
export function installFormParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      const fields: Record<string, string> = {};
      // A repeated field keeps its first value; `URLSearchParams` decodes exactly as browsers encode.
      for (const [name, value] of new URLSearchParams(String(body))) fields[name] ??= value;
      done(null, fields);
    },
  );
}

/** The submitted form of a request (empty when there was none). */
export function formOf(request: FastifyRequest): FormBody {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
  return fields;
}
