import type { AuditAction } from './audit-entry.js';

/** Where the other features and the command line report what they did (issue 17, item 3). */
export interface AuditTrail {
  /** Appends `action` to the audit chain, now. */
  record(action: AuditAction): Promise<void>;
}
