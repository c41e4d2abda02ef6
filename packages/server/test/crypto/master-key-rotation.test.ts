// Issue 21, item 2 (D16): the master key is rotated while three instances serve, the rotation is killed
// mid-way and resumed; afterwards every sealed value opens under the new key only, no request got a 5xx, and
// the old key no longer starts the service.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { deriveServiceKeys, masterKeyId } from '../../src/crypto/master-key.js';
import { metaContext, SEALED_COLUMNS, SEALED_META, sealedContext } from '../../src/crypto/sealed-values.js';
import { createSecretBox, sealedKeyId } from '../../src/crypto/secret-box.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { openDatabase, type Store } from '../../src/db/database.js';
import { checkMasterKey } from '../../src/db/master-key-check.js';
import { startServer } from '../../src/server/start-server.js';
import { createApproval, enrollDevice, registerUser } from '../scale/support.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { answerFor, deviceCall, type PendingRequest } from '../support/test-device.js';

const BIN = join(import.meta.dirname, '../../bin/countersign.js');

/**
 * Loaded into the killed rotation's process (`--require`): its stderr written synchronously on the descriptor as it
 * was inherited, which blocks. Node's own `process.stderr` over a spawned child's pipe (a socket pair) never
 * blocks: once the socket is full it queues what is written in memory, so a rotation whose progress is no longer
 * read would carry on to its end. With this, a rotation whose progress stops being read stops at its next line.
 */
const BLOCKING_STDERR = `const { writeSync } = require('node:fs');
const blocking = { write: (text) => { writeSync(2, String(text)); return true; } };
Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: () => blocking });
`;

