import { type ApprovalRow, toApproval } from '../approvals/approval.repository.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { NewTransfer, Transfer } from './transfer.js';

interface TransferRow extends ApprovalRow {
  transfer_id: number;
  payee_email: string;
  account_number: string;
  amount_cents: number;
  attempt: number;
}

const toTransfer = (row: TransferRow): Transfer => ({
  id: row.transfer_id,
  accountId: row.account_id,
  payeeEmail: row.payee_email,
  accountNumber: row.account_number,
  amountCents: row.amount_cents,
  attempt: row.attempt,
  approval: toApproval(row),
});

/** A transfer with its approval: the approval's columns as they are, the transfer's named apart. */
const SELECT = `SELECT a.*, t.id AS transfer_id, t.payee_email, t.account_number, t.amount_cents, t.attempt
  FROM transfers t JOIN approvals a ON a.uuid = t.approval_uuid`;

/** The only code that touches the `transfers` table. */
export class TransferRepository {
  constructor(private readonly db: SqlDatabase) {}

  insert(accountId: number, transfer: NewTransfer, approvalUuid: string): number {
    const result = this.db
      .prepare(
        'INSERT INTO transfers (account_id, payee_email, account_number, amount_cents, approval_uuid) VALUES (?, ?, ?, ?, ?)',
      )
      .run(accountId, transfer.payeeEmail, transfer.accountNumber, transfer.amountCents, approvalUuid);
    return Number(result.lastInsertRowid);
  }

  /** One of the account's transfers; another account's reads as missing. */
  find(accountId: number, id: number): Transfer | undefined {
    const row = this.db.prepare(`${SELECT} WHERE t.account_id = ? AND t.id = ?`).get(accountId, id) as
      | TransferRow
      | undefined;
    return row === undefined ? undefined : toTransfer(row);
  }

  /**
   * Claims the right to send the transfer again while `approvalUuid` is still its request: `true` for one
   * caller only. A claim older than `staleBefore` (its bank stopped midway) no longer holds.
   */
  claimResend(id: number, approvalUuid: string, now: number, staleBefore: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE transfers SET resending_since = ?
         WHERE id = ? AND approval_uuid = ? AND (resending_since IS NULL OR resending_since < ?)`,
      )
      .run(now, id, approvalUuid, staleBefore);
    return result.changes === 1;
  }

  /** The claimed resend was sent: `next` is now the transfer's request, and the claim is over. */
  resent(id: number, previous: string, next: string): void {
    this.db
      .prepare(
        `UPDATE transfers SET approval_uuid = ?, attempt = attempt + 1, resending_since = NULL
         WHERE id = ? AND approval_uuid = ?`,
      )
      .run(next, id, previous);
  }

  /** The claimed resend could not be sent: the customer may try again. */
  releaseResend(id: number, approvalUuid: string): void {
    this.db
      .prepare('UPDATE transfers SET resending_since = NULL WHERE id = ? AND approval_uuid = ?')
      .run(id, approvalUuid);
  }

  /** The account's latest transfers, newest first. */
  list(accountId: number, limit: number): Transfer[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE t.account_id = ? ORDER BY t.id DESC LIMIT ?`)
      .all(accountId, limit) as TransferRow[];
    return rows.map(toTransfer);
  }
}
