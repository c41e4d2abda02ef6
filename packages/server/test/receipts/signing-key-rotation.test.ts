/**
 * Rotating the receipt signing key (issue 21, item 3), on SQLite and PostgreSQL alike: a new key signs at once
 * on every instance, the key before stays published for its overlap so that receipts it signed still verify
 * with the SDK and the device core, then leaves the key set; `audit verify` still proves heads it signed.
 */
import { CountersignError, verifyReceipt } from '@countersign/client';
import { verifyReceipt as verifyOnDevice } from '@countersign/device';
import {
  CompactSign,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveServiceKeys } from '../../src/crypto/master-key.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { openDatabase } from '../../src/db/database.js';
import { MetaRepository } from '../../src/db/meta.repository.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createMemoryEventBus } from '../../src/events/event-bus.js';
import { systemClock } from '../../src/lib/clock.js';
import { type Rotation, SigningKeyRepository } from '../../src/receipts/signing-key.repository.js';
import { SigningKeys } from '../../src/receipts/signing-keys.js';
import { answer, type SdkSetup, setUp } from '../sdk/sdk-support.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { createTestDatabase, openTestStore, type TestDatabase } from '../support/test-database.js';

const MASTER_KEY = 'a'.repeat(32) + 'b'.repeat(32);
const DAY_MS = 86_400_000;
const box = createSecretBox(deriveServiceKeys(Buffer.from(MASTER_KEY, 'hex')).encryption);

const APP_NAME = 'Rotation Bank';
const MESSAGE = 'Transfer money to bob@example.com';
const DETAILS = { From: 'Checking', 'US Dollar Amount': '500' };

let servers: TestServer[] = [];
let database: TestDatabase | undefined;

afterEach(async () => {
  for (const server of servers) await server.close();
  servers = [];
  await database?.drop();
  database = undefined;
});

/**
 * An instance on `shared` (a database of several instances), or on a fresh one. Its clock starts at the real
 * time, so that devices' signed requests are on time; a test moves it past an overlap once they are done.
 */
async function start(
  options: { shared?: TestDatabase; clock?: TestClock } = {},
): Promise<TestServer & { clock: TestClock }> {
  const clock = options.clock ?? testClock(Date.now());
  const server = await startTestServer({
    clock,
    expirySweepMs: 0,
    ...(options.shared !== undefined && { database: options.shared }),
  });
  servers.push(server);
  return Object.assign(server, { clock });
}

const envOf = (server: TestServer) => ({
  PATH: process.env.PATH ?? '',
  DATABASE_URL: server.config.databaseUrl,
  COUNTERSIGN_MASTER_KEY: MASTER_KEY,
  HOST: '127.0.0.1',
});

/** `countersign signing-key rotate …` on its own connection, as an operator runs it beside the service. */
async function rotate(server: TestServer, ...args: string[]) {
  const result = await runCli(['signing-key', 'rotate', ...args, '--json'], envOf(server));
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    active: { kid: string; created_at: string; state: string; retire_at: null };
    previous: { kid: string; state: string; retire_at: string };
  };
}

/** A request of `s`'s user, answered by its device through `via`: its receipt. */
async function receiptVia(via: TestServer, s: SdkSetup): Promise<{ uuid: string; receipt: string }> {
  const { uuid } = await s.client.createApprovalRequest(s.userId, { message: MESSAGE, details: DETAILS });
  await answer(via, s.device, uuid, 'approved');
  const { receipt } = await s.client.getApprovalRequest(uuid);
  if (receipt === undefined) throw new Error('no receipt');
  return { uuid, receipt };
}

const kidOf = (jws: string) =>
  (JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string }).kid;

