import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Device,
  DeviceError,
  type DeviceStorage,
  memoryStorage,
  type PendingRequest,
  parseOtpauthUri,
  totpCodes,
  Wallet,
} from '../src/index.js';
import { folderStorage } from '../src/node/index.js';
import { ACCOUNT, type FakeService, fakeService } from './support/fake-service.js';

const NOW = 1_764_158_400_000;
const clock = { now: () => NOW };

function request(uuid: string, createdAt: string): PendingRequest {
  return {
    uuid,
    app_id: 1,
    app_name: 'Countersign Bank',
    message: `Request ${uuid}`,
    details: {},
    created_at: createdAt,
    expires_at: null,
    number_match_required: false,
    user_verification: 'off',
    nonce: `nonce-${uuid}`,
  };
}

/** Two services on two origins, reached through one fetch. */
function twoServices(): { first: FakeService; second: FakeService; fetch: typeof fetch } {
  const first = fakeService(clock.now, 'https://first.example.com');
  const second = fakeService(clock.now, 'https://second.example.com');
  const fetch: typeof globalThis.fetch = (input, init) =>
    new URL(String(input)).origin === second.origin ? second.fetch(input, init) : first.fetch(input, init);
  return { first, second, fetch };
}

const link = (service: FakeService) => `${service.origin}/authenticator/#enroll=${service.token}`;

function wallet(storage: DeviceStorage, fetch: typeof globalThis.fetch): Wallet {
  return new Wallet({ storage, name: 'Test', platform: 'cli', clock, fetch });
}

let folders: string[] = [];
afterEach(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders = [];
});

