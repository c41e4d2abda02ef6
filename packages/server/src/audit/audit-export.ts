import type { AuditEntry } from './audit-entry.js';

/** The type of the export, one JSON object a line (JSON Lines). */
export const AUDIT_EXPORT_TYPE = 'application/jsonl';

/** One entry as the export writes it: its JSON, `hash` and `prev_hash` included, and a newline. */
export const auditExportLine = (entry: AuditEntry): string => `${JSON.stringify(entry)}\n`;

/**
 * The audit log as `countersign audit export --jsonl` writes it and the console downloads it: every entry in
 * chain order, one JSON object a line with its `hash` and `prev_hash`, from which anyone can recompute the
 * chain (`entryHash`).
 */
export async function* auditExportLines(log: {
  entries(): AsyncIterable<AuditEntry>;
}): AsyncGenerator<string> {
  for await (const entry of log.entries()) yield auditExportLine(entry);
}
