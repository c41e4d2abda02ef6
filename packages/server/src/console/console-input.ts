import { type Static, type TObject, Type } from 'typebox';
import { invalidParameter } from '../errors/authy-error.js';
import { compileInput } from '../http/input.js';

/** The largest id the store gives an app or a user (a 32-bit integer column). */
const MAX_ID = 2_147_483_647;

/** An app's or a user's id in a path or a query: digits, no leading zero, within the store's range. */
export const StoreId = Type.Integer({ minimum: 1, maximum: MAX_ID });

/** An id the service made (a device, a callback event): a UUID. */
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
});

/** An ISO 8601 time in a query, read to milliseconds by `timeOf`. */
export const IsoTime = Type.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?)?$',
});

/** How many rows a list may ask for, and how many it gets when it does not say. */
export const Limit = Type.Integer({ minimum: 1, maximum: 500 });
export const DEFAULT_LIMIT = 50;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A validator of one part of a console request (its path parameters, its query, its JSON body): the schema's
 * value, or 400 / 60004 naming the first bad field. A name the schema does not declare is refused, so a
 * mistyped filter never silently widens a list and the caller's own names never become field names.
 */
export function consoleInput<S extends TObject>(schema: S, part: 'path' | 'query' | 'body') {
  const known = new Set(Object.keys(schema.properties));
  const validate = compileInput(schema);
  return (raw: unknown): Static<S> => {
    // No body at all is an empty one; a body that is not an object (a list, a string) is refused.
    if (raw !== undefined && !isRecord(raw)) throw invalidParameter(part, 'must be an object');
    const value = raw ?? {};
    if (Object.keys(value).some((name) => !known.has(name)))
      throw invalidParameter(
        part,
        known.size === 0 ? 'takes no parameters' : `may hold only ${[...known].join(', ')}`,
      );
    const result = validate(value);
    if (!result.ok) throw invalidParameter(result.error.field, result.error.problem);
    return result.value;
  };
}

/** An ISO 8601 time a schema let through, in milliseconds; a date that does not exist is refused. */
export function timeOf(field: string, text: string): number {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw invalidParameter(field, 'is not a time');
  return at;
}
