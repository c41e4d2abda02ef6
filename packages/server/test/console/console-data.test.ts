// The console's data API (docs/console-api.md, issue 17 item 2) over real HTTP, on SQLite and PostgreSQL:
// what it shows is what the store holds, phones masked; every change is an admin's, carries the session's
// CSRF token, is audited as `operator:<email>`, and the dangerous ones need a fresh passkey.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import type { Operator } from '../../src/operators/operator.js';
import { runCli } from '../support/cli.js';
import { signedInOperator } from '../support/console-session.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { deviceCall, enrollWithLink, type TestDevice } from '../support/test-device.js';

type Session = Awaited<ReturnType<typeof signedInOperator>>;

let server: TestServer;
/** An admin with a fresh passkey assertion, one without, and a viewer. */
let admin: Session;
let staleAdmin: Session;
let viewer: Session;
let bank: { id: number; key: string; app: App };
let phone = 5_095_551_200;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signedInOperator(server, 'admin', { fresh: true });
  staleAdmin = await signedInOperator(server, 'admin');
  viewer = await signedInOperator(server, 'viewer');
  const created = await server.createApp({ name: 'Console Bank' });
  bank = {
    id: created.id,
    key: created.apiKey,
    app: (await server.app.services.apps.find(created.id)) as App,
  };
});

afterAll(async () => {
  await server?.close();
});

/** A console API call as `who`'s browser makes it (cookie, CSRF token, origin), or with no session at all. */
function api(who: Session | undefined, method: string, path: string, json?: unknown) {
  return call(server, method, `/console/api${path}`, {
    ...(who !== undefined && { headers: who.headers }),
    ...(json !== undefined && { json }),
  });
}

/** The audit log's newest entry of `action` on `targetId`, read from the store. */
async function audited(action: string, targetId: string) {
  const row = await server.db
    .selectFrom('audit_log')
    .selectAll()
    .where('action', '=', action)
    .where('target_id', '=', targetId)
    .orderBy('seq', 'desc')
    .executeTakeFirst();
  if (row === undefined) throw new Error(`no ${action} entry for ${targetId}`);
  return {
    actor: row.actor,
    from: row.source,
    before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
    after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
  };
}

const actorOf = (operator: Operator) => `operator:${operator.email}`;

/** Registers a fresh phone number with the bank; gives its Authy id and the national number. */
async function newUser() {
  phone += 1;
  const national = String(phone);
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: bank.key,
    json: {
      user: {
        email: `console-${randomUUID().slice(0, 8)}@example.com`,
        cellphone: national,
        country_code: '1',
      },
    },
  });
  expect(response.status).toBe(200);
  return { id: (response.body.user as { id: number }).id, national };
}

async function enrolledDevice(userId: number): Promise<TestDevice> {
  const created = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: bank.key,
  });
  expect(created.status).toBe(200);
  return enrollWithLink(server, (created.body.enrollment as { url: string }).url, 'Console phone');
}

const refusal = (code: string) => expect.objectContaining({ success: false, error_code: code });

