/**
 * The tamper-evident audit log (issue 17, item 3): operator actions of the command line and security events go
 * into one hash chain, its head is signed with the service's key, and `countersign audit verify` names the
 * first entry edited, removed or reordered, on SQLite and PostgreSQL alike.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '@countersign/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { deviceCall, enrollWithLink } from '../support/test-device.js';

const MASTER_KEY = 'a'.repeat(32) + 'b'.repeat(32);

let server: TestServer;
let env: Record<string, string>;

beforeEach(async () => {
  await start({ expirySweepMs: 0 });
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<void> {
  server = await startTestServer(options);
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: server.config.databaseUrl,
    COUNTERSIGN_MASTER_KEY: MASTER_KEY,
    HOST: '127.0.0.1',
  };
}

afterEach(async () => {
  await server.close();
});

const cli = (...args: string[]) => runCli(args, env);

/** Appends `count` entries as an operator would make them, with every field set. */
async function record(count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await server.app.services.audit.record({
      actor: 'cli:alice',
      from: 'cli',
      action: 'app.update',
      target: { type: 'app', id: String(i) },
      before: { name: `Bank ${i}` },
      after: { name: `Bank ${i} (renamed)` },
    });
  }
}

async function verify(): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return cli('audit', 'verify');
}

const failure = (message: string) => `countersign: audit log does not verify: ${message}\n`;

describe('what goes into the audit log', () => {
  it('command-line app actions appear with their actor and before/after, and never a key or secret', async () => {
    const created = await cli('apps', 'create', '--name', 'Acme', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { id: number; api_key: string; webhook_secret: string };
    const updated = await cli('apps', 'update', String(app.id), '--name', 'Acme Bank', '--token-length', '8');
    expect(updated.code, updated.stderr).toBe(0);
    const rotated = await cli('apps', 'rotate-key', String(app.id), '--grace', '60', '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = (JSON.parse(rotated.stdout) as { api_key: string }).api_key;

    const listed = await cli('audit', 'list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const entries = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    const actor = expect.stringMatching(/^cli:.+/);
    const target = { target_type: 'app', target_id: String(app.id) };
    expect(entries.map((e) => e.action)).toEqual(['app.rotate_key', 'app.update', 'app.create']);
    expect(entries[0]).toMatchObject({ actor, from: 'cli', ...target, after: { grace_seconds: 60 } });
    expect(entries[1]).toMatchObject({
      actor,
      from: 'cli',
      ...target,
      before: { name: 'Acme', token_length: 7 },
      after: { name: 'Acme Bank', token_length: 8 },
    });
    expect(entries[2]).toMatchObject({ actor, ...target, before: null, after: { id: app.id, name: 'Acme' } });

    const filtered = JSON.parse((await cli('audit', 'list', '--action', 'app.update', '--json')).stdout);
    expect(filtered).toHaveLength(1);

    const rows = JSON.stringify(await server.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [app.api_key, app.webhook_secret, newKey]) expect(rows).not.toContain(secret);
  });

  it('webhooks redeliver appears with its actor and the event it queued', async () => {
    const app = await server.createApp();
    const id = '0b6f2c1e-4c8a-4d2e-9f1a-2b3c4d5e6f70';
    // A callback event that failed, as the webhook worker leaves one (the test's own row).
    await server.db
      .insertInto('webhook_events')
      .values({
        id,
        app_id: app.id,
        uuid: '9d1f5a7e-0000-4000-8000-000000000001',
        status: 'approved',
        state: 'failed',
        attempts: 8,
        next_attempt_at: 0,
        locked_until: null,
        last_status: 500,
        last_error: null,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    const redelivered = await cli('webhooks', 'redeliver', id);
    expect(redelivered.code, redelivered.stderr).toBe(0);
    const [entry] = JSON.parse((await cli('audit', 'list', '--json')).stdout) as Array<
      Record<string, unknown>
    >;
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^cli:.+/),
      from: 'cli',
      action: 'webhook.redeliver',
      target_type: 'webhook_event',
      target_id: id,
      after: { app_id: app.id, state: 'pending' },
    });
  });

  it('every security event appears as security.<type>, by the service', async () => {
    const app = await server.createApp();
    const registered = await call(server, 'POST', '/protected/json/users/new', {
      key: app.apiKey,
      json: { user: { email: 'u@example.com', cellphone: '2015554101', country_code: 1 } },
    });
    const userId = (registered.body.user as { id: number }).id;
    const link = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
      key: app.apiKey,
    });
    const device = await enrollWithLink(server, (link.body.enrollment as { url: string }).url);
    expect((await deviceCall(server, device, 'DELETE', `/device/v1/devices/${device.id}`)).status).toBe(200);

    const events = await server.db.selectFrom('security_events').selectAll().orderBy('created_at').execute();
    expect(events.map((e) => e.type)).toEqual(['device.registered', 'device.revoked']);
    const entries = JSON.parse((await cli('audit', 'list', '--json')).stdout) as Array<
      Record<string, unknown>
    >;
    expect(entries.reverse()).toEqual(
      events.map((event) =>
        expect.objectContaining({
          actor: 'service',
          action: `security.${event.type}`,
          target_type: 'user',
          target_id: String(userId),
          after: expect.objectContaining({ event_id: event.id, user_id: userId, device_id: device.id }),
        }),
      ),
    );
    expect((await verify()).code).toBe(0);
  });
});

