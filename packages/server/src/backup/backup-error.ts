import { OperatorError } from '../lib/operator-error.js';

/** A backup or a restore that cannot be made as asked: nothing was written (unless the message says so). */
export class BackupError extends OperatorError {
  override readonly name: string = 'BackupError';
}

/** What an operator does on PostgreSQL when `pg_dump` cannot: the documented alternative. */
export const POSTGRES_ALTERNATIVE =
  "back up PostgreSQL with the server's own means instead: base backups (pg_basebackup) and WAL archiving " +
  '(point-in-time recovery), as the README\'s "Backups" section describes';
