/** A row of the audit trail: what happened, to whom, with what. `detail` never holds a secret. */
export interface SecurityEventRecord {
  readonly id: string;
  readonly type: string;
  readonly appId: number | null;
  readonly userId: number | null;
  readonly deviceId: string | null;
  readonly detail: Record<string, unknown>;
  readonly now: number;
}

/** The audit trail (R84, R87): the `security_events` table, beside the log line of each event. */
export interface SecurityLog {
  record(event: SecurityEventRecord): Promise<void>;
}
