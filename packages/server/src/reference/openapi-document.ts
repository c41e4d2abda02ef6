import { SERVICE_PATTERN } from '../http/schemas.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Shows the patterns the services check themselves (`SERVICE_PATTERN`) as the `pattern` they are. */
function showServicePatterns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(showServicePatterns);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    out[key === SERVICE_PATTERN ? 'pattern' : key] = showServicePatterns(item);
  }
  return out;
}

/**
 * Says how a form encodes nested parameters: Rack-style brackets (`user[email]=…`, `details[Account]=…`,
 * `logos[0][url]=…`), which OpenAPI calls `deepObject`.
 */
function formEncodings(document: Json): void {
  const paths = isObject(document.paths) ? document.paths : {};
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      const body = isObject(operation) && isObject(operation.requestBody) ? operation.requestBody : undefined;
      const content = body !== undefined && isObject(body.content) ? body.content : {};
      const form = content['application/x-www-form-urlencoded'];
      if (!isObject(form) || !isObject(form.schema) || !isObject(form.schema.properties)) continue;
      const nested = Object.entries(form.schema.properties).filter(
        ([, schema]) => isObject(schema) && (schema.type === 'object' || schema.type === 'array'),
      );
      if (nested.length === 0) continue;
      form.encoding = Object.fromEntries(
        nested.map(([name]) => [name, { style: 'deepObject', explode: true }]),
      );
    }
  }
}

/** The last touches of the OpenAPI document, made once when it is first asked for. */
export function finishDocument<T extends object>(document: T): T {
  const finished = showServicePatterns(document) as Json;
  formEncodings(finished);
  return finished as T;
}
