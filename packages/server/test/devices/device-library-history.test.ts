// `@countersign/device`'s history against the real service: `Device.history`, what it keeps for offline,
// `verifyReceipt` with WebCrypto on each check, and a wallet's history over its enrollments.
import {
  Device,
  type HistoryEntry,
  memoryStorage,
  type ReceiptKeySet,
  verifyReceipt,
  Wallet,
} from '@countersign/device';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let phone = 5_095_550_900;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function newApp(name: string): Promise<{ id: number; apiKey: string }> {
  return server.createApp({ name, userVerification: 'off' });
}

async function newUser(app: { apiKey: string }, cellphone = String(++phone)): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: `lh${cellphone}@example.com`, cellphone, country_code: '1' } },
  });
  return (response.body.user as { id: number }).id;
}

/** The app's enrollment link, pointed at where the harness listens. */
async function link(app: { apiKey: string }, userId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.apiKey,
  });
  const url = new URL((response.body.enrollment as { url: string }).url);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function createRequest(app: { apiKey: string }, userId: number, message: string): Promise<string> {
  const response = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
    key: app.apiKey,
    json: { message, details: { From: '203.0.113.9' }, hidden_details: { risk: 'low' } },
  });
  return (response.body.approval_request as { uuid: string }).uuid;
}

async function answerWith(device: Device, uuid: string, decision: 'approved' | 'denied'): Promise<void> {
  const request = (await device.pending()).find((r) => r.uuid === uuid);
  if (request === undefined) throw new Error(`${uuid} is not pending`);
  await device.answer(request, decision, decision === 'denied' ? { reason: 'not_me' } : {});
}

/** A fetch that can be cut, as a phone going offline. */
function switchableFetch(): { fetch: typeof fetch; offline: boolean } {
  const state = {
    offline: false,
    fetch: ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      if (state.offline) return Promise.reject(new TypeError('fetch failed'));
      return fetch(input, init);
    }) as typeof fetch,
  };
  return state;
}

/** The receipt with one character of its payload changed, still base64url. */
function tampered(receipt: string): string {
  const [header, payload, signature] = receipt.split('.') as [string, string, string];
  const at = Math.floor(payload.length / 2);
  const flipped = payload[at] === 'A' ? 'B' : 'A';
  return `${header}.${payload.slice(0, at)}${flipped}${payload.slice(at + 1)}.${signature}`;
}

describe('Device.history', () => {
  it('lists this device’s and its sibling’s answers with receipts that verify on the device', async () => {
    const app = await newApp('Library History Bank');
    const userId = await newUser(app);
    const firstStorage = memoryStorage();
    const first = new Device({ storage: firstStorage, name: 'First', platform: 'web' });
    const second = new Device({ storage: memoryStorage(), name: 'Second', platform: 'web' });
    await first.enrollWithLink(await link(app, userId));
    await second.enrollWithLink(await link(app, userId));
    const approved = await createRequest(app, userId, 'Sign in');
    await answerWith(first, approved, 'approved');

    // Kept at once, before the service is asked: the answer, without its receipt yet.
    const [kept] = await first.storedHistory();
    expect(kept).toMatchObject({
      uuid: approved,
      status: 'approved',
      reason: null,
      answered_by: { name: 'First', current: true },
      receipt: null,
    });

    const page = await second.history();
    expect(page.next_cursor).toBeNull();
    const [entry] = page.entries;
    expect(entry).toMatchObject({
      uuid: approved,
      app_name: 'Library History Bank',
      message: 'Sign in',
      details: { From: '203.0.113.9' },
      answered_by: { name: 'First', current: false },
    });
    const keys = await second.receiptKeys();
    const checked = await second.verifyReceipt(entry as HistoryEntry, keys);
    expect(checked).toMatchObject({ valid: true, claims: { sub: approved, status: 'approved' } });

    // The answering device checks that the receipt names its own key; the service's entry replaced its own.
    const [own] = (await first.history()).entries;
    expect(own?.receipt).toBe(entry?.receipt);
    expect((await first.storedHistory())[0]?.receipt).toBe(entry?.receipt);
    expect(await first.verifyReceipt(own as HistoryEntry, await first.receiptKeys())).toMatchObject({
      valid: true,
    });
    // Kept 90 days: the same storage opened 91 days later keeps nothing to show.
    const later = new Device({
      storage: firstStorage,
      name: 'First',
      platform: 'web',
      clock: { now: () => Date.now() + 91 * 24 * 60 * 60_000 },
    });
    expect(await later.storedHistory()).toEqual([]);
    // Claimed as its own by a device whose key did not sign it: refused.
    const claimed = { ...(entry as HistoryEntry), answered_by: { ...own?.answered_by, current: true } };
    expect(await second.verifyReceipt(claimed as HistoryEntry, keys)).toEqual({
      valid: false,
      problem: 'another_key',
    });
  });

  it('says which check a bad receipt fails', async () => {
    const app = await newApp('Tamper Bank');
    const userId = await newUser(app);
    const device = new Device({ storage: memoryStorage(), name: 'Phone', platform: 'web' });
    await device.enrollWithLink(await link(app, userId));
    await answerWith(device, await createRequest(app, userId, 'Pay $20'), 'denied');
    const [entry] = (await device.history()).entries as [HistoryEntry];
    const keys = await device.receiptKeys();
    const receipt = entry.receipt as string;
    const expected = {
      uuid: entry.uuid,
      app_id: entry.app_id,
      status: 'denied' as const,
      reason: 'not_me',
      displayed: entry,
    };
    expect(await verifyReceipt(receipt, keys, expected)).toMatchObject({ valid: true });
    const refused = async (r: string, k: ReceiptKeySet, e: typeof expected) =>
      ((await verifyReceipt(r, k, e)) as { problem?: string }).problem;
    expect(await refused(tampered(receipt), keys, expected)).toBe('service_signature');
    expect(await refused('not.a-receipt', keys, expected)).toBe('malformed');
    expect(await refused(receipt, { keys: [] }, expected)).toBe('unknown_key');
    // The text listed is not the text the device signed.
    const shownOther = { ...entry, details: { From: '198.51.100.7' } };
    expect(await refused(receipt, keys, { ...expected, displayed: shownOther })).toBe('display_mismatch');
    expect(await refused(receipt, keys, { ...expected, status: 'denied', reason: 'denied' })).toBe(
      'another_request',
    );
    expect(await refused(receipt, keys, { ...expected, uuid: crypto.randomUUID() })).toBe('another_request');

    // A service key that signs an answer the device did not: the device's signature inside fails.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const [, payload] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedAnswer = { ...(claims.answer as Record<string, unknown>), signed_at: 1 };
    const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...claims, answer: forgedAnswer })))
      .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'countersign-receipt+jwt' })
      .sign(privateKey);
    const forgedKeys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] } as ReceiptKeySet;
    expect(await refused(forged, forgedKeys, expected)).toBe('device_signature');
  });
});

