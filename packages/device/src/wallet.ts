import { canonicalJson, utf8 } from '@countersign/protocol';
import type { BackupAccount, BackupContents, BackupEnrollment } from './backup/backup-contents.js';
import { type Clock, systemClock } from './clock.js';
import { randomHex } from './crypto/random.js';
import { sameBytes } from './crypto/same-bytes.js';
import { Device, type DeviceOptions, newestFirst, type WaitOptions } from './device.js';
import { DeviceError } from './device-error.js';
import type {
  Account,
  AdmissionClaim,
  AdmissionOutcome,
  Enrollment,
  HistoryEntry,
  Invitation,
  PendingRequest,
  TotpParameters,
} from './protocol/wire.js';
import type { DeviceStorage } from './storage/device-storage.js';
import type { TotpAccount } from './totp/otpauth-uri.js';
import { totpCode } from './totp/totp-codes.js';

/** How to open a `Wallet`: as a `Device`, but its storage holds every account. */
export type WalletOptions = DeviceOptions;

/** One app a Countersign enrollment answers for. */
export type EnrolledApp = Pick<Account, 'app_id' | 'app_name' | 'authy_id'>;

/** One account of the wallet, as it is listed: in the user's order, under the user's name for it. */
export type WalletAccount =
  | {
      kind: 'countersign';
      id: string;
      /** The user's name for it, or else the names of its apps. */
      label: string;
      renamed: boolean;
      server: string;
      device_id: string;
      apps: EnrolledApp[];
    }
  | {
      kind: 'totp';
      id: string;
      /** The user's name for it, or else "ISSUER (ACCOUNT)". */
      label: string;
      renamed: boolean;
      issuer: string;
      account_name: string;
    };

/** One current code: an enrolled app's, or a third-party account's. */
export type AccountCode = {
  account: WalletAccount;
  /** The app whose code it is, for an enrollment's code. */
  app?: EnrolledApp;
  /** The app's name, or the third-party account's label. */
  name: string;
  code: string;
  expires_in: number;
  period: number;
};

/**
 * What restoring a backup did: the third-party accounts it added (last, in the backup's order), how many it
 * skipped because the wallet holds the very same account, and the enrollments — with the apps of each that
 * no enrollment here answers yet — that must be made again through the app.
 */
export type RestoreResult = { added: WalletAccount[]; duplicates: number; reenroll: BackupEnrollment[] };

/** A request waiting for an answer, and the account that may answer it. */
export type AccountRequest = { account: WalletAccount; request: PendingRequest };

/** A request of the history, and the account it was listed for. */
export type AccountHistoryEntry = { account: WalletAccount; entry: HistoryEntry };

/** An account whose requests could not be fetched, and why. */
export type AccountFailure = { account: WalletAccount; error: unknown };

/** Where each enrollment's history goes on: the `next_cursor` of its last page, by account id; none at the end. */
export type HistoryCursors = ReadonlyMap<string, string>;

/** A listing of the history: its entries newest first, the enrollments that failed, and where each goes on. */
export type HistoryListing = {
  entries: AccountHistoryEntry[];
  failures: AccountFailure[];
  cursors: HistoryCursors;
};

/**
 * Lists of history entries as one, newest first. A request listed twice — by two enrollments of one service,
 * or in two listings — is listed once: the listing with a receipt first, then the one of the enrollment
 * that answered it.
 */
export function mergeHistory<T extends AccountHistoryEntry>(...lists: readonly (readonly T[])[]): T[] {
  const rank = ({ entry }: AccountHistoryEntry) =>
    (entry.receipt === null ? 0 : 2) + (entry.answered_by?.current === true ? 1 : 0);
  const byRequest = new Map<string, T>();
  for (const listed of lists.flat()) {
    const server = listed.account.kind === 'countersign' ? listed.account.server : '';
    const key = `${server} ${listed.entry.uuid}`;
    const seen = byRequest.get(key);
    if (seen === undefined || rank(listed) > rank(seen)) byRequest.set(key, listed);
  }
  return [...byRequest.values()].sort((a, b) => newestFirst(a.entry, b.entry));
}

