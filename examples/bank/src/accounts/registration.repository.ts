import type { SqlDatabase } from '../db/sql-database.js';
import type { PendingRegistration } from './registration.js';

interface RegistrationRow {
  session_id_hash: string;
  email: string;
  password_hash: string;
  country_code: string;
  cellphone: string;
  code_sent_at: number;
  verified_at: number | null;
}

const toRegistration = (row: RegistrationRow): PendingRegistration => ({
  email: row.email,
  passwordHash: row.password_hash,
  countryCode: row.country_code,
  cellphone: row.cellphone,
  codeSentAt: row.code_sent_at,
  verifiedAt: row.verified_at,
});

/**
 * The only code that touches the `registrations` table: at most one registration per session, waiting for
 * its phone's code. It goes with the session (`ON DELETE CASCADE`): signing in replaces the session.
 */
export class RegistrationRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Keeps the session's registration, replacing the one it had (the customer started again). */
  save(sessionKey: string, registration: PendingRegistration): void {
    this.db
      .prepare(
        `INSERT INTO registrations (session_id_hash, email, password_hash, country_code, cellphone, code_sent_at, verified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id_hash) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash,
           country_code = excluded.country_code, cellphone = excluded.cellphone,
           code_sent_at = excluded.code_sent_at, verified_at = excluded.verified_at`,
      )
      .run(
        sessionKey,
        registration.email,
        registration.passwordHash,
        registration.countryCode,
        registration.cellphone,
        registration.codeSentAt,
        registration.verifiedAt,
      );
  }

  find(sessionKey: string): PendingRegistration | undefined {
    const row = this.db.prepare('SELECT * FROM registrations WHERE session_id_hash = ?').get(sessionKey) as
      | RegistrationRow
      | undefined;
    return row === undefined ? undefined : toRegistration(row);
  }

  codeSent(sessionKey: string, at: number): void {
    this.db
      .prepare('UPDATE registrations SET code_sent_at = ? WHERE session_id_hash = ? AND verified_at IS NULL')
      .run(at, sessionKey);
  }

  /** Records that the phone's code was right, so a later failure does not ask for another code. */
  verified(sessionKey: string, at: number): void {
    this.db
      .prepare('UPDATE registrations SET verified_at = ? WHERE session_id_hash = ? AND verified_at IS NULL')
      .run(at, sessionKey);
  }

  delete(sessionKey: string): void {
    this.db.prepare('DELETE FROM registrations WHERE session_id_hash = ?').run(sessionKey);
  }
}
