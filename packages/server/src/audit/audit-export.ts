import type { AuditEntry } from './audit-entry.js';

/** The type of the export, one JSON object a line (JSON Lines). */
export const AUDIT_EXPORT_TYPE = 'application/jsonl';

/**
 * The audit log as `countersign audit export --jsonl` writes it and the console downloads it: every entry in
 * chain order, one JSON object a line with its `hash` and `prev_hash`, from which anyone can recompute the
 * chain (`entryHash`).
 */
export async function* auditExportLines(log: {
  entries(): AsyncIterable<AuditEntry>;
}): AsyncGenerator<string> {
  for await (const entry of log.entries()) yield `${JSON.stringify(entry)}\n`;
}
