import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A row of the audit trail: what happened, to whom, with what. `detail` never holds a secret. */
export interface SecurityEventRecord {
  id: string;
  type: string;
  appId: number | null;
  userId: number | null;
  deviceId: string | null;
  detail: Record<string, unknown>;
  now: number;
}

/** Writes a security event to the `security_events` table (R84, R87), beside its log line. */
export async function insertSecurityEvent(db: Kysely<Database>, event: SecurityEventRecord): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      id: event.id,
      type: event.type,
      app_id: event.appId,
      user_id: event.userId,
      device_id: event.deviceId,
      detail: JSON.stringify(event.detail),
      created_at: event.now,
    })
    .execute();
}
