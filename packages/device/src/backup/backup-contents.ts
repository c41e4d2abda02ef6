import { DeviceError } from '../device-error.js';
import type { TotpParameters } from '../protocol/wire.js';
import { typedTotpAccount } from '../totp/otpauth-uri.js';

/** A third-party TOTP account as a backup keeps it: everything needed to make its codes again. */
export type BackupTotpAccount = {
  kind: 'totp';
  /** The user's name for it, or `null` for its default name. */
  label: string | null;
  issuer: string;
  account_name: string;
  totp: TotpParameters;
};

/**
 * A Countersign enrollment as a backup lists it: only what tells the user which apps to enroll with again.
 * Never its key (non-extractable in a browser, and a key must not outlive its device), its device id or its
 * TOTP seeds: those belong to the lost device, which the app should revoke.
 */
export type BackupEnrollment = {
  kind: 'countersign';
  /** The user's name for it, or `null` when it went by its apps' names. */
  label: string | null;
  /** The service's origin, e.g. `https://auth.bank.example`. */
  server: string;
  apps: { app_id: number; app_name: string }[];
};

export type BackupAccount = BackupTotpAccount | BackupEnrollment;

/** What a backup holds once opened: the accounts, in the user's order, and when it was made. */
export type BackupContents = { created_at: string; accounts: BackupAccount[] };

const MAX_ACCOUNTS = 1000;
const MAX_APPS = 100;
const MAX_LABEL = 100;
const MAX_NAME = 200;

function unreadable(what: string): never {
  throw new DeviceError('backup_unreadable', `the backup's contents are damaged: ${what}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function label(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_LABEL) unreadable('a name');
  return value.trim();
}

function totpAccount(value: Record<string, unknown>): BackupTotpAccount {
  const { issuer, account_name, totp } = value;
  if (typeof issuer !== 'string' || typeof account_name !== 'string' || !isObject(totp))
    unreadable('a TOTP account');
  const { secret, algorithm, digits, period } = totp;
  if (typeof secret !== 'string' || typeof algorithm !== 'string') unreadable('a TOTP account');
  if (typeof digits !== 'number' || typeof period !== 'number') unreadable('a TOTP account');
  try {
    // As strict as an account typed in: a backup is a file anyone may have written.
    const checked = typedTotpAccount({ issuer, account_name, secret, algorithm, digits, period });
    return { kind: 'totp', label: label(value.label), ...checked };
  } catch (caught) {
    if (caught instanceof DeviceError) unreadable(caught.message);
    throw caught;
  }
}

function enrollment(value: Record<string, unknown>): BackupEnrollment {
  const { server, apps } = value;
  if (typeof server !== 'string' || !Array.isArray(apps) || apps.length > MAX_APPS)
    unreadable('an enrollment');
  let origin: string;
  try {
    origin = new URL(server).origin;
  } catch {
    return unreadable('an enrollment’s service');
  }
  if (origin !== server || !/^https?:$/.test(new URL(server).protocol)) unreadable('an enrollment’s service');
  return {
    kind: 'countersign',
    label: label(value.label),
    server,
    apps: apps.map((app: unknown) => {
      if (!isObject(app)) return unreadable('an app');
      const { app_id, app_name } = app;
      if (!Number.isSafeInteger(app_id) || (app_id as number) < 1) unreadable('an app id');
      if (typeof app_name !== 'string' || app_name.length > MAX_NAME) unreadable('an app name');
      return { app_id: app_id as number, app_name };
    }),
  };
}

/** The opened plaintext, checked field by field; anything else is `backup_unreadable`. */
export function readBackupContents(value: unknown): BackupContents {
  if (!isObject(value) || typeof value.created_at !== 'string' || !Array.isArray(value.accounts))
    unreadable('not a list of accounts');
  if (Number.isNaN(Date.parse(value.created_at))) unreadable('its date');
  if (value.accounts.length > MAX_ACCOUNTS) unreadable('too many accounts');
  const accounts = value.accounts.map((account: unknown): BackupAccount => {
    if (!isObject(account)) return unreadable('an account');
    if (account.kind === 'totp') return totpAccount(account);
    if (account.kind === 'countersign') return enrollment(account);
    return unreadable('an account of an unknown kind');
  });
  return { created_at: value.created_at, accounts };
}
