import type { SecurityEventRecord, SecurityLog } from '../operations/security-log.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * Every security event also goes into the audit chain, as `security.<type>` by the service: the events'
 * table keeps its one writer (`log`), the chain its own. `detail` never holds a secret (`SecurityEventRecord`).
 */
export function auditedSecurityLog(log: SecurityLog, audit: AuditTrail): SecurityLog {
  return {
    async record(event: SecurityEventRecord): Promise<void> {
      await log.record(event);
      await audit.record({
        actor: 'service',
        from: 'service',
        action: `security.${event.type}`,
        ...(event.userId !== null && { target: { type: 'user', id: String(event.userId) } }),
        after: {
          event_id: event.id,
          app_id: event.appId,
          user_id: event.userId,
          device_id: event.deviceId,
          ...event.detail,
        },
      });
    },
  };
}