/**
 * A stored entry. A Countersign enrollment keeps its device state in the scope `enrollment-ID`, or — the
 * one enrollment made before a storage held many — where it always was, at the storage's root (`scope`
 * null): nothing is moved, so nothing can be lost halfway.
 */
type Entry =
  | { kind: 'countersign'; id: string; label: string | null; scope: string | null }
  | {
      kind: 'totp';
      id: string;
      label: string | null;
      issuer: string;
      account_name: string;
      totp: TotpParameters;
    };

type WalletRecord = { version: 1; entries: Entry[] };

const WALLET = 'wallet';
/** Where a storage from before many accounts keeps its one device record. */
const ROOT_DEVICE = 'device';
const MAX_LABEL = 100;

const scopeOf = (id: string) => `enrollment-${id}`;

/**
 * Every account one authenticator holds, in the user's order: Countersign enrollments — several apps,
 * several services — each a `Device` with its own key pair in its own storage scope, so no two apps can
 * link the user through a shared key, and third-party TOTP accounts. A storage written when it held one
 * device opens as a wallet holding that enrollment.
 */
export class Wallet {
  readonly #storage: DeviceStorage;
  readonly #options: WalletOptions;
  readonly #clock: Clock;
  readonly #devices = new Map<string, Device>();

  constructor(options: WalletOptions) {
    this.#storage = options.storage;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Every account, in the user's order. */
  async accounts(): Promise<WalletAccount[]> {
    const accounts: WalletAccount[] = [];
    for (const entry of (await this.#load()).entries) {
      const account = await this.#describe(entry);
      if (account !== undefined) accounts.push(account);
    }
    return accounts;
  }

  /** Whether the wallet holds no account it can list (an enrollment whose record is gone does not count). */
  async isEmpty(): Promise<boolean> {
    return (await this.accounts()).length === 0;
  }

  /**
   * Enrolls with an app's link under a new key pair in a scope of its own, and lists the enrollment last.
   * A failed enrollment leaves nothing behind.
   */
  async enrollWithLink(url: string): Promise<{ account: WalletAccount; enrollment: Enrollment }> {
    const id = newId();
    const scope = this.#storage.scope(scopeOf(id));
    const device = this.#device(id, scope);
    let enrollment: Enrollment;
    try {
      enrollment = await device.enrollWithLink(url);
    } catch (caught) {
      await forget(scope);
      this.#devices.delete(id);
      throw caught;
    }
    const entry: Entry = { kind: 'countersign', id, label: null, scope: scopeOf(id) };
    await this.#update((entries) => [...entries, entry]);
    const account = await this.#describe(entry);
    if (account === undefined) throw new TypeError('an enrollment just made is missing from its storage');
    return { account, enrollment };
  }

  /** What an app's invitation link is (D15): the inviting app, the masked phone, the expiry. Writes nothing. */
  openInvitation(url: string): Promise<Invitation> {
    const id = newId();
    return this.#device(id, this.#storage.scope(scopeOf(id))).openInvitation(url);
  }

  /**
   * Enrolls with an app's invitation (D15) under a new key pair in a scope of its own: shows what the link
   * is, has the code texted to the invited phone, asks `code` for it, and enrolls. A failure leaves nothing.
   */
  async enrollWithInvitation(
    url: string,
    code: (invitation: Invitation) => Promise<string>,
  ): Promise<{ account: WalletAccount; enrollment: Enrollment }> {
    const id = newId();
    const scope = this.#storage.scope(scopeOf(id));
    const device = this.#device(id, scope);
    let enrollment: Enrollment;
    try {
      const invitation = await device.openInvitation(url);
      await device.requestInvitationCode(url);
      enrollment = await device.enrollWithInvitation(url, (await code(invitation)).trim());
    } catch (caught) {
      await forget(scope);
      this.#devices.delete(id);
      throw caught;
    }
    const entry: Entry = { kind: 'countersign', id, label: null, scope: scopeOf(id) };
    await this.#update((entries) => [...entries, entry]);
    const account = await this.#describe(entry);
    if (account === undefined) throw new TypeError('an enrollment just made is missing from its storage');
    return { account, enrollment };
  }

  /**
   * Claims an admission link another device of the user shows (`#admit=…`) under a new key pair in a scope
   * of its own. The account is listed once the holding device approved it (`waitForAdmission`); a failed
   * claim leaves nothing behind.
   */
  async claimAdmission(url: string): Promise<{ id: string; claim: AdmissionClaim }> {
    const id = newId();
    const scope = this.#storage.scope(scopeOf(id));
    const device = this.#device(id, scope);
    let claim: AdmissionClaim;
    try {
      claim = await device.claimAdmission(url);
    } catch (caught) {
      await forget(scope);
      this.#devices.delete(id);
      throw caught;
    }
    await this.#update((entries) => [
      ...entries,
      { kind: 'countersign', id, label: null, scope: scopeOf(id) },
    ]);
    return { id, claim };
  }