describe('Wallet', () => {
  it('holds enrollments with two services, each under its own key, and lists their requests together', async () => {
    const { first, second, fetch } = twoServices();
    const accounts = wallet(memoryStorage(), fetch);
    const a = await accounts.enrollWithLink(link(first));
    const b = await accounts.enrollWithLink(link(second));

    const keyOf = (service: FakeService) => JSON.stringify([...service.devices.values()][0]);
    expect(keyOf(first)).not.toBe(keyOf(second));
    expect((await accounts.accounts()).map((account) => [account.id, account.label, account.kind])).toEqual([
      [a.account.id, 'Countersign Bank', 'countersign'],
      [b.account.id, 'Countersign Bank', 'countersign'],
    ]);
    expect(a.account.kind === 'countersign' && a.account.server).toBe(first.origin);

    first.requests.push(request('11111111-1111-4111-8111-111111111111', '2026-11-26T12:00:02.000Z'));
    second.requests.push(request('22222222-2222-4222-8222-222222222222', '2026-11-26T12:00:01.000Z'));
    const { requests, failures } = await accounts.pending();
    expect(failures).toEqual([]);
    expect(requests.map(({ account, request }) => [account.id, request.uuid])).toEqual([
      [b.account.id, '22222222-2222-4222-8222-222222222222'],
      [a.account.id, '11111111-1111-4111-8111-111111111111'],
    ]);

    // Each answer is signed by its own enrollment's key, which its own service verifies.
    const [toSecond, toFirst] = requests;
    await (await accounts.device(toFirst?.account.id ?? '')).answer(
      toFirst?.request as PendingRequest,
      'approved',
    );
    await (await accounts.device(toSecond?.account.id ?? '')).answer(
      toSecond?.request as PendingRequest,
      'denied',
    );
    expect(first.answers.map(({ document }) => document.decision)).toEqual(['approved']);
    expect(second.answers.map(({ document }) => document.decision)).toEqual(['denied']);
  });

  it('one unreachable service leaves the other’s requests listed, with a failure beside them', async () => {
    const { first, second, fetch } = twoServices();
    const accounts = wallet(memoryStorage(), fetch);
    await accounts.enrollWithLink(link(first));
    const b = await accounts.enrollWithLink(link(second));
    first.failNext = { status: 503, message: 'down' };
    second.requests.push(request('22222222-2222-4222-8222-222222222222', '2026-11-26T12:00:01.000Z'));
    const { requests, failures, answered } = await accounts.pending();
    expect(requests.map(({ account }) => account.id)).toEqual([b.account.id]);
    expect(failures.map(({ error }) => (error as DeviceError).code)).toEqual(['server_error']);
    // Only the service that gave its list answered: what the authenticator's "Online" is made of.
    expect(answered.map(({ id }) => id)).toEqual([b.account.id]);
  });

  it('a failed enrollment leaves no account and no key behind', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'countersign-wallet-'));
    folders.push(folder);
    const { first, fetch } = twoServices();
    const accounts = wallet(folderStorage(folder), fetch);
    await accounts.enrollWithLink(link(first));
    first.failNext = { status: 400, message: 'Invalid enrollment' };
    await expect(accounts.enrollWithLink(link(first))).rejects.toMatchObject({ code: 'bad_request' });
    expect(await accounts.accounts()).toHaveLength(1);
    const keys = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) =>
      name.endsWith('.jwk'),
    );
    expect(keys).toHaveLength(1);
  });

  it('opens a storage written with one device: the enrollment stays where it was, under the same key, and a new one gets its own', async () => {
    const { first, second, fetch } = twoServices();
    const storage = memoryStorage();
    const before = new Device({ storage, name: 'Test', platform: 'cli', clock, fetch });
    const { device_id } = await before.enrollWithLink(link(first));
    const oldKey = await storage.getKeyPair();

    const accounts = wallet(storage, fetch);
    const [migrated] = await accounts.accounts();
    expect(migrated).toMatchObject({
      kind: 'countersign',
      device_id,
      server: first.origin,
      label: 'Countersign Bank',
    });
    // Listed once, however often the wallet is opened.
    expect(await wallet(storage, fetch).accounts()).toEqual([migrated]);
    expect((await accounts.codes(NOW)).map(({ code }) => code)).toEqual(
      totpCodes([ACCOUNT], NOW).map(({ code }) => code),
    );
    first.requests.push(request('11111111-1111-4111-8111-111111111111', '2026-11-26T12:00:00.000Z'));
    expect((await accounts.pending()).requests).toHaveLength(1); // signed with the old key, which the service knows

    await accounts.enrollWithLink(link(second));
    expect(await storage.getKeyPair()).toBe(oldKey);
    expect(await accounts.accounts()).toHaveLength(2);
  });

  it('lists a device an older authenticator enrolled at the root after the list was written, first and once', async () => {
    const { first, second, fetch } = twoServices();
    const storage = memoryStorage();
    const accounts = wallet(storage, fetch);
    const totp = await accounts.addTotp(parseOtpauthUri('otpauth://totp/GitHub:ada?secret=JBSWY3DPEHPK3PXP'));
    const older = new Device({ storage, name: 'Test', platform: 'cli', clock, fetch });
    const { device_id } = await older.enrollWithLink(link(first));
    const listed = await accounts.accounts();
    expect(
      listed.map((account) => (account.kind === 'countersign' ? account.device_id : account.id)),
    ).toEqual([device_id, totp.id]);
    await accounts.enrollWithLink(link(second));
    expect((await accounts.accounts()).map(({ id }) => id).slice(0, 2)).toEqual(listed.map(({ id }) => id));
  });

  it('opens a --state folder written with one device, and keeps each new enrollment in a folder of its own', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'countersign-wallet-'));
    folders.push(folder);
    const { first, second, fetch } = twoServices();
    const before = new Device({
      storage: folderStorage(folder),
      name: 'Test',
      platform: 'cli',
      clock,
      fetch,
    });
    const { device_id } = await before.enrollWithLink(link(first));
    expect(readdirSync(folder).sort()).toEqual(['device-key.jwk', 'device.json']);

    const accounts = wallet(folderStorage(folder), fetch);
    expect(
      (await accounts.accounts()).map((account) => account.kind === 'countersign' && account.device_id),
    ).toEqual([device_id]);
    const added = await accounts.enrollWithLink(link(second));
    expect(readdirSync(folder).sort()).toEqual(['device-key.jwk', 'device.json', 'scopes', 'wallet.json']);
    expect(readdirSync(join(folder, 'scopes', `enrollment-${added.account.id}`)).sort()).toEqual([
      'device-key.jwk',
      'device.json',
    ]);
    // A fresh process reads both back, and each signs for itself.
    const again = wallet(folderStorage(folder), fetch);
    first.requests.push(request('11111111-1111-4111-8111-111111111111', '2026-11-26T12:00:00.000Z'));
    second.requests.push(request('22222222-2222-4222-8222-222222222222', '2026-11-26T12:00:01.000Z'));
    const { requests, failures } = await again.pending();
    expect(failures).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('adds third-party TOTP accounts; renames, reorders and removes accounts, warning of the last way to answer', async () => {
    const { first, second, fetch } = twoServices();
    const storage = memoryStorage();
    const accounts = wallet(storage, fetch);
    const bank = (await accounts.enrollWithLink(link(first))).account;
    const totp = await accounts.addTotp(
      parseOtpauthUri('otpauth://totp/GitHub:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8'),
    );
    expect(totp.label).toBe('GitHub (ada)');
    // RFC 6238's SHA-1 vector at T = 59 s.
    expect((await accounts.codes(59_000)).find(({ account }) => account.id === totp.id)?.code).toBe(
      '94287082',
    );

    await accounts.rename(totp.id, '  Work GitHub ');
    await accounts.move(totp.id, 0);
    const reopened = wallet(storage, fetch);
    expect((await reopened.accounts()).map(({ label, renamed }) => [label, renamed])).toEqual([
      ['Work GitHub', true],
      ['Countersign Bank', false],
    ]);
    await reopened.rename(totp.id, '');
    expect((await reopened.accounts())[0]?.label).toBe('GitHub (ada)');

    expect(await reopened.lastWayFor(bank.id)).toEqual(['Countersign Bank']);
    expect(await reopened.lastWayFor(totp.id)).toEqual(['GitHub (ada)']);
    // Another enrollment for the same service, app and user: removing either is not the last way.
    const other = (await reopened.enrollWithLink(`${first.origin}/authenticator/#enroll=${first.token}`))
      .account;
    expect(await reopened.lastWayFor(bank.id)).toEqual([]);
    await reopened.enrollWithLink(link(second));

    await reopened.remove(other.id);
    expect(first.devices.size).toBe(1); // revoked at the service
    expect(await reopened.lastWayFor(bank.id)).toEqual(['Countersign Bank']);
    await reopened.remove(totp.id);
    expect((await reopened.accounts()).map(({ id }) => id)).not.toContain(totp.id);
    await expect(reopened.remove(totp.id)).rejects.toMatchObject({ code: 'unknown_account' });
  });

  it('removing an enrollment the service already revoked still forgets it', async () => {
    const { first, fetch } = twoServices();
    const accounts = wallet(memoryStorage(), fetch);
    const { account } = await accounts.enrollWithLink(link(first));
    first.devices.clear();
    await accounts.remove(account.id);
    expect(await accounts.isEmpty()).toBe(true);
    await expect(accounts.device(account.id)).rejects.toBeInstanceOf(DeviceError);
  });
});
