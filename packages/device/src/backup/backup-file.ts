import { canonicalJson, decodeBase64url, utf8 } from '@countersign/protocol';
import { DeviceError } from '../device-error.js';

/**
 * The Argon2id settings a backup's key was made with. Written by `createBackup`, read back on restore, and
 * accepted only within `KDF_BOUNDS`: a file asking for 1 KiB would make guessing its passphrase cheap, one
 * asking for 4 GiB would take the browser down.
 */
export type BackupKdf = {
  name: 'argon2id';
  /** Memory in KiB (Argon2's `m`). */
  memory_kib: number;
  /** Passes over the memory (Argon2's `t`). */
  iterations: number;
  parallelism: 1;
  /** B64U of 16 random bytes. */
  salt: string;
};

/** Everything of a backup file but its ciphertext: authenticated as AES-GCM's additional data. */
export type BackupHeader = {
  format: 'countersign-backup';
  version: 1;
  kdf: BackupKdf;
  cipher: { name: 'AES-256-GCM'; iv: string };
  /**
   * B64U of the key derivation's last 32 bytes (the first 32 are the AES key). A wrong passphrase is told
   * apart from a damaged file by it; it gives a guesser nothing the ciphertext does not, since each guess
   * still costs one Argon2id.
   */
  check: string;
};

export type BackupFile = BackupHeader & { ciphertext: string };

/** What `createBackup` writes: RFC 9106's second recommendation, but with one lane (measured ~0.25 s). */
export const BACKUP_KDF = { memory_kib: 65_536, iterations: 3 } as const;

/** The settings a backup may ask for; outside them it is `backup_unsupported`. */
export const KDF_BOUNDS = {
  memory_kib: { min: 65_536, max: 262_144 },
  iterations: { min: 3, max: 10 },
} as const;

export const SALT_BYTES = 16;
export const IV_BYTES = 12;
export const CHECK_BYTES = 32;
/** Far past a thousand accounts; a bigger file is refused before it is parsed. */
const MAX_FILE_CHARS = 1_048_576;
/** AES-GCM's tag. */
const TAG_BYTES = 16;

function unreadable(what: string): never {
  throw new DeviceError('backup_unreadable', `this is not a readable Countersign backup: ${what}`);
}

function unsupported(what: string): never {
  throw new DeviceError('backup_unsupported', what);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function exactly(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (!isObject(value)) unreadable(`${what} is missing`);
  const found = Object.keys(value).sort();
  if (found.join() !== [...keys].sort().join()) unreadable(`${what} has other fields than a backup has`);
  return value;
}

function bytes(value: unknown, what: string, length?: { min: number; max: number }): Uint8Array {
  if (typeof value !== 'string') return unreadable(`${what} is missing`);
  let decoded: Uint8Array;
  try {
    decoded = decodeBase64url(value);
  } catch {
    return unreadable(`${what} is not base64url`);
  }
  if (length !== undefined && (decoded.length < length.min || decoded.length > length.max))
    unreadable(`${what} has the wrong length`);
  return decoded;
}

function bounded(value: unknown, bounds: { min: number; max: number }, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) unreadable(`${what} is not a whole number`);
  if (value < bounds.min || value > bounds.max)
    unsupported(
      `the backup asks for ${what} ${value}, outside ${bounds.min}–${bounds.max}: it was not made by Countersign`,
    );
  return value;
}

/**
 * Reads a backup file's text and checks every field before any work is done: its size, its shape, its
 * version, and key settings within `KDF_BOUNDS`. Damage is `backup_unreadable`; a version or settings this
 * authenticator does not accept are `backup_unsupported`.
 */
export function readBackupFile(text: string): BackupFile {
  if (text.length > MAX_FILE_CHARS) unreadable('the file is far larger than a backup');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unreadable('the file is not JSON (it may be cut short)');
  }
  if (!isObject(parsed) || parsed.format !== 'countersign-backup') unreadable('it is not a backup file');
  if (parsed.version !== 1) {
    if (typeof parsed.version === 'number' && Number.isSafeInteger(parsed.version) && parsed.version > 1)
      unsupported('this backup was made by a newer Countersign: update this authenticator to restore it');
    unreadable('its version is missing');
  }
  const file = exactly(parsed, ['format', 'version', 'kdf', 'cipher', 'check', 'ciphertext'], 'the file');
  const kdf = exactly(
    file.kdf,
    ['name', 'memory_kib', 'iterations', 'parallelism', 'salt'],
    'the key settings',
  );
  if (kdf.name !== 'argon2id') unsupported('the backup’s key was made with another function than Argon2id');
  if (kdf.parallelism !== 1) unsupported('the backup asks for Argon2id with more than one lane');
  const cipher = exactly(file.cipher, ['name', 'iv'], 'the cipher');
  if (cipher.name !== 'AES-256-GCM')
    unsupported('the backup is encrypted with another cipher than AES-256-GCM');
  bytes(kdf.salt, 'the salt', { min: SALT_BYTES, max: 64 });
  bytes(cipher.iv, 'the IV', { min: IV_BYTES, max: IV_BYTES });
  bytes(file.check, 'the check', { min: CHECK_BYTES, max: CHECK_BYTES });
  bytes(file.ciphertext, 'the ciphertext', { min: TAG_BYTES, max: MAX_FILE_CHARS });
  return {
    format: 'countersign-backup',
    version: 1,
    kdf: {
      name: 'argon2id',
      memory_kib: bounded(kdf.memory_kib, KDF_BOUNDS.memory_kib, 'memory (KiB)'),
      iterations: bounded(kdf.iterations, KDF_BOUNDS.iterations, 'iterations'),
      parallelism: 1,
      salt: kdf.salt as string,
    },
    cipher: { name: 'AES-256-GCM', iv: cipher.iv as string },
    check: file.check as string,
    ciphertext: file.ciphertext as string,
  };
}

/**
 * The AES-GCM additional data: the header's canonical JSON (RFC 8785), so that no setting, the IV or the
 * check can be changed without the decryption failing.
 */
export function headerBytes(file: BackupHeader): Uint8Array<ArrayBuffer> {
  const { format, version, kdf, cipher, check } = file;
  return utf8(canonicalJson({ format, version, kdf, cipher, check }));
}