  /**
   * Waits for the admission claimed as `id`: approved, the enrollment is listed last, as one made with a
   * link; denied or expired, it is forgotten.
   */
  async waitForAdmission(
    id: string,
    options: WaitOptions = {},
  ): Promise<{ outcome: AdmissionOutcome; account?: WalletAccount }> {
    const entry = (await this.#load()).entries.find((candidate) => candidate.id === id);
    if (entry?.kind !== 'countersign') throw new DeviceError('unknown_account', `no admission ${id}`);
    const outcome = await this.#deviceOf(entry).waitForAdmission(options);
    if (outcome.status === 'approved') {
      const account = await this.#describe(entry);
      return account === undefined ? { outcome } : { outcome, account };
    }
    if (outcome.status === 'denied' || outcome.status === 'expired') await this.forgetRevoked(id);
    return { outcome };
  }

  /** Adds a third-party TOTP account (read with `parseOtpauthUri` or `typedTotpAccount`), last. */
  async addTotp(totp: TotpAccount): Promise<WalletAccount> {
    const entry: Entry = { kind: 'totp', id: newId(), label: null, ...totp };
    await this.#update((entries) => [...entries, entry]);
    return describeTotp(entry);
  }

  /** Names an account for the user; an empty or `null` label gives it back its default name. */
  async rename(id: string, label: string | null): Promise<void> {
    const trimmed = label?.trim() ?? '';
    if (trimmed.length > MAX_LABEL) throw new TypeError(`a name is at most ${MAX_LABEL} characters`);
    await this.#update((entries) =>
      entries.map((entry) =>
        entry.id === id ? { ...entry, label: trimmed === '' ? null : trimmed } : entry,
      ),
    );
  }