/** Runs the built command line in a child process, as an operator does. */
function runProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += String(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every sealed value in the store, where it is and the context it was sealed with. */
async function sealedValues(store: Store): Promise<{ where: string; sealed: string; context: string }[]> {
  const found: { where: string; sealed: string; context: string }[] = [];
  for (const column of SEALED_COLUMNS) {
    const rows = await sql<Record<string, unknown>>`select ${sql.join(
      [...column.key, column.column].map((c) => sql.ref(c)),
    )} from ${sql.table(column.table)}`.execute(store.db);
    for (const row of rows.rows) {
      const sealed = row[column.column];
      if (column.absent.includes(sealed as string | null)) continue;
      found.push({
        where: `${column.table}.${column.column}`,
        sealed: String(sealed),
        context: column.context(row),
      });
    }
  }
  for (const key of SEALED_META) {
    const row = await store.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    if (row !== undefined) found.push({ where: `meta.${key}`, sealed: row.value, context: metaContext(key) });
  }
  return found;
}

let database: TestDatabase | undefined;
let dir: string | undefined;
const servers: { close(): Promise<void> }[] = [];

/**
 * Closes the servers one after another. On SQLite the instances of this process share its one thread, each on a
 * connection of its own: closed together, one's last write (its usage counters) waits for the write lock another's
 * open transaction holds, and that wait blocks the thread the holder needs to commit, until `database is locked`.
 */
async function closeServers(): Promise<void> {
  for (const server of servers.splice(0)) await server.close();
}

afterEach(async () => {
  await closeServers();
  await database?.drop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('master key rotation (issue 21, D16)', () => {
  it('killed mid-way and resumed while three instances serve: every value opens under the new key only, no request got a 5xx, and the old key no longer starts the service', async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'countersign-rotation-'));
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    const newKeyFile = join(dir, 'new.key');
    writeFileSync(newKeyFile, `${newKey}\n`);
    const blockingStderr = join(dir, 'blocking-stderr.cjs');
    writeFileSync(blockingStderr, BLOCKING_STDERR);
    const oldId = masterKeyId(Buffer.from(oldKey, 'hex'));
    const newId = masterKeyId(Buffer.from(newKey, 'hex'));

    // The store as it was before: written under the old key alone.
    const before = await startTestServer({ database, env: { COUNTERSIGN_MASTER_KEY: oldKey } });
    servers.push(before);
    const created = await before.createApp({ name: 'Rotation Bank' });
    const key = created.apiKey;
    const app = (await before.app.services.apps.find(created.id)) as App;
    const users: { id: number; seed: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const id = await registerUser(before, key, String(2015550100 + i));
      users.push({
        id,
        seed: await before.app.services.users.seed(await before.app.services.users.find(app, String(id))),
      });
    }
    const device = await enrollDevice(before, before, key, (users[0] as { id: number }).id);
    for (let i = 0; i < 60; i++) {
      await createApproval(before, key, (users[i % users.length] as { id: number }).id, {
        message: `Log in #${i}`,
        hidden_details: { ip: `10.0.0.${i}` },
        seconds_to_expire: 600,
      });
    }
    // Many more finished requests, written as the old key wrote them: enough values that the rotation, one a
    // transaction, is still far from done when its progress stops being read (below).
    const template = await before.db.selectFrom('approval_requests').selectAll().executeTakeFirstOrThrow();
    const oldBox = createSecretBox(deriveServiceKeys(Buffer.from(oldKey, 'hex')).encryption);
    for (let chunk = 0; chunk < 20; chunk++) {
      const rows = Array.from({ length: 100 }, (_, i) => {
        const uuid = randomUUID();
        return {
          ...template,
          uuid,
          nonce: randomBytes(16).toString('base64url'),
          status: 'expired',
          hidden_details_ct: oldBox.seal(
            JSON.stringify({ ip: `10.2.${chunk}.${i}` }),
            sealedContext.hiddenDetails(uuid),
          ),
        };
      });
      await before.db.insertInto('approval_requests').values(rows).execute();
    }
    for (const user of users.slice(0, 5)) {
      const sent = await call(before, 'GET', `/protected/json/sms/${user.id}?force=true`, { key });
      expect(sent.status, sent.text).toBe(200);
    }
    await before.close();
    servers.splice(0);

    // Every instance restarted with the new key, and the old one beside it while the rotation runs.
    const both = { COUNTERSIGN_MASTER_KEY: newKey, COUNTERSIGN_PREVIOUS_MASTER_KEY: oldKey };
    const instances: TestServer[] = [];
    for (let i = 0; i < 3; i++) {
      const instance = await startTestServer({ database, env: both });
      servers.push(instance);
      instances.push(instance);
    }
    const at = (i: number) => instances[i % 3] as TestServer;

    // Load on all three: new users (seeds sealed as the rotation runs), requests with hidden details created,
    // read, listed by the device and answered, TOTP codes verified.
    const statuses: { what: string; status: number }[] = [];
    let stopping = false;
    const loading = (async () => {
      for (let i = 0; !stopping && i < 5_000; i++) {
        const registered = await call(at(i), 'POST', '/protected/json/users/new', {
          key,
          json: { user: { email: `n${i}@example.com`, cellphone: String(2015560000 + i), country_code: 1 } },
        });
        statuses.push({ what: 'register', status: registered.status });
        const uuid = await createApproval(at(i + 1), key, (users[0] as { id: number }).id, {
          message: `Pay #${i}`,
          hidden_details: { ip: `10.1.0.${i % 250}` },
          seconds_to_expire: 600,
        });
        const status = await call(at(i + 2), 'GET', `/onetouch/json/approval_requests/${uuid}`, { key });
        statuses.push({ what: 'status', status: status.status });
        const listed = await deviceCall(at(i), device, 'GET', '/device/v1/requests');
        statuses.push({ what: 'device list', status: listed.status });
        const pending = (listed.body.requests as PendingRequest[] | undefined)?.find((r) => r.uuid === uuid);
        if (pending !== undefined) {
          const answered = await deviceCall(
            at(i + 1),
            device,
            'POST',
            `/device/v1/requests/${uuid}/answer`,
            answerFor(device, pending, 'approved'),
          );
          statuses.push({ what: 'answer', status: answered.status });
        }
        // The last user is kept for the check after the rotation.
        const user = users[(i % (users.length - 2)) + 1] as { id: number; seed: string };
        const code = totpCode(user.seed, stepAt(Date.now()), app.tokenLength);
        const verified = await call(at(i + 2), 'GET', `/protected/json/verify/${code}/${user.id}`, { key });
        statuses.push({ what: 'verify', status: verified.status });
      }
    })();
    // Settles either way, so that a failure below leaves no load running unseen.
    const load = loading.then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      // The rotation, one value a transaction, killed once it has re-sealed a few.
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, ...both };
      const child = spawn(
        process.execPath,
        [
          '--require',
          blockingStderr,
          BIN,
          'master-key',
          'rotate',
          '--new-key-file',
          newKeyFile,
          '--batch',
          '1',
        ],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let progress = '';
      const killed = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      child.stderr.on('data', (chunk: Buffer) => {
        progress += String(chunk);
        if ((progress.match(/^countersign: app_users\.totp_seed_ct: 1 re-sealed$/gm) ?? []).length >= 5) {
          // Reading stops, so the child blocks on its stderr once the socket is full (a few hundred lines, its
          // writes being blocking: BLOCKING_STDERR; more than two thousand values are left) and cannot finish
          // before the kill lands, however late this process gets to run.
          child.stderr.pause();
          child.kill('SIGKILL');
        }
      });
      expect(await killed, progress).toBe('SIGKILL');

      const check = openDatabase(database.url);
      try {
        // Killed mid-way: some values are under the new key, some still under the old one.
        const midway = await sealedValues(check);
        const ids = midway.map((v) => sealedKeyId(v.sealed));
        expect(ids.filter((id) => id === newId).length).toBeGreaterThanOrEqual(5);
        expect(ids.filter((id) => id !== newId).length).toBeGreaterThan(0);
        // A start with the old key alone is refused now, in the middle of it.
        await expect(checkMasterKey(check, Buffer.from(oldKey, 'hex'))).rejects.toThrow(
          `a master key rotation from this key (key id ${oldId}) to key id ${newId} is in progress: start with the new key as COUNTERSIGN_MASTER_KEY and this one as COUNTERSIGN_PREVIOUS_MASTER_KEY`,
        );

        // Resumed: it carries on and finishes, the load still running. In a process of its own, as an operator
        // runs it: on SQLite, a connection of this process waiting for the write lock would block the thread that
        // serves the three instances, whose open transactions could then never end.
        const resumed = await runProcess(
          ['master-key', 'rotate', '--new-key-file', newKeyFile, '--batch', '7', '--json'],
          env,
        );
        expect(resumed.code, resumed.stderr).toBe(0);
        const result = JSON.parse(resumed.stdout) as { from: string; to: string; total: number };
        expect({ from: result.from, to: result.to }).toEqual({ from: oldId, to: newId });
        expect(result.total).toBeGreaterThan(0);
        stopping = true;
        expect(await load).toBeUndefined();

        // No request was answered with a 5xx, and every kind of request was served.
        expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
        for (const what of ['register', 'status', 'device list', 'answer', 'verify'])
          expect(
            statuses.some((s) => s.what === what && s.status === 200),
            what,
          ).toBe(true);

        // Every sealed value names the new key and opens under it alone.
        const newOnly = createSecretBox(deriveServiceKeys(Buffer.from(newKey, 'hex')).encryption);
        const after = await sealedValues(check);
        const wheres = new Set(after.map((v) => v.where));
        for (const where of [
          'app_users.totp_seed_ct',
          'api_keys.key_ct',
          'apps.webhook_secret_ct',
          'approval_requests.hidden_details_ct',
          'outbox.body_ct',
          'meta.master_key_check',
          'meta.pepper',
          'signing_keys.key_ct',
        ])
          expect(wheres.has(where), where).toBe(true);
        for (const value of after) {
          expect(sealedKeyId(value.sealed), value.where).toBe(newId);
          expect(() => newOnly.open(value.sealed, value.context), value.where).not.toThrow();
        }

        // The old key can no longer start the service, alone or as the sealing key beside the new one.
        const retired = `COUNTERSIGN_MASTER_KEY is a retired master key (key id ${oldId}): \`countersign master-key rotate\` re-sealed this database under a new key, and only that key starts the service now`;
        await expect(checkMasterKey(check, Buffer.from(oldKey, 'hex'))).rejects.toThrow(retired);
        await expect(
          checkMasterKey(check, Buffer.from(oldKey, 'hex'), Buffer.from(newKey, 'hex')),
        ).rejects.toThrow(retired);
        await expect(
          startServer(
            loadConfig({
              DATABASE_URL: database.url,
              COUNTERSIGN_MASTER_KEY: oldKey,
              HOST: '127.0.0.1',
              PORT: '0',
            }),
          ),
        ).rejects.toThrow(retired);
        const cli = await runCli(['apps', 'list', '--json'], {
          ...env,
          COUNTERSIGN_MASTER_KEY: oldKey,
          COUNTERSIGN_PREVIOUS_MASTER_KEY: '',
        });
        expect(cli.code).toBe(1);
        expect(cli.stderr).toContain(retired);
      } finally {
        await check.destroy();
      }
    } finally {
      stopping = true;
      await load;
    }

    // The new key alone serves the data written before: the app key authenticates (its digest's pepper is the
    // store's, D16) and a code from a seed made under the old key verifies.
    await closeServers();
    const alone = await startTestServer({ database, env: { COUNTERSIGN_MASTER_KEY: newKey } });
    servers.push(alone);
    const user = users.at(-1) as { id: number; seed: string };
    const code = totpCode(user.seed, stepAt(Date.now()), app.tokenLength);
    const verified = await call(alone, 'GET', `/protected/json/verify/${code}/${user.id}`, { key });
    expect(verified.status, verified.text).toBe(200);
    const sms = await call(alone, 'GET', `/protected/json/sms/${user.id}?force=true`, { key });
    expect(sms.status, sms.text).toBe(200);
  }, 120_000);
});

