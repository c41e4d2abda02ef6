import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase } from './sql-database.js';

/** Each entry brings the schema from version `index` to `index + 1`; never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    authy_id INTEGER NOT NULL,
    country_code TEXT NOT NULL,
    cellphone TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE approvals (
    uuid TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'transfer')),
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    number_match TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    reason TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decided_at INTEGER,
    receipt TEXT,
    receipt_verified INTEGER,
    receipt_problem TEXT
  );
  CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    second_factor INTEGER NOT NULL DEFAULT 0,
    login_approval TEXT REFERENCES approvals (uuid),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  );
  CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    payee_email TEXT NOT NULL,
    account_number TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    approval_uuid TEXT NOT NULL UNIQUE REFERENCES approvals (uuid)
  );
  CREATE INDEX transfers_by_account ON transfers (account_id, id DESC);
  `,
  // A registration waits for its phone's code; adding a device needs a recent password; a transfer whose
  // number was mistyped can be sent again.
  `
  CREATE TABLE registrations (
    session_id_hash TEXT PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    country_code TEXT NOT NULL,
    cellphone TEXT NOT NULL,
    code_sent_at INTEGER NOT NULL,
    verified_at INTEGER
  );
  ALTER TABLE sessions ADD COLUMN confirmed_at INTEGER;
  ALTER TABLE transfers ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE transfers ADD COLUMN resending_since INTEGER;
  `,
  // An approval on a phone already set up may confirm a new device, as the password does: approvals get a
  // third purpose (SQLite changes a CHECK by rebuilding the table), sessions the request they wait for.
  `
  CREATE TABLE approvals_next (
    uuid TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'transfer', 'device')),
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    number_match TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    reason TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decided_at INTEGER,
    receipt TEXT,
    receipt_verified INTEGER,
    receipt_problem TEXT
  );
  INSERT INTO approvals_next SELECT * FROM approvals;
  DROP TABLE approvals;
  ALTER TABLE approvals_next RENAME TO approvals;
  CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';
  ALTER TABLE sessions ADD COLUMN confirm_approval TEXT REFERENCES approvals (uuid);
  `,
];

/**
 * Applies the migrations the file has not seen yet, each with its version bump in one transaction. Foreign
 * keys are checked once each migration is done, not statement by statement, so that a migration may rebuild
 * a table others refer to (SQLite's own procedure: the pragma cannot change inside a transaction).
 */
export function migrateBankDatabase(db: SqlDatabase): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version >= MIGRATIONS.length) return;
  const enforced = Number(db.pragma('foreign_keys', { simple: true })) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    for (let next = version; next < MIGRATIONS.length; next++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[next] ?? '');
        const broken = db.pragma('foreign_key_check');
        if (Array.isArray(broken) && broken.length > 0) {
          throw new Error(`migration ${next + 1} leaves ${broken.length} broken foreign keys`);
        }
        db.pragma(`user_version = ${next + 1}`);
      })();
    }
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
}

/** Opens (creating) `bank.db` in `dataDir`, in WAL mode with foreign keys on, at the latest schema. */
export function openBankDatabase(dataDir: string): SqlDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'bank.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateBankDatabase(db);
  return db;
}
