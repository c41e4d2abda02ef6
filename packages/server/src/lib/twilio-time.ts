/** Twilio's time format: ISO 8601 in UTC to the second (`2026-11-26T12:00:00Z`), in its API and its webhooks. */
export function twilioTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