describe('countersign audit verify', () => {
  it('passes on an untouched log, with its signed heads', async () => {
    await record(3);
    expect((await cli('audit', 'sign')).stdout).toBe('Signed the head at entry 3.\n');
    await record(2);
    expect((await cli('audit', 'sign')).code).toBe(0);
    const verified = await cli('audit', 'verify', '--json');
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual({ ok: true, entries: 5, lastSeq: 5, heads: 2 });
  });

  it('an edit of any field of an entry names that entry', async () => {
    await record(5);
    const original = await server.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    const edits: Record<string, unknown> = {
      id: `${original.id}x`,
      at: Number(original.at) + 1,
      actor: 'cli:mallory',
      source: '203.0.113.9',
      action: 'app.create',
      target_type: 'user',
      target_id: '99',
      before: '{"name":"Other"}',
      after: '{"name":"Other"}',
      prev_hash: 'f'.repeat(64),
      hash: 'e'.repeat(64),
    };
    for (const [column, value] of Object.entries(edits)) {
      await server.db
        .updateTable('audit_log')
        .set({ [column]: value })
        .where('seq', '=', 3)
        .execute();
      expect((await verify()).stderr, column).toBe(failure('entry 3 was changed'));
      await server.db
        .updateTable('audit_log')
        .set({ [column]: original[column as keyof typeof original] })
        .where('seq', '=', 3)
        .execute();
    }
    expect((await verify()).code).toBe(0);
  });

  it('an entry rewritten with a hash of its own is found by the next entry’s link', async () => {
    await record(5);
    const row = await server.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    const forged = {
      seq: 2,
      id: row.id,
      at: Number(row.at),
      actor: 'cli:mallory',
      from: row.source,
      action: row.action,
      target_type: row.target_type,
      target_id: row.target_id,
      before: JSON.parse(row.before ?? 'null'),
      after: JSON.parse(row.after ?? 'null'),
      prev_hash: row.prev_hash,
    };
    const hash = createHash('sha256').update(canonicalJson(forged)).digest('hex');
    await server.db
      .updateTable('audit_log')
      .set({ actor: 'cli:mallory', hash })
      .where('seq', '=', 2)
      .execute();
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(failure('entry 2 was changed'));
  });

  it('a deleted entry is named missing, in the middle or at the signed end', async () => {
    await record(5);
    expect((await cli('audit', 'sign')).code).toBe(0);
    await server.db.deleteFrom('audit_log').where('seq', '=', 5).execute();
    expect((await verify()).stderr).toBe(failure('entry 5 is missing'));
    await server.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(failure('entry 2 is missing'));
  });

  it('two entries that swapped places are named out of order', async () => {
    await record(5);
    // Through a free seq, since seq is the key.
    await server.db.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', 2).execute();
    await server.db.updateTable('audit_log').set({ seq: 2 }).where('seq', '=', 3).execute();
    await server.db.updateTable('audit_log').set({ seq: 3 }).where('seq', '=', -1).execute();
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(failure('entries out of order at 2'));
  });

  it('a changed signed head does not verify, and a head catches a tail rewritten with fresh hashes', async () => {
    await record(4);
    expect((await cli('audit', 'sign')).code).toBe(0);
    const head = await server.db.selectFrom('audit_heads').selectAll().executeTakeFirstOrThrow();
    const entry2 = await server.db
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    await server.db.updateTable('audit_heads').set({ hash: entry2.hash }).execute();
    expect((await verify()).stderr).toBe(failure('head at 4 does not verify'));
    // A signature over another payload, the header and payload kept.
    const [h, p, s] = head.jws.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await server.db
      .updateTable('audit_heads')
      .set({ hash: head.hash, jws: `${h}.${p}.${flipped}` })
      .execute();
    expect((await verify()).stderr).toBe(failure('head at 4 does not verify'));
    await server.db.updateTable('audit_heads').set({ jws: head.jws }).execute();
    expect((await verify()).code).toBe(0);

    // The last entry rewritten with a consistent hash: the chain holds, the signed head does not.
    const last = await server.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 4)
      .executeTakeFirstOrThrow();
    const forged = {
      seq: 4,
      id: last.id,
      at: Number(last.at),
      actor: 'cli:mallory',
      from: last.source,
      action: last.action,
      target_type: last.target_type,
      target_id: last.target_id,
      before: JSON.parse(last.before ?? 'null'),
      after: JSON.parse(last.after ?? 'null'),
      prev_hash: last.prev_hash,
    };
    const hash = createHash('sha256').update(canonicalJson(forged)).digest('hex');
    await server.db
      .updateTable('audit_log')
      .set({ actor: 'cli:mallory', hash })
      .where('seq', '=', 4)
      .execute();
    expect((await verify()).stderr).toBe(failure('entry 4 was changed'));
  });
});