describe('apps', () => {
  it('lists the apps the store holds, with their settings and never a key', async () => {
    const listed = await api(viewer, 'GET', '/apps');
    expect(listed.status).toBe(200);
    const rows = await server.db
      .selectFrom('apps')
      .select(['id', 'name', 'disabled_at'])
      .orderBy('id')
      .execute();
    const apps = listed.body.apps as { id: number; name: string; disabled_at: string | null }[];
    expect(apps.map((a) => [a.id, a.name, a.disabled_at])).toEqual(
      rows.map((r) => [
        Number(r.id),
        r.name,
        r.disabled_at === null ? null : new Date(Number(r.disabled_at)).toISOString(),
      ]),
    );
    expect(listed.text).not.toContain(bank.key);
    expect(listed.headers.get('cache-control')).toBe('no-store');
  });

  it('an admin creates an app: its key is shown once, works, and the audit entry holds no secret', async () => {
    const created = await api(admin, 'POST', '/apps', {
      name: 'Console Shop',
      number_matching: '2',
      sms_per_hour: 25,
    });
    expect(created.status).toBe(201);
    const app = created.body.app as {
      id: number;
      name: string;
      number_matching: string;
      sms_per_hour: number;
    };
    const apiKey = created.body.api_key as string;
    expect(apiKey).toMatch(/^[0-9a-f]{48}$/);
    expect(app).toMatchObject({
      name: 'Console Shop',
      number_matching: '2',
      sms_per_hour: 25,
      disabled_at: null,
    });
    const row = await server.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', app.id)
      .executeTakeFirstOrThrow();
    expect([row.name, row.number_matching, row.sms_per_hour]).toEqual(['Console Shop', '2', 25]);
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key: apiKey,
      json: { user: { email: 'shop@example.com', cellphone: '5095550199', country_code: '1' } },
    });
    expect(user.status).toBe(200);
    const entry = await audited('app.create', String(app.id));
    expect(entry).toMatchObject({
      actor: actorOf(admin.operator),
      after: { id: app.id, name: 'Console Shop' },
    });
    expect(entry.from).not.toBe('');
    expect(JSON.stringify(entry)).not.toContain(apiKey);
    expect((await api(admin, 'GET', `/apps/${app.id}`)).body).toEqual({ app: created.body.app });
  });

  it('changes settings through the app service and audits what changed, before and after', async () => {
    const made = await server.createApp({ name: 'Console Settings' });
    const changed = await api(admin, 'PATCH', `/apps/${made.id}`, {
      name: 'Console Settings 2',
      token_length: 8,
      sms_countries: ['ca', 'US'],
      sms_per_day: 'default',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.app).toMatchObject({
      name: 'Console Settings 2',
      token_length: 8,
      sms_countries: ['CA', 'US'],
    });
    const row = await server.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', made.id)
      .executeTakeFirstOrThrow();
    expect([row.name, row.token_length, row.sms_countries]).toEqual(['Console Settings 2', 8, 'CA,US']);
    expect(await audited('app.update', String(made.id))).toEqual({
      actor: actorOf(admin.operator),
      from: expect.any(String),
      before: { name: 'Console Settings', token_length: 7, sms_countries: 'all' },
      after: { name: 'Console Settings 2', token_length: 8, sms_countries: ['CA', 'US'] },
    });
  });

  it.each([
    ['an unknown setting', { colour: 'red' }, 'body'],
    ['a token length the service does not know', { token_length: 9 }, 'token_length'],
    ['a list for a name', { name: ['Bank'] }, 'name'],
    ['a negative budget', { sms_per_hour: -1 }, 'sms_per_hour'],
  ])('refuses %s with 400 / 60004 naming it', async (_what, body, field) => {
    const refused = await api(admin, 'PATCH', `/apps/${bank.id}`, body);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(refusal('60004'));
    expect(refused.body.message).toContain(field);
  });

  it('refuses a JSON body that is not an object with 400 / 60002, as every route does', async () => {
    const refused = await api(admin, 'PATCH', `/apps/${bank.id}`, ['name']);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(refusal('60002'));
  });

  it("refuses what the app service refuses (a callback URL with credentials, a name's hidden characters)", async () => {
    for (const body of [{ callback_url: 'https://user:pw@bank.example/cb' }, { name: 'Bank\u202E' }]) {
      const refused = await api(admin, 'PATCH', `/apps/${bank.id}`, body);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(refusal('60004'));
    }
    const row = await server.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', bank.id)
      .executeTakeFirstOrThrow();
    expect([row.name, row.callback_url]).toEqual(['Console Bank', null]);
  });

  it.each(['0', 'abc', '1.5', '99999999999', '-1'])(
    'an app id "%s" is 400 / 60004; an unknown one 404',
    async (id) => {
      const refused = await api(viewer, 'GET', `/apps/${id}`);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(refusal('60004'));
      expect((await api(viewer, 'GET', '/apps/2147483647')).status).toBe(404);
    },
  );

  it('rotates the key with a grace period: the new key works, the old one until the grace ends', async () => {
    const made = await server.createApp({ name: 'Console Rotate' });
    const status = (key: string) => call(server, 'GET', '/protected/json/app/details', { key });
    expect((await status(made.apiKey)).status).toBe(200);
    const rotated = await api(admin, 'POST', `/apps/${made.id}/rotate-key`, { grace_seconds: 0 });
    expect(rotated.status).toBe(200);
    const newKey = rotated.body.api_key as string;
    expect(newKey).not.toBe(made.apiKey);
    expect((await status(newKey)).status).toBe(200);
    expect((await status(made.apiKey)).status).toBe(401);
    const entry = await audited('app.rotate_key', String(made.id));
    expect(entry).toMatchObject({ actor: actorOf(admin.operator), after: { grace_seconds: 0 } });
    expect(JSON.stringify(entry)).not.toContain(newKey);

    const graced = await api(admin, 'POST', `/apps/${made.id}/rotate-key`, { grace_seconds: 3600 });
    expect((await status(graced.body.api_key as string)).status).toBe(200);
    expect((await status(newKey)).status).toBe(200);
  });

  it('disables an app: its key is then refused exactly as a key that never existed, and it stays disabled', async () => {
    const made = await server.createApp({ name: 'Console Disable' });
    const details = (key: string) => call(server, 'GET', '/protected/json/app/details', { key });
    expect((await details(made.apiKey)).status).toBe(200);
    const disabled = await api(admin, 'POST', `/apps/${made.id}/disable`);
    expect(disabled.status).toBe(200);
    const row = await server.db
      .selectFrom('apps')
      .select('disabled_at')
      .where('id', '=', made.id)
      .executeTakeFirstOrThrow();
    expect(row.disabled_at).not.toBeNull();
    expect((disabled.body.app as { disabled_at: string }).disabled_at).toBe(
      new Date(Number(row.disabled_at)).toISOString(),
    );
    const refused = await details(made.apiKey);
    const unknown = await details('f'.repeat(48));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(unknown.body);
    expect(refused.body.error_code).toBe('60001');
    expect(await audited('app.disable', String(made.id))).toEqual({
      actor: actorOf(admin.operator),
      from: expect.any(String),
      before: { disabled_at: null },
      after: { disabled_at: new Date(Number(row.disabled_at)).toISOString() },
    });
    // A second disable changes nothing: the first time stays.
    const again = await api(admin, 'POST', `/apps/${made.id}/disable`);
    expect(again.body).toEqual(disabled.body);
  });
});