  /** Moves an account to `index` (0 is first) in the user's order. */
  async move(id: string, index: number): Promise<void> {
    await this.#update((entries) => {
      const from = entries.findIndex((entry) => entry.id === id);
      const moved = entries[from];
      if (moved === undefined) throw new DeviceError('unknown_account', `no account ${id}`);
      const rest = entries.filter((entry) => entry.id !== id);
      const to = Math.max(0, Math.min(rest.length, Math.trunc(index)));
      return [...rest.slice(0, to), moved, ...rest.slice(to)];
    });
  }

  /**
   * What removing the account would leave with no way to answer in this authenticator: the names of the
   * apps no other enrollment here answers for (the same service, app and user), or the third-party
   * account itself. Empty when another enrollment still answers the same apps.
   */
  async lastWayFor(id: string): Promise<string[]> {
    const accounts = await this.accounts();
    const account = accounts.find((candidate) => candidate.id === id);
    if (account === undefined) throw new DeviceError('unknown_account', `no account ${id}`);
    const others = accounts.filter((other) => other.id !== id);
    // A third-party secret is never compared with another: removing it always warns.
    if (account.kind === 'totp') return [account.label];
    return account.apps
      .filter(
        (app) =>
          !others.some(
            (other) =>
              other.kind === 'countersign' &&
              other.server === account.server &&
              other.apps.some((o) => o.app_id === app.app_id && o.authy_id === app.authy_id),
          ),
      )
      .map((app) => app.app_name);
  }

  /**
   * Removes an account. A Countersign enrollment revokes its device at the service first, which destroys
   * its key; a service that no longer knows the device (already revoked) does not keep it listed here.
   */
  async remove(id: string): Promise<void> {
    const entry = (await this.#load()).entries.find((candidate) => candidate.id === id);
    if (entry === undefined) throw new DeviceError('unknown_account', `no account ${id}`);
    if (entry.kind === 'countersign') {
      const device = this.#deviceOf(entry);
      const enrolled = await device.enrollment();
      try {
        if (enrolled !== undefined) await device.revoke(enrolled.device_id);
      } catch (caught) {
        if (!(caught instanceof DeviceError && ['unauthorized', 'not_found'].includes(caught.code)))
          throw caught;
      }
      await forget(this.#scopeStorage(entry));
      this.#devices.delete(id);
    }
    await this.#update((entries) => entries.filter((candidate) => candidate.id !== id));
  }

  /**
   * Forgets an enrollment that its device revoked itself (through `Device.revoke`) or the service revoked:
   * its key and state are already gone or useless.
   */
  async forgetRevoked(id: string): Promise<void> {
    const entry = (await this.#load()).entries.find((candidate) => candidate.id === id);
    if (entry?.kind !== 'countersign') return;
    await forget(this.#scopeStorage(entry));
    this.#devices.delete(id);
    await this.#update((entries) => entries.filter((candidate) => candidate.id !== id));
  }

  /** The device of a Countersign enrollment, for what acts on one enrollment (answers, devices, push). */
  async device(id: string): Promise<Device> {
    const entry = (await this.#load()).entries.find((candidate) => candidate.id === id);
    if (entry?.kind !== 'countersign') throw new DeviceError('unknown_account', `no enrollment ${id}`);
    return this.#deviceOf(entry);
  }

  /** Every Countersign enrollment with its device, in the user's order. */
  async enrollments(): Promise<{ account: WalletAccount; device: Device }[]> {
    const found: { account: WalletAccount; device: Device }[] = [];
    for (const entry of (await this.#load()).entries) {
      if (entry.kind !== 'countersign') continue;
      const account = await this.#describe(entry);
      if (account !== undefined) found.push({ account, device: this.#deviceOf(entry) });
    }
    return found;
  }

  /**
   * The requests waiting for every enrollment, each with its account, oldest first; an enrollment that
   * cannot be reached is a failure beside the others' requests, never a reason to show none. `answered` lists
   * the enrollments whose service gave their list: what says a service was reachable just now.
   */
  async pending(): Promise<{
    requests: AccountRequest[];
    failures: AccountFailure[];
    answered: WalletAccount[];
  }> {
    const enrollments = await this.enrollments();
    const settled = await Promise.allSettled(enrollments.map(({ device }) => device.pending()));
    const requests: AccountRequest[] = [];
    const failures: AccountFailure[] = [];
    const answered: WalletAccount[] = [];
    settled.forEach((outcome, index) => {
      const account = enrollments[index]?.account;
      if (account === undefined) return;
      if (outcome.status === 'fulfilled') {
        answered.push(account);
        for (const request of outcome.value) requests.push({ account, request });
      } else failures.push({ account, error: outcome.reason });
    });
    requests.sort((a, b) => Date.parse(a.request.created_at) - Date.parse(b.request.created_at));
    return { requests, failures, answered };
  }

  /**
   * The history of every enrollment in one list, newest first: each enrollment's newest page (`limit`
   * requests, the service's default without it) merged with what it keeps, so answers made here show
   * offline too. An enrollment that cannot be reached lists what it kept and is a failure beside the
   * others. A request two enrollments of one service both see is listed once, for the one that answered it.
   * `cursors` says where each enrollment's history goes on (`olderHistory`).
   */
  async history(options: { limit?: number } = {}): Promise<HistoryListing> {
    const enrollments = await this.enrollments();
    const failures: AccountFailure[] = [];
    const cursors = new Map<string, string>();
    const lists = await Promise.all(
      enrollments.map(async ({ account, device }) => {
        try {
          const page = await device.history(options);
          if (page.next_cursor !== null) cursors.set(account.id, page.next_cursor);
        } catch (error) {
          failures.push({ account, error });
        }
        return (await device.storedHistory()).map((entry) => ({ account, entry }));
      }),
    );
    return { entries: mergeHistory(...lists), failures, cursors };
  }

  /**
   * The next page (`limit` requests) of each enrollment named in `cursors` (from `history` or the last
   * `olderHistory`), newest first: only the entries of those pages, to merge (`mergeHistory`) with what is
   * shown. An enrollment that cannot be reached keeps its cursor, so it can be asked again.
   */
  async olderHistory(cursors: HistoryCursors, options: { limit?: number } = {}): Promise<HistoryListing> {
    const enrollments = await this.enrollments();
    const failures: AccountFailure[] = [];
    const next = new Map<string, string>();
    const lists = await Promise.all(
      enrollments.map(async ({ account, device }) => {
        const cursor = cursors.get(account.id);
        if (cursor === undefined) return [];
        try {
          const page = await device.history({ ...options, cursor });
          if (page.next_cursor !== null) next.set(account.id, page.next_cursor);
          return page.entries.map((entry) => ({ account, entry }));
        } catch (error) {
          failures.push({ account, error });
          next.set(account.id, cursor);
          return [];
        }
      }),
    );
    return { entries: mergeHistory(...lists), failures, cursors: next };
  }

  /** Fetches each enrollment's accounts from its service (an app may have been added); offline, keeps them. */
  async refreshAccounts(): Promise<void> {
    const enrollments = await this.enrollments();
    await Promise.allSettled(enrollments.map(({ device }) => device.accounts()));
  }

  /** Every account's current codes at `now`, in the user's order; works offline. */
  async codes(now: number = this.#clock.now()): Promise<AccountCode[]> {
    const codes: AccountCode[] = [];
    for (const entry of (await this.#load()).entries) {
      const account = await this.#describe(entry);
      if (account === undefined) continue;
      if (entry.kind === 'totp') codes.push({ account, name: account.label, ...totpCode(entry.totp, now) });
      else {
        for (const { app_id, app_name, authy_id, totp } of await this.#deviceOf(entry).storedAccounts()) {
          codes.push({
            account,
            app: { app_id, app_name, authy_id },
            name: app_name,
            ...totpCode(totp, now),
          });
        }
      }
    }
    return codes;
  }

  /**
   * What a backup keeps of every account, in the user's order: a third-party account whole, an enrollment
   * as its service and apps only — never a key, a device id or an enrollment's TOTP seed.
   */
  async backupAccounts(): Promise<BackupAccount[]> {
    const accounts: BackupAccount[] = [];
    for (const entry of (await this.#load()).entries) {
      if (entry.kind === 'totp') {
        const { label, issuer, account_name, totp } = entry;
        accounts.push({ kind: 'totp', label, issuer, account_name, totp });
        continue;
      }
      const account = await this.#describe(entry);
      if (account?.kind !== 'countersign') continue;
      const apps = account.apps.map(({ app_id, app_name }) => ({ app_id, app_name }));
      accounts.push({ kind: 'countersign', label: entry.label, server: account.server, apps });
    }
    return accounts;
  }

  /**
   * Adds a backup's third-party accounts (read by `readBackup`) after the wallet's own, skipping any the
   * wallet already holds with the same issuer, name, secret and parameters, in one write. Enrollments cannot
   * be restored — their keys stayed on the lost device — so the result lists those whose apps no enrollment
   * here answers, to enroll again through the app's link or phone flow.
   */
  async restore(contents: BackupContents): Promise<RestoreResult> {
    let added: (Entry & { kind: 'totp' })[] = [];
    let duplicates = 0;
    await this.#update((entries) => {
      added = [];
      duplicates = 0;
      for (const account of contents.accounts) {
        if (account.kind !== 'totp') continue;
        if ([...entries, ...added].some((entry) => entry.kind === 'totp' && sameTotp(entry, account))) {
          duplicates += 1;
          continue;
        }
        const { label, issuer, account_name, totp } = account;
        added.push({ kind: 'totp', id: newId(), label, issuer, account_name, totp });
      }
      return [...entries, ...added];
    });
    const held = (await this.accounts()).flatMap((account) =>
      account.kind === 'countersign' ? account.apps.map((app) => ({ server: account.server, ...app })) : [],
    );
    const reenroll = contents.accounts.flatMap((account) => {
      if (account.kind !== 'countersign') return [];
      const missing = account.apps.filter(
        (app) => !held.some((h) => h.server === account.server && h.app_id === app.app_id),
      );
      return missing.length === 0 ? [] : [{ ...account, apps: missing }];
    });
    return { added: added.map(describeTotp), duplicates, reenroll };
  }

  /**
   * The stored list. A device record at the storage's root — a storage written when it held one device, or
   * by an older authenticator still open in another tab — is listed once, first, where it is.
   */
  async #load(): Promise<WalletRecord> {
    const stored = await this.#storage.get(WALLET);
    if (stored !== undefined && !isWalletRecord(stored)) {
      throw new TypeError('the device storage holds a damaged account list');
    }
    const record: WalletRecord = stored ?? { version: 1, entries: [] };
    const rootListed = record.entries.some((entry) => entry.kind === 'countersign' && entry.scope === null);
    if (rootListed || (await this.#storage.get(ROOT_DEVICE)) === undefined) return record;
    const migrated: WalletRecord = {
      version: 1,
      entries: [{ kind: 'countersign', id: newId(), label: null, scope: null }, ...record.entries],
    };
    await this.#storage.set(WALLET, migrated);
    return migrated;
  }

  async #update(change: (entries: Entry[]) => Entry[]): Promise<void> {
    const record = await this.#load();
    await this.#storage.set(WALLET, { version: 1, entries: change(record.entries) });
  }

  async #describe(entry: Entry): Promise<WalletAccount | undefined> {
    if (entry.kind === 'totp') return describeTotp(entry);
    const device = this.#deviceOf(entry);
    const enrolled = await device.enrollment();
    if (enrolled === undefined) return undefined;
    const apps = (await device.storedAccounts()).map(({ app_id, app_name, authy_id }) => ({
      app_id,
      app_name,
      authy_id,
    }));
    const fallback =
      [...new Set(apps.map((app) => app.app_name))].join(', ') || new URL(enrolled.server).host;
    return {
      kind: 'countersign',
      id: entry.id,
      label: entry.label ?? fallback,
      renamed: entry.label !== null,
      server: enrolled.server,
      device_id: enrolled.device_id,
      apps,
    };
  }

  #scopeStorage(entry: Entry & { kind: 'countersign' }): DeviceStorage {
    return entry.scope === null ? this.#storage : this.#storage.scope(entry.scope);
  }

  #deviceOf(entry: Entry & { kind: 'countersign' }): Device {
    return this.#devices.get(entry.id) ?? this.#device(entry.id, this.#scopeStorage(entry));
  }

  #device(id: string, storage: DeviceStorage): Device {
    const device = new Device({ ...this.#options, storage });
    this.#devices.set(id, device);
    return device;
  }
}

function describeTotp(entry: Entry & { kind: 'totp' }): WalletAccount {
  const fallback =
    entry.issuer === ''
      ? entry.account_name
      : entry.account_name === ''
        ? entry.issuer
        : `${entry.issuer} (${entry.account_name})`;
  return {
    kind: 'totp',
    id: entry.id,
    label: entry.label ?? fallback,
    renamed: entry.label !== null,
    issuer: entry.issuer,
    account_name: entry.account_name,
  };
}

/** Whether two third-party accounts make the same codes under the same names (labels aside). */
function sameTotp(a: TotpAccount, b: TotpAccount): boolean {
  const identity = ({ issuer, account_name, totp }: TotpAccount) =>
    utf8(canonicalJson([issuer, account_name, totp.secret, totp.algorithm, totp.digits, totp.period]));
  return sameBytes(identity(a), identity(b));
}

/** An account id: 40 random bits in hex, so ids never collide in one wallet and fit a scope name. */
function newId(): string {
  return randomHex(5);
}

/** Destroys what a scope holds of a device: its record and its key pair. */
async function forget(storage: DeviceStorage): Promise<void> {
  await storage.set(ROOT_DEVICE, undefined);
  await storage.setKeyPair(undefined);
}

function isWalletRecord(value: unknown): value is WalletRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'version' in value &&
    value.version === 1 &&
    'entries' in value &&
    Array.isArray(value.entries) &&
    value.entries.every(
      (entry: unknown) =>
        typeof entry === 'object' &&
        entry !== null &&
        'id' in entry &&
        typeof entry.id === 'string' &&
        'kind' in entry &&
        (entry.kind === 'countersign' || entry.kind === 'totp'),
    )
  );
}
