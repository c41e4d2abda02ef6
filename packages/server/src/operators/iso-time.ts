/** A time in milliseconds as the operator's documents print it (ISO 8601), `null` kept. */
export function isoTime<T extends number | null>(ms: T): T extends number ? string : string | null;
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