describe('Wallet.history', () => {
  it('lists every enrollment’s requests with their account, and what it kept when offline', async () => {
    const bank = await newApp('Wallet Bank');
    const shop = await newApp('Wallet Shop');
    const number = String(++phone);
    const userId = await newUser(bank, number);
    await newUser(shop, number);
    const network = switchableFetch();
    const wallet = new Wallet({
      storage: memoryStorage(),
      name: 'Phone',
      platform: 'web',
      fetch: network.fetch,
    });
    const { account: bankAccount } = await wallet.enrollWithLink(await link(bank, userId));
    const { account: shopAccount } = await wallet.enrollWithLink(await link(shop, userId));
    const fromBank = await createRequest(bank, userId, 'Bank sign-in');
    await answerWith(await wallet.device(bankAccount.id), fromBank, 'approved');
    const fromShop = await createRequest(shop, userId, 'Shop sign-in');
    await answerWith(await wallet.device(shopAccount.id), fromShop, 'denied');

    const online = await wallet.history();
    expect(online.failures).toEqual([]);
    expect(
      online.entries.map(({ account, entry }) => [account.id, entry.uuid, entry.receipt !== null]),
    ).toEqual([
      [shopAccount.id, fromShop, true],
      [bankAccount.id, fromBank, true],
    ]);

    // Checking a receipt online keeps the service's keys.
    const device = await wallet.device(bankAccount.id);
    const bankEntry = online.entries.find(({ entry }) => entry.uuid === fromBank)?.entry as HistoryEntry;
    expect(await device.verifyReceipt(bankEntry, await device.receiptKeys())).toMatchObject({ valid: true });

    network.offline = true;
    const offline = await wallet.history();
    expect(offline.failures.map((f) => f.account.id).sort()).toEqual([bankAccount.id, shopAccount.id].sort());
    expect(offline.entries).toEqual(online.entries);
    // The keys were kept: receipts still verify offline.
    expect(await device.verifyReceipt(bankEntry, await device.receiptKeys())).toMatchObject({ valid: true });
  });
  it('pages on through each enrollment’s cursor: olderHistory lists only the older pages, and keeps a cursor it could not follow', async () => {
    const bank = await newApp('Paging Bank');
    const shop = await newApp('Paging Shop');
    const number = String(++phone);
    const userId = await newUser(bank, number);
    await newUser(shop, number);
    const network = switchableFetch();
    const wallet = new Wallet({
      storage: memoryStorage(),
      name: 'Phone',
      platform: 'web',
      fetch: network.fetch,
    });
    const { account: bankAccount } = await wallet.enrollWithLink(await link(bank, userId));
    const { account: shopAccount } = await wallet.enrollWithLink(await link(shop, userId));
    const fromBank: string[] = [];
    for (const message of ['Bank 1', 'Bank 2', 'Bank 3']) {
      const uuid = await createRequest(bank, userId, message);
      await answerWith(await wallet.device(bankAccount.id), uuid, 'approved');
      fromBank.push(uuid);
    }
    const fromShop = await createRequest(shop, userId, 'Shop 1');
    await answerWith(await wallet.device(shopAccount.id), fromShop, 'denied');

    // Two a page: the shop's one request fits, the bank has one more.
    const first = await wallet.history({ limit: 2 });
    expect(first.failures).toEqual([]);
    expect([...first.cursors.keys()]).toEqual([bankAccount.id]);

    network.offline = true;
    const cut = await wallet.olderHistory(first.cursors, { limit: 2 });
    expect(cut.entries).toEqual([]);
    expect(cut.failures.map(({ account }) => account.id)).toEqual([bankAccount.id]);
    expect(cut.cursors).toEqual(first.cursors);

    network.offline = false;
    const older = await wallet.olderHistory(cut.cursors, { limit: 2 });
    expect(older.failures).toEqual([]);
    expect(
      older.entries.map(({ account, entry }) => [account.id, entry.uuid, entry.receipt !== null]),
    ).toEqual([[bankAccount.id, fromBank[0], true]]);
    expect(older.cursors.size).toBe(0);
  });
});