describe('master-key rotate, the command (D16)', () => {
  it('refuses what would break a rotation, resumes one stopped before its first value, and run again re-seals nothing; the retired key starts nothing', async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'countersign-rotation-'));
    const [oldKey, newKey, otherKey] = [0, 1, 2].map(() => randomBytes(32).toString('hex')) as [
      string,
      string,
      string,
    ];
    const files = {
      new: join(dir, 'new.key'),
      other: join(dir, 'other.key'),
      old: join(dir, 'old.key'),
      bad: join(dir, 'bad.key'),
    };
    writeFileSync(files.new, newKey);
    writeFileSync(files.other, otherKey);
    writeFileSync(files.old, oldKey);
    writeFileSync(files.bad, 'not a key');
    const oldId = masterKeyId(Buffer.from(oldKey, 'hex'));
    const newId = masterKeyId(Buffer.from(newKey, 'hex'));
    const base = { PATH: process.env.PATH ?? '', DATABASE_URL: database.url };
    const created = await runCli(['apps', 'create', '--name', 'Rotation Bank', '--json'], {
      ...base,
      COUNTERSIGN_MASTER_KEY: oldKey,
    });
    expect(created.code, created.stderr).toBe(0);

    const bad = await runCli(['master-key', 'rotate', '--new-key-file', files.bad], {
      ...base,
      COUNTERSIGN_MASTER_KEY: oldKey,
    });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--new-key-file: it must hold 64 hexadecimal characters');

    // A rotation recorded as started, as one killed before its first batch leaves the store.
    const store = openDatabase(database.url);
    try {
      await store.db
        .insertInto('meta')
        .values({ key: 'master_key_rotation', value: JSON.stringify({ from: oldId, to: newId }) })
        .execute();
      await expect(checkMasterKey(store, Buffer.from(newKey, 'hex'))).rejects.toThrow(
        `a master key rotation to this key (key id ${newId}) is in progress: until it finishes, also set COUNTERSIGN_PREVIOUS_MASTER_KEY to the key being retired (key id ${oldId})`,
      );
      await expect(
        checkMasterKey(store, Buffer.from(newKey, 'hex'), Buffer.from(oldKey, 'hex')),
      ).resolves.toBeUndefined();
    } finally {
      await store.destroy();
    }
    const both = { ...base, COUNTERSIGN_MASTER_KEY: newKey, COUNTERSIGN_PREVIOUS_MASTER_KEY: oldKey };
    const other = await runCli(['master-key', 'rotate', '--new-key-file', files.other], both);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      `a rotation to key id ${newId} is in progress: run the command again with that key's file to finish it`,
    );

    // Resumed from the old key's environment: every value moves, and the old key is retired.
    const resumed = await runCli(['master-key', 'rotate', '--new-key-file', files.new, '--json'], {
      ...base,
      COUNTERSIGN_MASTER_KEY: oldKey,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as {
      from: string;
      to: string;
      resealed: Record<string, number>;
      total: number;
    };
    expect(result).toMatchObject({
      from: oldId,
      to: newId,
      resealed: {
        'apps.webhook_secret_ct': 1,
        'api_keys.key_ct': 1,
        'app_users.totp_seed_ct': 0,
        'meta.master_key_check': 1,
        'meta.pepper': 1,
        'signing_keys.key_ct': 1,
      },
    });
    expect(result.total).toBe(Object.values(result.resealed).reduce((sum, n) => sum + n, 0));

    // Run again with the new key alone: nothing left to re-seal, nothing retired.
    const again = await runCli(['master-key', 'rotate', '--new-key-file', files.new, '--json'], {
      ...base,
      COUNTERSIGN_MASTER_KEY: newKey,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ from: null, to: newId, total: 0 });

    const listed = await runCli(['apps', 'list', '--json'], { ...base, COUNTERSIGN_MASTER_KEY: newKey });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((a) => a.name)).toEqual(['Rotation Bank']);
    const retired = `COUNTERSIGN_MASTER_KEY is a retired master key (key id ${oldId})`;
    const byOld = await runCli(['apps', 'list', '--json'], { ...base, COUNTERSIGN_MASTER_KEY: oldKey });
    expect(byOld.code).toBe(1);
    expect(byOld.stderr).toContain(retired);
    const back = await runCli(['master-key', 'rotate', '--new-key-file', files.old], {
      ...base,
      COUNTERSIGN_MASTER_KEY: newKey,
    });
    expect(back.code).toBe(1);
    expect(back.stderr).toContain(
      `the new key (key id ${oldId}) was retired by an earlier rotation: make a new key`,
    );
  });
});