describe('countersign audit export --jsonl', () => {
  it('writes one entry a line, each hashing to its hash and linking to the one before', async () => {
    await record(4);
    const exported = await cli('audit', 'export', '--jsonl');
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    let previous = '0'.repeat(64);
    for (const [index, line] of lines.entries()) {
      const { hash, ...fields } = JSON.parse(line) as { hash: string; prev_hash: string; seq: number };
      expect(fields.seq).toBe(index + 1);
      expect(fields.prev_hash).toBe(previous);
      expect(createHash('sha256').update(canonicalJson(fields)).digest('hex')).toBe(hash);
      previous = hash;
    }
  });
});

describe('countersign audit prune --before', () => {
  it('removes the older entries behind a signed checkpoint, and verify still proves the rest', async () => {
    const clock = testClock(Date.UTC(2026, 0, 1));
    await server.close();
    await start({ expirySweepMs: 0, clock });
    for (const day of [1, 2, 3, 4, 5]) {
      clock.set(Date.UTC(2026, 0, day));
      await record(1);
    }
    expect((await cli('audit', 'sign')).code).toBe(0);
    const pruned = await cli('audit', 'prune', '--before', '2026-01-03T00:00:00Z', '--json');
    expect(pruned.code, pruned.stderr).toBe(0);
    const entry2 = await server.db.selectFrom('audit_checkpoints').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(pruned.stdout)).toEqual({ seq: 2, hash: entry2.hash });
    const left = await server.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(left.map((r) => Number(r.seq))).toEqual([3, 4, 5]);
    expect(JSON.parse((await cli('audit', 'verify', '--json')).stdout)).toEqual({
      ok: true,
      entries: 3,
      lastSeq: 5,
      heads: 1,
    });

    // The chain goes on from the checkpoint, and the rest is still proved entry by entry.
    await record(1);
    expect((await verify()).code).toBe(0);
    await server.db.updateTable('audit_log').set({ actor: 'cli:mallory' }).where('seq', '=', 3).execute();
    expect((await verify()).stderr).toBe(failure('entry 3 was changed'));
    await server.db.updateTable('audit_log').set({ actor: 'cli:alice' }).where('seq', '=', 3).execute();
    await server.db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    expect((await verify()).stderr).toBe(failure('entry 3 is missing'));
  });

  it('a changed checkpoint does not verify, and after a prune of every entry the chain goes on from it', async () => {
    await record(3);
    const pruned = await cli('audit', 'prune', '--before', '2999-01-01T00:00:00Z');
    expect(pruned.stdout).toBe('Pruned the entries up to 3; the chain goes on from a signed checkpoint.\n');
    await record(2);
    const rows = await server.db.selectFrom('audit_log').select(['seq']).orderBy('seq').execute();
    expect(rows.map((r) => Number(r.seq))).toEqual([4, 5]);
    expect((await verify()).code).toBe(0);
    await server.db
      .updateTable('audit_checkpoints')
      .set({ hash: 'a'.repeat(64) })
      .execute();
    expect((await verify()).stderr).toBe(failure('checkpoint at 3 does not verify'));
  });
});

describe('countersign audit prune --older-than --archive', () => {
  it('writes exactly the entries it removes to a new file first, and verify still proves the rest', async () => {
    const clock = testClock(Date.UTC(2026, 0, 1));
    await server.close();
    await start({ expirySweepMs: 0, clock });
    for (const at of [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), Date.now() - 86_400_000, Date.now()]) {
      clock.set(at);
      await record(1);
    }
    const archive = join(server.dir, 'audit-archive.jsonl');
    writeFileSync(archive, 'kept\n');
    const refused = await cli('audit', 'prune', '--older-than', '90', '--archive', archive);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^countersign: cannot create .*audit-archive\.jsonl: EEXIST/);
    expect(readFileSync(archive, 'utf8')).toBe('kept\n');
    expect(await server.db.selectFrom('audit_log').select('seq').execute()).toHaveLength(4);

    const fresh = join(server.dir, 'audit-2026.jsonl');
    const pruned = await cli('audit', 'prune', '--older-than', '90', '--archive', fresh, '--json');
    expect(pruned.code, pruned.stderr).toBe(0);
    const lines = readFileSync(fresh, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    expect(lines.map((l) => l.seq)).toEqual([1, 2]);
    const checkpoint = await server.db.selectFrom('audit_checkpoints').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(pruned.stdout)).toEqual({ seq: 2, hash: checkpoint.hash, archived: 2 });
    expect(lines.at(-1)).toMatchObject({ hash: checkpoint.hash });
    const left = await server.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(left.map((r) => Number(r.seq))).toEqual([3, 4]);
    expect((await verify()).code).toBe(0);
  });

  it('takes one of --before and --older-than, and a whole number of days', async () => {
    for (const args of [[], ['--before', '2026-01-01', '--older-than', '5'], ['--older-than', '1.5']]) {
      const answer = await cli('audit', 'prune', ...args);
      expect(answer.code).toBe(2);
      expect(answer.stderr).toMatch(/^countersign: (give one of --before|--older-than is a number of days)/);
    }
  });
});
