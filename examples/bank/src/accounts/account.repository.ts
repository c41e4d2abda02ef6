import type { SqlDatabase } from '../db/sql-database.js';
import type { Account } from './account.js';

interface AccountRow {
  id: number;
  email: string;
  password_hash: string;
  authy_id: number;
  country_code: string;
  cellphone: string;
  created_at: number;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  email: row.email,
  authyId: row.authy_id,
  countryCode: row.country_code,
  cellphone: row.cellphone,
  createdAt: row.created_at,
});

/** The only code that touches the `accounts` table. */
export class AccountRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Inserts an account; `undefined` when the email is already taken. */
  insert(account: Omit<Account, 'id'> & { passwordHash: string }): Account | undefined {
    const result = this.db
      .prepare(
        `INSERT INTO accounts (email, password_hash, authy_id, country_code, cellphone, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
      )
      .run(
        account.email,
        account.passwordHash,
        account.authyId,
        account.countryCode,
        account.cellphone,
        account.createdAt,
      );
    if (result.changes === 0) return undefined;
    const { passwordHash: _hash, ...rest } = account;
    return { id: Number(result.lastInsertRowid), ...rest };
  }

  find(id: number): Account | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row === undefined ? undefined : toAccount(row);
  }

  /** The account and its password hash, for logging in. */
  findWithHash(email: string): { account: Account; passwordHash: string } | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE email = ?').get(email) as
      | AccountRow
      | undefined;
    return row === undefined ? undefined : { account: toAccount(row), passwordHash: row.password_hash };
  }

  emailTaken(email: string): boolean {
    return this.db.prepare('SELECT 1 FROM accounts WHERE email = ?').get(email) !== undefined;
  }
}
