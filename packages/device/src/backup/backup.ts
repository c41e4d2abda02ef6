import { base64url, decodeBase64url, utf8 } from '@countersign/protocol';
import { argon2id } from 'hash-wasm';
import { type Clock, systemClock } from '../clock.js';
import { sameBytes } from '../crypto/same-bytes.js';
import { DeviceError } from '../device-error.js';
import type { Wallet } from '../wallet.js';
import { type BackupContents, readBackupContents } from './backup-contents.js';
import {
  BACKUP_KDF,
  type BackupFile,
  type BackupHeader,
  type BackupKdf,
  CHECK_BYTES,
  headerBytes,
  IV_BYTES,
  readBackupFile,
  SALT_BYTES,
} from './backup-file.js';

/** The fewest characters a backup's passphrase may have: the file may be copied anywhere, and guessed offline. */
export const BACKUP_PASSPHRASE_MIN = 10;
/** The most: a passphrase is typed, and each guess hashes all of it. */
export const BACKUP_PASSPHRASE_MAX = 1024;

/**
 * The passphrase as it is hashed: NFC, so that "é" typed on one system opens a backup made on another that
 * composes it differently.
 */
const normalized = (passphrase: string) => passphrase.normalize('NFC');

/** Characters as a person counts them (code points), not UTF-16 units. */
const length = (text: string) => [...text].length;

/** Why a passphrase may not protect a new backup, as a `DeviceError`, or `undefined` when it may. */
export function backupPassphraseProblem(passphrase: string): DeviceError | undefined {
  const characters = length(normalized(passphrase));
  if (characters < BACKUP_PASSPHRASE_MIN)
    return new DeviceError(
      'backup_passphrase_too_short',
      `a backup's passphrase has at least ${BACKUP_PASSPHRASE_MIN} characters`,
    );
  if (characters > BACKUP_PASSPHRASE_MAX)
    return new DeviceError(
      'backup_passphrase_too_long',
      `a backup's passphrase has at most ${BACKUP_PASSPHRASE_MAX} characters`,
    );
  return undefined;
}

/** The AES-256-GCM key and the check, from the passphrase by Argon2id with the file's settings. */
async function deriveKeys(
  passphrase: string,
  kdf: BackupKdf,
): Promise<{ key: CryptoKey; check: Uint8Array<ArrayBuffer> }> {
  const derived = await argon2id({
    password: utf8(normalized(passphrase)),
    salt: decodeBase64url(kdf.salt),
    parallelism: kdf.parallelism,
    iterations: kdf.iterations,
    memorySize: kdf.memory_kib,
    hashLength: 32 + CHECK_BYTES,
    outputType: 'binary',
  });
  const key = await globalThis.crypto.subtle.importKey('raw', derived.slice(0, 32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  return { key, check: derived.slice(32) };
}

const random = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length));

/**
 * An encrypted backup of the wallet, as the text of a file to download: its third-party TOTP accounts
 * (secrets included) and the list of its Countersign enrollments (which app, which service — never a key
 * or an enrollment's seed), under a key made from `passphrase` by Argon2id (64 MiB, 3 passes) and
 * AES-256-GCM with the header as additional data. A passphrase under `BACKUP_PASSPHRASE_MIN` characters is
 * `backup_passphrase_too_short`.
 */
export async function createBackup(
  wallet: Wallet,
  passphrase: string,
  { clock = systemClock }: { clock?: Clock } = {},
): Promise<string> {
  const problem = backupPassphraseProblem(passphrase);
  if (problem !== undefined) throw problem;
  const contents: BackupContents = {
    created_at: new Date(clock.now()).toISOString(),
    accounts: await wallet.backupAccounts(),
  };
  const kdf: BackupKdf = {
    name: 'argon2id',
    ...BACKUP_KDF,
    parallelism: 1,
    salt: base64url(random(SALT_BYTES)),
  };
  const { key, check } = await deriveKeys(passphrase, kdf);
  const header: BackupHeader = {
    format: 'countersign-backup',
    version: 1,
    kdf,
    cipher: { name: 'AES-256-GCM', iv: base64url(random(IV_BYTES)) },
    check: base64url(check),
  };
  const ciphertext = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: decodeBase64url(header.cipher.iv), additionalData: headerBytes(header) },
    key,
    utf8(JSON.stringify(contents)),
  );
  const file: BackupFile = { ...header, ciphertext: base64url(new Uint8Array(ciphertext)) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Opens a backup file's text with its passphrase. Every failure is a `DeviceError`:
 * `backup_wrong_passphrase` when the passphrase does not make the file's check (or the key settings were
 * changed, which cannot be told apart), `backup_unreadable` for anything damaged, cut short or changed,
 * `backup_unsupported` for a newer version or key settings outside the bounds (checked before any hashing).
 * Hand the result to `Wallet.restore`.
 */
export async function readBackup(text: string, passphrase: string): Promise<BackupContents> {
  const file = readBackupFile(text);
  // No backup is made under a passphrase of another length: refused without hashing it.
  if (backupPassphraseProblem(passphrase) !== undefined) {
    throw new DeviceError('backup_wrong_passphrase', 'this passphrase does not open the backup');
  }
  const { key, check } = await deriveKeys(passphrase, file.kdf);
  if (!sameBytes(check, decodeBase64url(file.check)))
    throw new DeviceError('backup_wrong_passphrase', 'this passphrase does not open the backup');
  let plaintext: ArrayBuffer;
  try {
    plaintext = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: decodeBase64url(file.cipher.iv), additionalData: headerBytes(file) },
      key,
      decodeBase64url(file.ciphertext),
    );
  } catch (caught) {
    throw new DeviceError('backup_unreadable', 'the backup is damaged or was changed after it was written', {
      cause: caught,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw new DeviceError('backup_unreadable', 'the backup’s contents are not JSON');
  }
  return readBackupContents(parsed);
}
