import type { SqlDatabase } from '../db/sql-database.js';
import type { Session } from './session.js';

interface SessionRow {
  id_hash: string;
  csrf_token: string;
  account_id: number | null;
  second_factor: number;
  login_approval: string | null;
  confirmed_at: number | null;
  confirm_approval: string | null;
  created_at: number;
  last_seen_at: number;
}

const toSession = (row: SessionRow): Session => ({
  idHash: row.id_hash,
  csrfToken: row.csrf_token,
  accountId: row.account_id,
  signedIn: row.second_factor === 1,
  loginApproval: row.login_approval,
  confirmedAt: row.confirmed_at,
  confirmApproval: row.confirm_approval,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
});

/** The only code that touches the `sessions` table. */
export class SessionRepository {
  constructor(private readonly db: SqlDatabase) {}

  insert(session: Session): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id_hash, csrf_token, account_id, second_factor, login_approval, confirmed_at, confirm_approval, created_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        session.idHash,
        session.csrfToken,
        session.accountId,
        session.signedIn ? 1 : 0,
        session.loginApproval,
        session.confirmedAt,
        session.confirmApproval,
        session.createdAt,
        session.lastSeenAt,
      );
  }

  find(idHash: string): Session | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as
      | SessionRow
      | undefined;
    return row === undefined ? undefined : toSession(row);
  }

  /** Replaces one session by another in one transaction (a new id whenever privileges change). */
  replace(oldIdHash: string, next: Session): void {
    this.db.transaction(() => {
      this.delete(oldIdHash);
      this.insert(next);
    })();
  }

  setLoginApproval(idHash: string, uuid: string | null): void {
    this.db.prepare('UPDATE sessions SET login_approval = ? WHERE id_hash = ?').run(uuid, idHash);
  }

  setConfirmApproval(idHash: string, uuid: string | null): void {
    this.db.prepare('UPDATE sessions SET confirm_approval = ? WHERE id_hash = ?').run(uuid, idHash);
  }

  touch(idHash: string, now: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, idHash);
  }

  delete(idHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  /** Removes sessions idle since `idleBefore` or created before `createdBefore`. */
  deleteStale(idleBefore: number, createdBefore: number): void {
    this.db
      .prepare('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?')
      .run(idleBefore, createdBefore);
  }
}
