import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { SecurityEventRecord, SecurityLog } from './security-log.js';

/** The only code that writes `security_events`. */
export class SecurityEventRepository implements SecurityLog {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  async record(event: SecurityEventRecord): Promise<void> {
    await this.db
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
}
