import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@countersign/protocol';
import { argon2id } from 'hash-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appsOnlyHere,
  createBackup,
  DeviceError,
  type DeviceErrorCode,
  type DeviceStorage,
  memoryStorage,
  parseOtpauthUri,
  readBackup,
  Wallet,
} from '../src/index.js';
import { folderStorage } from '../src/node/index.js';
import { ACCOUNT, type FakeService, fakeService } from './support/fake-service.js';

const NOW = 1_764_158_400_000;
const clock = { now: () => NOW };
const PASSPHRASE = 'correct horse battery staple';
const MAIL =
  'otpauth://totp/Example%20Mail:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Example%20Mail&algorithm=SHA256&digits=8&period=60';
const FORGE = 'otpauth://totp/Forge:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge';

let folders: string[] = [];
afterEach(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders = [];
});

function wallet(storage: DeviceStorage, service: FakeService): Wallet {
  return new Wallet({ storage, name: 'Test', platform: 'cli', clock, fetch: service.fetch });
}

const link = (service: FakeService) => `${service.origin}/authenticator/#enroll=${service.token}`;

/** A wallet kept in a folder (so its private key is a JWK file there), enrolled once, with two TOTP accounts. */
async function fullWallet(service: FakeService): Promise<{ wallet: Wallet; folder: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'countersign-backup-'));
  folders.push(folder);
  const full = wallet(folderStorage(folder), service);
  await full.enrollWithLink(link(service));
  const mail = await full.addTotp(parseOtpauthUri(MAIL));
  await full.addTotp(parseOtpauthUri(FORGE));
  await full.rename(mail.id, 'Work mail');
  return { wallet: full, folder };
}

async function refusal(promise: Promise<unknown>): Promise<DeviceErrorCode> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(DeviceError);
  return (caught as DeviceError).code;
}

/** A backup file's JSON, loosely: a test changes it at will. */
type FileJson = Record<string, unknown> & {
  kdf: Record<string, unknown>;
  cipher: Record<string, unknown>;
  check: string;
  ciphertext: string;
};

/** The file with one field changed as `change` says. */
function changed(file: string, change: (parsed: FileJson) => void): string {
  const parsed = JSON.parse(file) as FileJson;
  change(parsed);
  return JSON.stringify(parsed);
}

/** Flips one bit of a B64U value. */
function flipped(value: unknown): string {
  const bytes = Buffer.from(String(value), 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64url');
}

/** The file's plaintext, decrypted here by node:crypto from the format as documented, not by the library. */
async function plaintextOf(file: string, passphrase: string): Promise<string> {
  const { ciphertext, ...header } = JSON.parse(file) as FileJson;
  const kdf = header.kdf as { salt: string; iterations: number; memory_kib: number };
  const derived = await argon2id({
    password: passphrase,
    salt: Buffer.from(kdf.salt, 'base64url'),
    parallelism: 1,
    iterations: kdf.iterations,
    memorySize: kdf.memory_kib,
    hashLength: 64,
    outputType: 'binary',
  });
  expect(Buffer.from(derived.slice(32)).toString('base64url')).toBe(header.check);
  const sealed = Buffer.from(ciphertext, 'base64url');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    derived.slice(0, 32),
    Buffer.from(String(header.cipher.iv), 'base64url'),
  );
  decipher.setAAD(Buffer.from(canonicalJson(header)));
  decipher.setAuthTag(sealed.subarray(-16));
  return Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]).toString('utf8');
}

