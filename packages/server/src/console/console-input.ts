import { type TProperties, Type } from 'typebox';
import { invalidParameter } from '../errors/authy-error.js';

/** The largest id the store gives an app or a user (a 32-bit integer column). */
const MAX_ID = 2_147_483_647;

/** An app's or a user's id in a path or a query: digits, no leading zero, within the store's range. */
export const StoreId = Type.Integer({ minimum: 1, maximum: MAX_ID });

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** An id the service made (a device, a callback event): a UUID. */
export const Uuid = Type.String({ pattern: UUID_PATTERN });

/** Whether a path segment is a UUID, for a route that answers 404 rather than 400 to anything else. */
export const isUuid = (text: string): boolean => new RegExp(UUID_PATTERN).test(text);

/**
 * An ISO 8601 time in a query, read to milliseconds by `timeOf`: a date (midnight UTC), or a date and time
 * with its zone (`Z` or `±hh:mm`) — a time without a zone would be read in the server's own.
 */
export const IsoTime = Type.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
});

/**
 * A console body's fields, and nothing else: a mistyped setting is refused (400 / 60004), never silently
 * ignored.
 */
export const Body = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

/** How many rows a list may ask for, and how many it gets when it does not say. */
export const Limit = Type.Integer({ minimum: 1, maximum: 500 });
export const DEFAULT_LIMIT = 50;

/** An ISO 8601 time a schema let through, in milliseconds; a date that does not exist is refused. */
export function timeOf(field: string, text: string): number {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw invalidParameter(field, 'is not a time');
  return at;
}
