import { CountersignError } from '../countersign-error.js';

/** A JSON object as the service sent it. */
export type JsonObject = Readonly<Record<string, unknown>>;

function unexpected(what: string): CountersignError {
  return new CountersignError('unexpected_response', `the service's answer has no valid ${what}`);
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `body[key]` as an object. */
export function readObject(body: JsonObject, key: string): JsonObject {
  const value = body[key];
  if (!isJsonObject(value)) throw unexpected(key);
  return value;
}

/** `body[key]` as a string. */
export function readString(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw unexpected(key);
  return value;
}

/** `body[key]` as a string, `undefined` when absent or null. */
export function readOptionalString(body: JsonObject, key: string): string | undefined {
  return body[key] === undefined || body[key] === null ? undefined : readString(body, key);
}

/** `body[key]` as a finite number; a numeric string (Authy sends some ids as text) is read as its number. */
export function readNumber(body: JsonObject, key: string): number {
  const value = body[key];
  const number = typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw unexpected(key);
  return number;
}

/** `body[key]` as a number, `undefined` when absent or null. */
export function readOptionalNumber(body: JsonObject, key: string): number | undefined {
  return body[key] === undefined || body[key] === null ? undefined : readNumber(body, key);
}

/** `body[key]` as a boolean. */
export function readBoolean(body: JsonObject, key: string): boolean {
  const value = body[key];
  if (typeof value !== 'boolean') throw unexpected(key);
  return value;
}

/** `body[key]`, an ISO 8601 time, as a `Date`; `null` stays `null`. */
export function readDate(body: JsonObject, key: string): Date | null {
  const value = body[key];
  if (value === null) return null;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw unexpected(key);
  return date;
}

/** `body[key]` as a `Date` that must be present. */
export function readRequiredDate(body: JsonObject, key: string): Date {
  const date = readDate(body, key);
  if (date === null) throw unexpected(key);
  return date;
}

/** `body[key]` as a map of strings; `{}` when absent or null. */
export function readStringMap(body: JsonObject, key: string): Readonly<Record<string, string>> {
  const value = body[key];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw unexpected(key);
  // `Object.fromEntries` defines own properties, so a `__proto__` key stays an ordinary key.
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => {
      // Authy and Countersign send details as text; a number or flag from another server is read as text.
      if (typeof item === 'string') return [name, item];
      if (typeof item === 'number' || typeof item === 'boolean') return [name, String(item)];
      throw unexpected(`${key}.${name}`);
    }),
  );
}

/** `body[key]` as a boolean, `undefined` when absent or null. */
export function readOptionalBoolean(body: JsonObject, key: string): boolean | undefined {
  return body[key] === undefined || body[key] === null ? undefined : readBoolean(body, key);
}
