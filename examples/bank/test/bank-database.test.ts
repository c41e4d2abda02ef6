// The bank's own SQLite file across versions: a file written by an older bank opens in a newer one with its
// data, its references and its rules intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openBankDatabase } from '../src/db/open-bank-database.js';

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the bank’s database', () => {
  it('a file of the first version is migrated with its rows and references, and approvals take the new purpose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-bank-db-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'bank.db'));
    old.pragma('foreign_keys = ON');
    old.exec(MIGRATIONS[0] ?? '');
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO accounts (id, email, password_hash, authy_id, country_code, cellphone, created_at)
         VALUES (1, 'old@example.com', 'hash', 7, '1', '5095550000', 1)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO approvals (uuid, account_id, purpose, message, details, status, created_at, expires_at)
         VALUES ('a-login', 1, 'login', 'Log in', '{}', 'pending', 1, 2), ('a-transfer', 1, 'transfer', 'Pay', '{"To":"x"}', 'approved', 1, 2)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO sessions (id_hash, csrf_token, account_id, second_factor, login_approval, created_at, last_seen_at)
         VALUES ('s', 't', 1, 0, 'a-login', 1, 1)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO transfers (id, account_id, payee_email, account_number, amount_cents, approval_uuid)
         VALUES (1, 1, 'x@example.com', '1234', 100, 'a-transfer')`,
      )
      .run();
    old.close();

    const db = openBankDatabase(dir);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(
        db
          .prepare(
            'SELECT t.attempt, t.resending_since, a.purpose, a.details, a.status FROM transfers t JOIN approvals a ON a.uuid = t.approval_uuid',
          )
          .all(),
      ).toEqual([
        { attempt: 1, resending_since: null, purpose: 'transfer', details: '{"To":"x"}', status: 'approved' },
      ]);
      expect(db.prepare('SELECT login_approval, confirmed_at, confirm_approval FROM sessions').all()).toEqual(
        [{ login_approval: 'a-login', confirmed_at: null, confirm_approval: null }],
      );
      expect(
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'approvals_pending'")
          .get(),
      ).toEqual({ name: 'approvals_pending' });

      const insert = db.prepare(
        `INSERT INTO approvals (uuid, account_id, purpose, message, details, created_at, expires_at)
         VALUES (?, 1, ?, 'Add a device', '{}', 1, 2)`,
      );
      insert.run('a-device', 'device');
      expect(() => insert.run('a-other', 'other')).toThrow(/CHECK constraint failed/);
      // The references still hold, to the rebuilt table.
      expect(() =>
        db
          .prepare(
            `INSERT INTO transfers (account_id, payee_email, account_number, amount_cents, approval_uuid)
             VALUES (1, 'y@example.com', '1234', 100, 'missing')`,
          )
          .run(),
      ).toThrow(/FOREIGN KEY constraint failed/);
      db.prepare("UPDATE sessions SET confirm_approval = 'a-device'").run();
      expect(() => db.prepare("UPDATE sessions SET confirm_approval = 'missing'").run()).toThrow(
        /FOREIGN KEY constraint failed/,
      );
    } finally {
      db.close();
    }
  });
});
