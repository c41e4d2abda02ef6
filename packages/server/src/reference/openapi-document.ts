import { SERVICE_CHECKED } from '../http/schemas.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The keywords of what the services check themselves, by the keyword they are. */
const SHOWN_AS: Record<string, string> = Object.fromEntries(
  Object.entries(SERVICE_CHECKED).map(([keyword, key]) => [key, keyword]),
);

/** Shows the patterns and formats the services check themselves (`SERVICE_CHECKED`) as what they are. */
function showServiceChecks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(showServiceChecks);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) out[SHOWN_AS[key] ?? key] = showServiceChecks(item);
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
  const finished = showServiceChecks(document) as Json;
  formEncodings(finished);
  return finished as T;
}