async function jwksOf(server: TestServer): Promise<JSONWebKeySet> {
  const response = await fetch(`${server.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

/** What the SDK says of a receipt under a key set: 'verified', or the error's code. */
async function sdkVerdict(receipt: string, jwks: JSONWebKeySet, uuid: string): Promise<string> {
  try {
    await verifyReceipt(receipt, {
      jwks,
      uuid,
      displayed: { appName: APP_NAME, message: MESSAGE, details: DETAILS },
    });
    return 'verified';
  } catch (error) {
    if (error instanceof CountersignError) return error.code;
    throw error;
  }
}

/** What the device core says of a receipt under a key set: 'verified', or its problem. */
async function deviceVerdict(
  receipt: string,
  jwks: JSONWebKeySet,
  s: SdkSetup,
  uuid: string,
): Promise<string> {
  const verdict = await verifyOnDevice(receipt, jwks as Parameters<typeof verifyOnDevice>[1], {
    uuid,
    app_id: s.appId,
    status: 'approved',
    reason: null,
    displayed: { app_name: APP_NAME, message: MESSAGE, details: DETAILS },
    device_id: s.device.id,
  });
  return verdict.valid ? 'verified' : verdict.problem;
}

describe('countersign signing-key rotate', () => {
  it('while the service runs: receipts from before and after both verify with the SDK and the device core against the JWKS, which lists the new key first', async () => {
    const server = await start();
    const s = await setUp(server, { name: APP_NAME });
    const before = await receiptVia(server, s);
    const [oldKid] = (await jwksOf(server)).keys.map((k) => k.kid);
    expect(kidOf(before.receipt)).toBe(oldKid);

    const rotated = await rotate(server);
    expect(rotated.previous).toMatchObject({ kid: oldKid, state: 'published' });
    expect(rotated.active).toMatchObject({ state: 'active', retire_at: null });
    expect(rotated.active.kid).not.toBe(oldKid);

    const after = await receiptVia(server, s);
    expect(kidOf(after.receipt)).toBe(rotated.active.kid);
    const jwks = await jwksOf(server);
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.active.kid, oldKid]);
    // Published as before: the public half only, with its use.
    for (const key of jwks.keys)
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);

    for (const { uuid, receipt } of [before, after]) {
      expect(await sdkVerdict(receipt, jwks, uuid)).toBe('verified');
      expect(await deviceVerdict(receipt, jwks, s, uuid)).toBe('verified');
      // The client fetching the key set, as an app does.
      await expect(s.client.verifyReceipt(receipt, { uuid })).resolves.toMatchObject({ sub: uuid });
    }
  });

  it('the old key leaves the JWKS exactly when its overlap ends (injected clock); receipts it signed then no longer verify, and the list says retired', async () => {
    const server = await start();
    const s = await setUp(server, { name: APP_NAME });
    const before = await receiptVia(server, s);
    const oldKid = kidOf(before.receipt);
    const rotated = await rotate(server, '--overlap-days', '7');
    const retireAt = Date.parse(rotated.previous.retire_at);
    // The overlap asked for, from the moment the new key was made (on the command line's own clock).
    expect(retireAt - Date.parse(rotated.active.created_at)).toBe(7 * DAY_MS);
    const after = await receiptVia(server, s);

    server.clock.set(retireAt - 1);
    expect((await jwksOf(server)).keys.map((k) => k.kid)).toEqual([rotated.active.kid, oldKid]);
    expect((await server.app.services.receipts.list()).map((k) => [k.kid, k.state, k.retireAt])).toEqual([
      [rotated.active.kid, 'active', null],
      [oldKid, 'published', retireAt],
    ]);

    server.clock.set(retireAt);
    const jwks = await jwksOf(server);
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.active.kid]);
    expect(await sdkVerdict(before.receipt, jwks, before.uuid)).toBe('receipt_signature_invalid');
    expect(await deviceVerdict(before.receipt, jwks, s, before.uuid)).toBe('unknown_key');
    expect(await sdkVerdict(after.receipt, jwks, after.uuid)).toBe('verified');
    expect(await deviceVerdict(after.receipt, jwks, s, after.uuid)).toBe('verified');
    expect((await server.app.services.receipts.list()).map((k) => [k.kid, k.state])).toEqual([
      [rotated.active.kid, 'active'],
      [oldKid, 'retired'],
    ]);
  });

  it('two instances on one database both sign with the new key once the rotation returns, from the command line or from one of them', async () => {
    database = await createTestDatabase();
    const a = await start({ shared: database });
    const b = await start({ shared: database });
    const s = await setUp(a, { name: APP_NAME });
    const first = kidOf((await receiptVia(a, s)).receipt);
    expect(kidOf((await receiptVia(b, s)).receipt)).toBe(first);

    // The command line: another connection, no bus (SQLite: the data version; PostgreSQL: it waits the bound).
    const rotated = await rotate(a);
    for (const via of [a, b, a, b])
      expect(kidOf((await receiptVia(via, s)).receipt)).toBe(rotated.active.kid);
    for (const via of [a, b]) {
      expect((await jwksOf(via)).keys.map((k) => k.kid)).toEqual([rotated.active.kid, first]);
    }

    // Through instance A's services: announced on its bus.
    const again = await a.app.services.receipts.rotate(DAY_MS);
    expect(again.previous.kid).toBe(rotated.active.kid);
    for (const via of [b, a]) expect(kidOf((await receiptVia(via, s)).receipt)).toBe(again.active.kid);
    expect((await jwksOf(b)).keys.map((k) => k.kid)).toEqual([again.active.kid, rotated.active.kid, first]);
  });

  it('of two rotations from one signing key exactly one wins, however they interleave; the other changes nothing and says why', async () => {
    const t = await openTestStore();
    try {
      const store = t.store.announcing(createMemoryEventBus().announcer);
      const repository = new SigningKeyRepository(store);
      const load = (keys: SigningKeyRepository) =>
        SigningKeys.load({
          repository: keys,
          kept: new MetaRepository(store),
          box,
          clock: systemClock,
          ttlMs: undefined,
        });
      const other = await load(repository);
      // A rotation that read the keys, and another one that commits before it writes.
      const late = await load(
        new (class extends SigningKeyRepository {
          override async rotate(rotation: Rotation): Promise<boolean> {
            await other.rotate(DAY_MS);
            return super.rotate(rotation);
          }
        })(store),
      );
      await expect(late.rotate(DAY_MS)).rejects.toThrow(
        'another rotation changed the signing key meanwhile: list the keys, then decide',
      );
      const rows = await repository.all();
      expect(rows.map((r) => [r.generation, r.retire_at === null])).toEqual([
        [2, true],
        [1, false],
      ]);

      // The one conditional statement, twice at once from the same signing key.
      const won = await Promise.all(
        ['k-a', 'k-b'].map((kid) =>
          repository.rotate({
            from: 2,
            retireAt: 5,
            retiredKeyCt: rows[0]?.key_ct ?? '',
            next: { kid, generation: 3, key_ct: `sealed:${kid}`, created_at: 2 },
          }),
        ),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = won[0] === true ? 'k-a' : 'k-b';
      expect((await repository.all()).map((r) => [r.kid, r.generation, r.retire_at])).toEqual([
        [winner, 3, null],
        [rows[0]?.kid, 2, 5],
        [rows[1]?.kid, 1, rows[1]?.retire_at],
      ]);
    } finally {
      await t.close();
    }
  });

  it("erases the old key's private half in the rotation, keeps every public half sealed, and is audited with the kids only", async () => {
    const server = await start();
    const [oldKid] = (await jwksOf(server)).keys.map((k) => k.kid) as [string];
    const sealedBefore = await server.db
      .selectFrom('signing_keys')
      .select('key_ct')
      .where('kid', '=', oldKid)
      .executeTakeFirstOrThrow();
    const oldPrivate = JSON.parse(box.open(sealedBefore.key_ct, `signing_keys.key_ct:${oldKid}`)) as JWK;
    expect(typeof oldPrivate.d).toBe('string');

    const rotated = await rotate(server, '--overlap-days', '30');
    const rows = await server.db.selectFrom('signing_keys').selectAll().orderBy('generation').execute();
    const opened = rows.map(
      (row) => JSON.parse(box.open(row.key_ct, `signing_keys.key_ct:${row.kid}`)) as JWK,
    );
    expect(rows.map((r) => r.kid)).toEqual([oldKid, rotated.active.kid]);
    // The key that no longer signs keeps only its public half; the signing one its private key.
    expect(Object.keys(opened[0] ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(typeof opened[1]?.d).toBe('string');
    for (const [i, row] of rows.entries()) {
      expect(row.key_ct).not.toContain(String(opened[i]?.x));
      expect(await calculateJwkThumbprint(opened[i] as JWK)).toBe(row.kid);
    }

    const listed = await runCli(['audit', 'list', '--json'], envOf(server));
    const [entry] = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^cli:.+/),
      from: 'cli',
      action: 'signing_key.rotate',
      target_type: 'signing_key',
      target_id: rotated.active.kid,
      before: { kid: oldKid },
      after: { kid: rotated.active.kid, overlap_days: 30, previous_retire_at: rotated.previous.retire_at },
    });
    const log = JSON.stringify(await server.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [oldPrivate.d, opened[1]?.d]) expect(log).not.toContain(String(secret));
  });

  it('--overlap-days 0 (a leaked key) takes the old key out of the JWKS at once', async () => {
    const server = await start();
    const rotated = await rotate(server, '--overlap-days', '0');
    expect(rotated.previous.state).toBe('retired');
    expect(Date.parse(rotated.previous.retire_at)).toBeLessThanOrEqual(Date.now());
    server.clock.set(Date.now());
    expect((await jwksOf(server)).keys.map((k) => k.kid)).toEqual([rotated.active.kid]);
  });

  it('refuses an overlap that is not 0 to 3650 days, and changes nothing', async () => {
    const server = await start();
    for (const days of ['-1', 'abc', '3651', '1.5', '01', '']) {
      const result = await runCli(['signing-key', 'rotate', '--overlap-days', days], envOf(server));
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `countersign: --overlap-days is a number of days from 0 to 3650, got "${days}"\n`,
      );
    }
    expect(await server.db.selectFrom('signing_keys').select('kid').execute()).toHaveLength(1);
  });
});

describe('how old the keys an instance signs with may be', () => {
  it('with an age bound (PostgreSQL), an instance signs with the keys it read until they are that old, then with the rotation; an announcement makes it read at once', async () => {
    const t = await openTestStore();
    try {
      let now = 0;
      // One connection, and a bus nobody listens to: only the bound (or `changed`) tells of a rotation.
      const store = t.store.announcing(createMemoryEventBus().announcer);
      const instance = (ttlMs: number) =>
        SigningKeys.load({
          repository: new SigningKeyRepository(store),
          kept: new MetaRepository(t.store),
          box,
          clock: systemClock,
          ttlMs,
          monotonic: () => now,
        });
      const a = await instance(1_000);
      const b = await instance(1_000);
      const first = kidOf(await a.sign({}));
      const rotated = await b.rotate(DAY_MS);
      now = 999;
      expect(kidOf(await a.sign({}))).toBe(first);
      expect((await a.jwks()).keys.map((k) => k.kid)).toEqual([first]);
      now = 1_000;
      expect(kidOf(await a.sign({}))).toBe(rotated.active.kid);
      expect((await a.jwks()).keys.map((k) => k.kid)).toEqual([rotated.active.kid, first]);

      const again = await b.rotate(DAY_MS);
      expect(kidOf(await a.sign({}))).toBe(rotated.active.kid);
      a.changed();
      expect(kidOf(await a.sign({}))).toBe(again.active.kid);
    } finally {
      await t.close();
    }
  });
});

describe('signing keys at rest', () => {
  it("a sealed key copied into another key's row does not open: answers and the JWKS fail closed, and the request stays pending", async () => {
    database = await createTestDatabase();
    const server = await start({ shared: database });
    const s = await setUp(server, { name: APP_NAME });
    await rotate(server);
    // What an attacker with write access to the database would try: the old row made to hold the signing
    // key's sealed private key. Written on a connection of its own, as another process would.
    const other = openDatabase(database.url);
    const rows = await other.db.selectFrom('signing_keys').selectAll().orderBy('generation').execute();
    await other.db
      .updateTable('signing_keys')
      .set({ key_ct: rows[1]?.key_ct ?? '' })
      .where('kid', '=', rows[0]?.kid ?? '')
      .execute();
    await other.destroy();
    // The instance reads its keys again, as on any announcement (SQLite's data version moved already).
    server.app.services.receipts.changed();

    const { uuid } = await s.client.createApprovalRequest(s.userId, { message: MESSAGE, details: DETAILS });
    await expect(answer(server, s.device, uuid, 'approved')).rejects.toThrow(
      /the answer was refused: .*60000/,
    );
    expect((await s.client.getApprovalRequest(uuid)).status).toBe('pending');
    const jwks = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(500);
    expect(await jwks.json()).toEqual({
      message: 'Internal server error',
      success: false,
      errors: { message: 'Internal server error' },
      error_code: '60000',
    });
  });
});

describe('countersign signing-key list', () => {
  it('shows every key with its kid, creation, state and retire time, the signing one first', async () => {
    const server = await start();
    const first = await rotate(server, '--overlap-days', '10');
    const second = await rotate(server, '--overlap-days', '20');
    const listed = await runCli(['signing-key', 'list', '--json'], envOf(server));
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(keys.map((k) => [k.kid, k.state, k.retire_at])).toEqual([
      [second.active.kid, 'active', null],
      [second.previous.kid, 'published', second.previous.retire_at],
      [first.previous.kid, 'published', first.previous.retire_at],
    ]);
    expect(second.previous.kid).toBe(first.active.kid);
    for (const key of keys) expect(key.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('audit verify across rotations', () => {
  it('proves heads signed by a key rotated out and retired, and still refuses a head signed by a key never kept', async () => {
    const server = await start();
    const { audit } = server.app.services;
    const record = () => audit.record({ actor: 'cli:alice', from: 'cli', action: 'app.update' });
    await record();
    const oldHead = await audit.signHead();
    const rotated = await rotate(server);
    await record();
    const newHead = await audit.signHead();
    expect([kidOf(oldHead?.jws ?? ''), kidOf(newHead?.jws ?? '')]).toEqual([
      rotated.previous.kid,
      rotated.active.kid,
    ]);
    // Past the overlap: the old key is no longer published, and its heads still verify.
    server.clock.set(Date.parse(rotated.previous.retire_at) + DAY_MS);
    expect((await jwksOf(server)).keys.map((k) => k.kid)).toEqual([rotated.active.kid]);
    const verified = await runCli(['audit', 'verify', '--json'], envOf(server));
    expect(verified.code, verified.stderr).toBe(0);
    // Two entries of the test and the rotation's own, all under heads.
    expect(JSON.parse(verified.stdout)).toEqual({ ok: true, entries: 3, lastSeq: 3, heads: 2 });
    expect(await audit.verify()).toEqual({ ok: true, entries: 3, lastSeq: 3, heads: 2 });

    // A head re-signed by a key the service never kept, with a kid of its own or the real key's, fails.
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const stranger = await exportJWK(privateKey);
    for (const kid of [await calculateJwkThumbprint(stranger), rotated.active.kid]) {
      const head = newHead as NonNullable<typeof newHead>;
      const payload = new TextEncoder().encode(
        JSON.stringify({ seq: head.seq, hash: head.hash, iat: Math.floor(head.signedAt / 1000) }),
      );
      const jws = await new CompactSign(payload)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'countersign-audit-head+jwt' })
        .sign(privateKey);
      await server.db.updateTable('audit_heads').set({ jws }).where('seq', '=', head.seq).execute();
      expect(await audit.verify()).toMatchObject({ ok: false, kind: 'head', seq: head.seq });
    }
  });
});

describe('a store from before rotation', () => {
  it('keeps the key it had in meta as its first key: same kid, receipts and heads it signed still verify, and the meta copy goes', async () => {
    database = await createTestDatabase();
    // The store as an older build left it: its one key sealed in meta, no signing keys.
    const store = openDatabase(database.url);
    await migrateToLatest(store);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
    await store.db
      .insertInto('meta')
      .values({
        key: 'receipt_signing_key',
        value: box.seal(JSON.stringify(jwk), 'meta.receipt_signing_key'),
      })
      .execute();
    await store.destroy();

    const server = await start({ shared: database });
    expect((await jwksOf(server)).keys.map((k) => k.kid)).toEqual([kid]);
    expect(
      await server.db.selectFrom('meta').select('key').where('key', '=', 'receipt_signing_key').execute(),
    ).toEqual([]);
    const rows = await server.db
      .selectFrom('signing_keys')
      .select(['kid', 'generation', 'retire_at'])
      .execute();
    expect(rows.map((r) => [r.kid, Number(r.generation), r.retire_at])).toEqual([[kid, 1, null]]);
    const s = await setUp(server, { name: APP_NAME });
    const { uuid, receipt } = await receiptVia(server, s);
    expect(kidOf(receipt)).toBe(kid);
    expect(await sdkVerdict(receipt, await jwksOf(server), uuid)).toBe('verified');
  });
});