describe('encrypted backups', () => {
  it('restore third-party accounts with their names and codes in a fresh wallet, and list the enrollment to make again', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const file = await createBackup(original, PASSPHRASE, { clock });

    const header = JSON.parse(file) as FileJson;
    expect(Object.keys(header).sort()).toEqual(['check', 'cipher', 'ciphertext', 'format', 'kdf', 'version']);
    expect(header).toMatchObject({
      format: 'countersign-backup',
      version: 1,
      kdf: { name: 'argon2id', memory_kib: 65_536, iterations: 3, parallelism: 1 },
      cipher: { name: 'AES-256-GCM' },
    });

    const fresh = wallet(memoryStorage(), fakeService(clock.now, 'https://other.example.com'));
    const result = await fresh.restore(await readBackup(file, PASSPHRASE));
    expect(result.duplicates).toBe(0);
    expect(result.added.map((account) => account.label)).toEqual(['Work mail', 'Forge (ada)']);
    expect(result.reenroll).toEqual([
      {
        kind: 'countersign',
        label: null,
        server: service.origin,
        apps: [{ app_id: ACCOUNT.app_id, app_name: ACCOUNT.app_name }],
      },
    ]);
    const codesOf = async (w: Wallet) =>
      (await w.codes())
        .filter(({ account }) => account.kind === 'totp')
        .map(({ name, code }) => [name, code]);
    expect(await codesOf(fresh)).toEqual(await codesOf(original));
    expect(await codesOf(fresh)).toHaveLength(2);
  });

  it('hold no private key, device id or enrollment seed: the plaintext, decrypted independently, names only apps', async () => {
    const service = fakeService(clock.now);
    const { wallet: original, folder } = await fullWallet(service);
    const [enrolled] = await original.accounts();
    const deviceId = enrolled?.kind === 'countersign' ? enrolled.device_id : '';
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
    const file = await createBackup(original, PASSPHRASE, { clock });
    const plaintext = await plaintextOf(file, PASSPHRASE);

    // The private key is on disk in this folder (a CLI's state): none of it is in the backup.
    const keyFiles = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) =>
      name.endsWith('.jwk'),
    );
    const secrets = keyFiles.flatMap((name) => {
      const jwk = JSON.parse(readFileSync(join(folder, name), 'utf8')) as Record<string, string>;
      return Object.values(jwk).filter((value) => value.length > 20);
    });
    expect(secrets.length).toBeGreaterThan(0);
    for (const text of [file, plaintext]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"d"\s*:/);
      expect(text).not.toContain(ACCOUNT.totp.secret);
      expect(text).not.toContain(deviceId);
    }
    expect(JSON.parse(plaintext)).toEqual({
      created_at: new Date(NOW).toISOString(),
      accounts: [
        {
          kind: 'countersign',
          label: null,
          server: service.origin,
          apps: [{ app_id: ACCOUNT.app_id, app_name: ACCOUNT.app_name }],
        },
        {
          kind: 'totp',
          label: 'Work mail',
          issuer: 'Example Mail',
          account_name: 'ada@example.com',
          totp: {
            secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA',
            algorithm: 'SHA256',
            digits: 8,
            period: 60,
          },
        },
        {
          kind: 'totp',
          label: null,
          issuer: 'Forge',
          account_name: 'ada',
          totp: { secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', algorithm: 'SHA1', digits: 6, period: 30 },
        },
      ],
    });
  });

  it('refuse a wrong passphrase with backup_wrong_passphrase, and a short one for a new backup', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const file = await createBackup(original, PASSPHRASE, { clock });
    expect(await refusal(readBackup(file, 'correct horse battery stapler'))).toBe('backup_wrong_passphrase');
    expect(await refusal(readBackup(file, ''))).toBe('backup_wrong_passphrase');
    expect(await refusal(createBackup(original, 'nine char'))).toBe('backup_passphrase_too_short');
    expect(await refusal(createBackup(original, 'x'.repeat(1025)))).toBe('backup_passphrase_too_long');
    // Typed decomposed on one system, composed on another: the same passphrase (NFC).
    const decomposed = await createBackup(original, 'cafe\u0301-12345', { clock });
    await expect(readBackup(decomposed, 'caf\u00e9-12345')).resolves.toMatchObject({
      accounts: expect.any(Array),
    });
    // Nine characters as a person counts them, though ten UTF-16 units.
    expect(await refusal(createBackup(original, 'cafe\u0301-123'))).toBe('backup_passphrase_too_short');
  });

  it('refuse a changed header, a changed or cut ciphertext, and what is not a backup, each with its code', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const file = await createBackup(original, PASSPHRASE, { clock });
    const read = (text: string) => refusal(readBackup(text, PASSPHRASE));

    // The IV and the check are authenticated: the passphrase is right, the file is not.
    expect(await read(changed(file, (f) => (f.cipher.iv = flipped(f.cipher.iv))))).toBe('backup_unreadable');
    expect(await read(changed(file, (f) => (f.ciphertext = flipped(f.ciphertext))))).toBe(
      'backup_unreadable',
    );
    expect(await read(changed(file, (f) => (f.ciphertext = f.ciphertext.slice(0, -8))))).toBe(
      'backup_unreadable',
    );
    // Changed key settings make another key: indistinguishable from another passphrase.
    expect(await read(changed(file, (f) => (f.kdf.iterations = 4)))).toBe('backup_wrong_passphrase');
    expect(await read(changed(file, (f) => (f.kdf.salt = flipped(f.kdf.salt))))).toBe(
      'backup_wrong_passphrase',
    );
    expect(await read(changed(file, (f) => (f.check = flipped(f.check))))).toBe('backup_wrong_passphrase');

    expect(await read(file.slice(0, file.length / 2))).toBe('backup_unreadable');
    expect(await read('')).toBe('backup_unreadable');
    expect(await read('{"format":"something-else"}')).toBe('backup_unreadable');
    expect(await read(changed(file, (f) => (f.extra = 1)))).toBe('backup_unreadable');
    expect(await read(changed(file, (f) => (f.cipher.iv = 'not base64!')))).toBe('backup_unreadable');
    expect(await read(changed(file, (f) => (f.cipher.name = 'AES-128-CBC')))).toBe('backup_unsupported');
    expect(await read(changed(file, (f) => (f.version = 2)))).toBe('backup_unsupported');
    expect(await read(`${' '.repeat(1_048_577)}`)).toBe('backup_unreadable');
  });

  it('refuse key settings outside the bounds before hashing: 1 KiB, 4 GiB, one pass, a thousand passes, four lanes', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const file = await createBackup(original, PASSPHRASE, { clock });
    const read = (change: (f: FileJson) => void) => refusal(readBackup(changed(file, change), PASSPHRASE));
    expect(await read((f) => (f.kdf.memory_kib = 1))).toBe('backup_unsupported');
    expect(await read((f) => (f.kdf.memory_kib = 4 * 1024 * 1024))).toBe('backup_unsupported');
    expect(await read((f) => (f.kdf.memory_kib = 65_536.5))).toBe('backup_unreadable');
    expect(await read((f) => (f.kdf.iterations = 1))).toBe('backup_unsupported');
    expect(await read((f) => (f.kdf.iterations = 1000))).toBe('backup_unsupported');
    expect(await read((f) => (f.kdf.parallelism = 4))).toBe('backup_unsupported');
    expect(await read((f) => (f.kdf.name = 'pbkdf2'))).toBe('backup_unsupported');
  });

  it('skip third-party accounts the wallet already holds, and enrollments whose apps it already answers', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const file = await createBackup(original, PASSPHRASE, { clock });

    const fresh = wallet(memoryStorage(), service);
    await fresh.enrollWithLink(link(service));
    await fresh.addTotp(parseOtpauthUri(FORGE));
    const first = await fresh.restore(await readBackup(file, PASSPHRASE));
    expect(first.added.map((account) => account.label)).toEqual(['Work mail']);
    expect(first.duplicates).toBe(1);
    expect(first.reenroll).toEqual([]);
    const again = await fresh.restore(await readBackup(file, PASSPHRASE));
    expect(again).toEqual({ added: [], duplicates: 2, reenroll: [] });
    expect((await fresh.accounts()).map((account) => account.label)).toEqual([
      'Countersign Bank',
      'Forge (ada)',
      'Work mail',
    ]);
  });

  it('name the apps only this wallet answers, until another device answers them too', async () => {
    const service = fakeService(clock.now);
    const { wallet: original } = await fullWallet(service);
    const alone = await appsOnlyHere(original);
    expect(alone.failures).toEqual([]);
    expect(alone.apps.map(({ app }) => app.app_name)).toEqual([ACCOUNT.app_name]);

    // A second enrollment in the same wallet is lost with it: still only here.
    await original.enrollWithLink(link(service));
    expect((await appsOnlyHere(original)).apps.map(({ app }) => app.app_name)).toEqual([ACCOUNT.app_name]);

    await wallet(memoryStorage(), service).enrollWithLink(link(service));
    expect(await appsOnlyHere(original)).toEqual({ apps: [], failures: [] });

    service.failNext = { status: 503, message: 'Unavailable' };
    const unreachable = await appsOnlyHere(original);
    expect(unreachable.apps).toEqual([]);
    expect(unreachable.failures).toHaveLength(1);
  });
});
