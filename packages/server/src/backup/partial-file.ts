import { existsSync, linkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from '../crypto/random.js';
import { BackupError } from './backup-error.js';

/** SQLite's files beside a database file: its write-ahead log, its shared memory, its rollback journal. */
const BESIDE = ['-wal', '-shm', '-journal'];

/**
 * A file being written under a temporary name beside `file`, put in place only when complete: a backup
 * that stops half-way never leaves a file by the name an operator would trust.
 */
export interface PartialFile {
  readonly path: string;
  /** Puts the file in place as `file`, failing (and keeping nothing) if `file` appeared meanwhile. */
  complete(): void;
  /** Removes what was written (the file and SQLite's files beside it); safe to call after `complete`. */
  discard(): void;
}

/** The error of a file that a backup or a restore would have written over. */
export function existing(file: string): BackupError {
  return new BackupError(`${file} exists: a backup never writes over a file; name a new one`);
}

/** A temporary file for `file` in its folder (so that it is put in place without a copy). */
export function partialFile(file: string): PartialFile {
  if (!existsSync(dirname(file) === '' ? '.' : dirname(file)))
    throw new BackupError(`cannot write ${file}: its folder does not exist`);
  const path = join(
    dirname(file),
    `.${file.split(/[\\/]/).at(-1)}.partial-${randomBytes(6).toString('hex')}`,
  );
  const discard = () => {
    for (const suffix of ['', ...BESIDE]) rmSync(`${path}${suffix}`, { force: true });
  };
  return {
    path,
    complete() {
      try {
        // A hard link, not a rename: it fails when `file` exists, where a rename would write over it.
        linkSync(path, file);
      } catch (error) {
        discard();
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw existing(file);
        throw error;
      }
      discard();
    },
    discard,
  };
}
