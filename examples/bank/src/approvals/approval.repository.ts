import type { ApprovalStatus } from '../countersign/countersign.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { Approval, ApprovalPurpose, ReceiptState } from './approval.js';

interface ApprovalRow {
  uuid: string;
  account_id: number;
  purpose: ApprovalPurpose;
  message: string;
  details: string;
  number_match: string | null;
  status: ApprovalStatus;
  reason: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  receipt: string | null;
  receipt_verified: number | null;
  receipt_problem: string | null;
}

function receiptOf(row: ApprovalRow): ReceiptState {
  if (row.receipt_verified === null) return { kind: 'none' };
  return row.receipt_verified === 1
    ? { kind: 'verified' }
    : { kind: 'failed', problem: row.receipt_problem ?? 'The receipt did not verify.' };
}

export function toApproval(row: ApprovalRow): Approval {
  return {
    uuid: row.uuid,
    accountId: row.account_id,
    purpose: row.purpose,
    message: row.message,
    details: JSON.parse(row.details) as Record<string, string>,
    numberMatch: row.number_match,
    status: row.status,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
    receipt: receiptOf(row),
  };
}

/** The final state of an approval, as the bank records it. */
export interface Settlement {
  readonly status: Exclude<ApprovalStatus, 'pending'>;
  readonly reason: string | null;
  readonly decidedAt: number;
  readonly receipt: string | null;
  readonly receiptState: ReceiptState;
}

/** The only code that touches the `approvals` table. */
export class ApprovalRepository {
  constructor(private readonly db: SqlDatabase) {}

  insert(approval: Approval): void {
    this.db
      .prepare(
        `INSERT INTO approvals (uuid, account_id, purpose, message, details, number_match, status, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        approval.uuid,
        approval.accountId,
        approval.purpose,
        approval.message,
        JSON.stringify(approval.details),
        approval.numberMatch,
        approval.createdAt,
        approval.expiresAt,
      );
  }

  find(uuid: string): Approval | undefined {
    const row = this.db.prepare('SELECT * FROM approvals WHERE uuid = ?').get(uuid) as
      | ApprovalRow
      | undefined;
    return row === undefined ? undefined : toApproval(row);
  }

  pending(): Approval[] {
    const rows = this.db.prepare("SELECT * FROM approvals WHERE status = 'pending'").all() as ApprovalRow[];
    return rows.map(toApproval);
  }

  /** Records the final state once: `false` when the approval was no longer pending. */
  settle(uuid: string, settlement: Settlement): boolean {
    const { receiptState } = settlement;
    const result = this.db
      .prepare(
        `UPDATE approvals SET status = ?, reason = ?, decided_at = ?, receipt = ?, receipt_verified = ?, receipt_problem = ?
         WHERE uuid = ? AND status = 'pending'`,
      )
      .run(
        settlement.status,
        settlement.reason,
        settlement.decidedAt,
        settlement.receipt,
        receiptState.kind === 'none' ? null : receiptState.kind === 'verified' ? 1 : 0,
        receiptState.kind === 'failed' ? receiptState.problem : null,
        uuid,
      );
    return result.changes === 1;
  }
}

export type { ApprovalRow };