describe('users and devices', () => {
  it('finds a user by Authy id, email or phone, the phone masked in the list and the detail', async () => {
    const { id, national } = await newUser();
    const link = await server.db
      .selectFrom('app_users')
      .selectAll()
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow();
    for (const q of [String(id), link.email.toUpperCase(), `+1 ${national}`, national.slice(-6)]) {
      const found = await api(viewer, 'GET', `/users?q=${encodeURIComponent(q)}`);
      expect(found.status).toBe(200);
      const users = found.body.users as { authy_id: number; email: string; phone: string }[];
      expect(users.map((u) => u.authy_id)).toContain(id);
      expect(found.text).not.toContain(national);
      expect(users.find((u) => u.authy_id === id)).toMatchObject({
        email: link.email,
        phone: `+1 XXX-XXX-${national.slice(-4)}`,
        app_id: bank.id,
        locked: false,
      });
    }
    const shown = await api(viewer, 'GET', `/users/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain(national);
    expect(shown.body.user).toMatchObject({
      authy_id: id,
      phone: `+1 XXX-XXX-${national.slice(-4)}`,
      apps: [
        { app_id: bank.id, email: link.email, locked_until: null, failed_attempts: 0, pending_requests: 0 },
      ],
      devices: [],
    });
    expect((await api(viewer, 'GET', '/users/2147483647')).body).toEqual(refusal('60026'));
    expect((await api(viewer, 'GET', '/users?limit=501')).status).toBe(400);
    expect((await api(viewer, 'GET', '/users?search=x')).status).toBe(400);
  });

  it("shows the user's document exactly as `countersign users show --json` prints it", async () => {
    const { id } = await newUser();
    await enrolledDevice(id);
    const cli = await runCli(['users', 'show', String(id), '--json'], {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect((await api(viewer, 'GET', `/users/${id}`)).body.user).toEqual(JSON.parse(cli.stdout));
  });

  it('an admin may reveal the full phone number; it is audited without the number', async () => {
    const { id, national } = await newUser();
    const revealed = await api(admin, 'POST', `/users/${id}/reveal-phone`);
    expect(revealed.status).toBe(200);
    expect(revealed.body).toEqual({ phone: `+1${national}` });
    const entry = await audited('user.reveal_phone', String(id));
    expect(entry.actor).toBe(actorOf(admin.operator));
    expect(JSON.stringify(entry)).not.toContain(national);
  });

  it('unlocks a user locked out by wrong TOTP codes, who may then verify again', async () => {
    const { id } = await newUser();
    const user = await server.app.services.users.find(bank.app, String(id));
    const seed = await server.app.services.users.seed(user);
    const verify = (token: string) =>
      call(server, 'GET', `/protected/json/verify/${token}/${id}`, { key: bank.key });
    const right = () => totpCode(seed, stepAt(Date.now()), 7);
    const near = new Set([-1, 0, 1].map((d) => totpCode(seed, stepAt(Date.now()) + d, 7)));
    let wrong = 1_000_000;
    while (near.has(String(wrong))) wrong += 1;
    for (let i = 0; i < 10; i += 1) expect((await verify(String(wrong))).status).toBe(401);
    expect((await verify(right())).status).toBe(429);
    const locked = (await api(viewer, 'GET', `/users/${id}`)).body.user as {
      apps: { locked_until: string | null }[];
    };
    expect(locked.apps[0]?.locked_until).not.toBeNull();

    const unlocked = await api(admin, 'POST', `/users/${id}/unlock`, { app_id: bank.id });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toEqual({ unlocked: 1 });
    const row = await server.db
      .selectFrom('app_users')
      .selectAll()
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow();
    expect([row.locked_until, Number(row.failed_count)]).toEqual([null, 0]);
    const verified = await verify(right());
    expect(verified.status).toBe(200);
    expect(await audited('user.unlock', String(id))).toMatchObject({
      actor: actorOf(admin.operator),
      after: { app_id: bank.id, apps_unlocked: 1 },
    });
    expect((await api(admin, 'POST', '/users/2147483647/unlock')).body).toEqual(refusal('60026'));
  });

  it('deletes a user from an app as the API does', async () => {
    const { id } = await newUser();
    expect((await api(admin, 'DELETE', `/users/${id}`)).status).toBe(400);
    const deleted = await api(admin, 'DELETE', `/users/${id}?app_id=${bank.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    const status = await call(server, 'GET', `/protected/json/users/${id}/status`, { key: bank.key });
    expect(status.status).toBe(404);
    expect(await server.db.selectFrom('app_users').selectAll().where('user_id', '=', id).execute()).toEqual(
      [],
    );
    expect(await audited('user.delete', String(id))).toMatchObject({
      actor: actorOf(admin.operator),
      before: { app_id: bank.id },
    });
    expect((await api(admin, 'DELETE', `/users/${id}?app_id=${bank.id}`)).body).toEqual(refusal('60026'));
  });

  it('revokes a device: its next signed call is refused, and the revocation is a security event', async () => {
    const { id } = await newUser();
    const device = await enrolledDevice(id);
    expect((await deviceCall(server, device, 'GET', '/device/v1/requests')).status).toBe(200);
    const revoked = await api(admin, 'POST', `/devices/${device.id}/revoke`);
    expect(revoked.status).toBe(204);
    expect((await deviceCall(server, device, 'GET', '/device/v1/requests')).status).toBe(401);
    const row = await server.db
      .selectFrom('devices')
      .select('revoked_at')
      .where('id', '=', device.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect((await audited('device.revoke', device.id)).actor).toBe(actorOf(admin.operator));
    // Revoked already, and a device that never was: 404.
    expect((await api(admin, 'POST', `/devices/${device.id}/revoke`)).status).toBe(404);
    expect((await api(admin, 'POST', `/devices/${randomUUID()}/revoke`)).status).toBe(404);
    expect((await api(admin, 'POST', '/devices/not-a-uuid/revoke')).status).toBe(400);

    const events = await api(viewer, 'GET', `/security-events?type=device.revoked&user_id=${id}`);
    expect(events.status).toBe(200);
    expect(events.body.events).toEqual([
      expect.objectContaining({
        type: 'device.revoked',
        user_id: id,
        device_id: device.id,
        detail: { by: 'operator' },
      }),
    ]);
  });
});

describe('callbacks and the outbox', () => {
  async function failedCallback() {
    const id = randomUUID();
    // A callback event the worker gave up on, and its attempts, as the worker leaves them (the test's rows).
    await server.db
      .insertInto('webhook_events')
      .values({
        id,
        app_id: bank.id,
        uuid: randomUUID(),
        status: 'approved',
        state: 'failed',
        attempts: 2,
        next_attempt_at: 0,
        locked_until: null,
        last_status: 500,
        last_error: null,
        created_at: Date.UTC(2026, 0, 1),
        updated_at: Date.UTC(2026, 0, 1),
      })
      .execute();
    await server.db
      .insertInto('webhook_attempts')
      .values([
        {
          event_id: id,
          attempt: 1,
          attempted_at: Date.UTC(2026, 0, 1),
          duration_ms: 12,
          status_code: 500,
          error: null,
        },
        {
          event_id: id,
          attempt: 2,
          attempted_at: Date.UTC(2026, 0, 1, 0, 1),
          duration_ms: 30,
          status_code: null,
          error: 'timeout',
        },
      ])
      .execute();
    return id;
  }

  it('lists callback events and shows one with its attempts, as the store holds them', async () => {
    const id = await failedCallback();
    const listed = await api(viewer, 'GET', `/callbacks?app_id=${bank.id}&state=failed`);
    expect(listed.status).toBe(200);
    const rows = await server.db
      .selectFrom('webhook_events')
      .select('id')
      .where('app_id', '=', bank.id)
      .where('state', '=', 'failed')
      .execute();
    expect((listed.body.callbacks as { id: string }[]).map((c) => c.id).sort()).toEqual(
      rows.map((r) => r.id).sort(),
    );
    const shown = await api(viewer, 'GET', `/callbacks/${id}`);
    expect(shown.body).toEqual({
      callback: expect.objectContaining({
        id,
        app_id: bank.id,
        state: 'failed',
        attempts: 2,
        last_status: 500,
      }),
      attempts: [
        {
          attempt: 1,
          attempted_at: '2026-01-01T00:00:00.000Z',
          duration_ms: 12,
          status_code: 500,
          error: null,
        },
        {
          attempt: 2,
          attempted_at: '2026-01-01T00:01:00.000Z',
          duration_ms: 30,
          status_code: null,
          error: 'timeout',
        },
      ],
    });
    expect((await api(viewer, 'GET', '/callbacks?state=lost')).status).toBe(400);
    expect((await api(viewer, 'GET', `/callbacks/${randomUUID()}`)).status).toBe(404);
  });

  it('redelivers a callback event: queued again, audited as `webhooks redeliver` audits it', async () => {
    const id = await failedCallback();
    const queued = await api(admin, 'POST', `/callbacks/${id}/redeliver`);
    expect(queued.status).toBe(200);
    expect(queued.body.callback).toMatchObject({ id, state: 'pending' });
    expect(await audited('webhook.redeliver', id)).toMatchObject({
      actor: actorOf(admin.operator),
      after: { app_id: bank.id, state: 'pending' },
    });
  });

  it("shows the console provider's outbox with each recipient masked", async () => {
    const { id, national } = await newUser();
    expect(
      (await call(server, 'GET', `/protected/json/sms/${id}?force=true`, { key: bank.key })).status,
    ).toBe(200);
    const listed = await api(viewer, 'GET', '/outbox?limit=500');
    expect(listed.status).toBe(200);
    const messages = listed.body.messages as { id: string; to: string; body: string }[];
    const rows = await server.db.selectFrom('outbox').select('id').execute();
    expect(messages.map((m) => m.id).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(listed.text).not.toContain(national);
    // `+1` and the national number: every digit but the last four hidden.
    expect(messages.at(-1)?.to).toBe(`+${'X'.repeat(national.length - 3)}${national.slice(-4)}`);
  });
});

describe('security events and the audit log', () => {
  it('lists security events newest first, filtered and bounded', async () => {
    const listed = await api(viewer, 'GET', '/security-events?limit=500');
    expect(listed.status).toBe(200);
    const rows = await server.db.selectFrom('security_events').select(['id', 'created_at']).execute();
    const events = listed.body.events as { id: string; created_at: string }[];
    expect(events.map((e) => e.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const times = events.map((e) => Date.parse(e.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const one = await api(viewer, 'GET', '/security-events?limit=1');
    expect((one.body.events as unknown[]).length).toBe(Math.min(1, rows.length));
    const before = await api(viewer, 'GET', '/security-events?before=2000-01-01T00:00:00Z');
    expect(before.body.events).toEqual([]);
    for (const query of ['limit=0', 'limit=501', 'before=yesterday', 'app_id=x', 'kind=device.revoked']) {
      expect((await api(viewer, 'GET', `/security-events?${query}`)).status).toBe(400);
    }
  });

  it('lists audit entries by actor with the chain verified, and exports it exactly as the CLI does', async () => {
    const listed = await api(
      viewer,
      'GET',
      `/audit?actor=${encodeURIComponent(actorOf(admin.operator))}&limit=500`,
    );
    expect(listed.status).toBe(200);
    const rows = await server.db
      .selectFrom('audit_log')
      .select('seq')
      .where('actor', '=', actorOf(admin.operator))
      .execute();
    const entries = listed.body.entries as { seq: number; actor: string }[];
    expect(entries.map((e) => e.seq)).toEqual(rows.map((r) => Number(r.seq)).sort((a, b) => b - a));
    expect(entries.length).toBeGreaterThan(0);
    expect(listed.body.verified).toMatchObject({ ok: true });

    const exported = await api(viewer, 'GET', '/audit/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/jsonl/);
    const cli = await runCli(['audit', 'export', '--jsonl'], {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(exported.text).toBe(cli.stdout);
    expect((await api(viewer, 'GET', '/audit?after=not-a-time')).status).toBe(400);
  });
});

describe('who may do what', () => {
  /** Every route that changes something, with a body that would be accepted. */
  const changes = (): [string, string, unknown?][] => [
    ['POST', '/apps', { name: 'Refused App' }],
    ['PATCH', `/apps/${bank.id}`, { name: 'Refused Name' }],
    ['POST', `/apps/${bank.id}/rotate-key`, { grace_seconds: 0 }],
    ['POST', `/apps/${bank.id}/disable`],
    ['POST', '/users/1/reveal-phone'],
    ['POST', '/users/1/unlock'],
    ['DELETE', `/users/1?app_id=${bank.id}`],
    ['POST', `/devices/${randomUUID()}/revoke`],
    ['POST', `/callbacks/${randomUUID()}/redeliver`],
  ];
  const dangerous = () => changes().filter(([, path]) => /rotate-key|disable|\?app_id/.test(path));

  it("refuses a viewer's every change with 403 / 60031, and changes nothing", async () => {
    const before = await server.db.selectFrom('audit_log').select('seq').execute();
    for (const [method, path, body] of changes()) {
      const refused = await api(viewer, method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body, `${method} ${path}`).toEqual(refusal('60031'));
    }
    expect((await server.db.selectFrom('audit_log').select('seq').execute()).length).toBe(before.length);
    const app = await server.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', bank.id)
      .executeTakeFirstOrThrow();
    expect([app.name, app.disabled_at]).toEqual(['Console Bank', null]);
  });

  it('refuses a change without the CSRF token with 403', async () => {
    const { 'x-csrf-token': _token, ...headers } = admin.headers;
    for (const [method, path, body] of changes()) {
      const refused = await call(server, method, `/console/api${path}`, {
        headers,
        ...(body !== undefined && { json: body }),
      });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body, `${method} ${path}`).toEqual(refusal('60031'));
    }
  });

  it('refuses a dangerous change without a fresh passkey with 403 / 60042', async () => {
    expect(dangerous()).toHaveLength(3);
    for (const [method, path, body] of dangerous()) {
      const refused = await api(staleAdmin, method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body, `${method} ${path}`).toEqual(refusal('60042'));
    }
    const app = await server.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', bank.id)
      .executeTakeFirstOrThrow();
    expect(app.disabled_at).toBeNull();
  });

  it('answers every route with 401 / 60040 without a session', async () => {
    for (const [method, path] of [
      ['GET', '/apps'],
      ['GET', '/audit'],
      ['GET', '/audit/export'],
      ...changes(),
    ] as [string, string][]) {
      const refused = await api(undefined, method, path);
      expect(refused.status, `${method} ${path}`).toBe(401);
      expect(refused.body, `${method} ${path}`).toEqual(refusal('60040'));
    }
  });

  it('keeps the console routes out of the OpenAPI document', async () => {
    const document = await call(server, 'GET', '/docs/json');
    expect(document.status).toBe(200);
    expect(document.text).not.toContain('/console/api');
  });
});
