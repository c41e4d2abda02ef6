/**
 * A data subject's rights (issue 21, item 4): `users export` gives everything stored about a person, and
 * `users erase` removes it everywhere it lives. Canaries (a unique phone, emails, a message, details, hidden
 * details, activity data) are planted through the API in every place a person's data goes; after the erasure
 * none of them is in the store's bytes (SQLite: the file and its write-ahead log; PostgreSQL: every row of
 * every table as text), while another user's data stays. On both databases.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canary, canary, leaks, storeBytes } from '../security/support.js';
import { runCli } from '../support/cli.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { enrollWithLink } from '../support/test-device.js';
import { twilioClient } from '../verify/twilio-support.js';

const tag = () => randomBytes(6).toString('hex');
/** A US number no other test uses: 509-555-01xx is reserved for fiction, the rest is random. */
const phone = () => `509${randomInt(200, 999)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;

describe('users export and users erase', () => {
  let server: TestServer;
  let clock: TestClock;
  let env: Record<string, string>;
  let bank: Awaited<ReturnType<TestServer['createApp']>>;
  let shop: Awaited<ReturnType<TestServer['createApp']>>;
  const sentCallbacks: string[] = [];
  const person = {
    phone: phone(),
    bankEmail: `bank-${tag()}@example.com`,
    shopEmail: `shop-${tag()}@example.com`,
    message: `Transfer to canary-${tag()}`,
    details: `details-${tag()}`,
    hidden: `hidden-${tag()}`,
    pendingDetails: `pending-${tag()}`,
    activity: `activity-${tag()}`,
    ip: `10.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(1, 250)}`,
  };
  const other = { phone: phone(), email: `other-${tag()}@example.com`, details: `kept-${tag()}` };
  let userId: number;
  let otherId: number;

  /** Every planted value, as the canary search reads it. */
  const canaries = (): Canary[] => [
    canary('phone', person.phone),
    canary('bank email', person.bankEmail),
    canary('shop email', person.shopEmail),
    canary('message', person.message),
    canary('details', person.details),
    canary('hidden details', person.hidden),
    canary('pending details', person.pendingDetails),
    canary('activity data', person.activity),
    canary('activity address', person.ip),
  ];

  async function register(app: { apiKey: string }, cellphone: string, email: string): Promise<number> {
    const response = await call(server, 'POST', '/protected/json/users/new', {
      key: app.apiKey,
      json: { user: { email, cellphone, country_code: '1' } },
    });
    expect(response.status, response.text).toBe(200);
    return (response.body.user as { id: number }).id;
  }

  async function request(
    app: { apiKey: string },
    id: number,
    body: Record<string, unknown>,
  ): Promise<string> {
    const response = await call(server, 'POST', `/onetouch/json/users/${id}/approval_requests`, {
      key: app.apiKey,
      json: body,
    });
    expect(response.status, response.text).toBe(200);
    return (response.body.approval_request as { uuid: string }).uuid;
  }

  beforeAll(async () => {
    clock = testClock(Date.now());
    server = await startTestServer({
      clock,
      pruneEveryMs: 0,
      callbackSender: async ({ body }) => {
        sentCallbacks.push(body);
        return { status: 204, retryAfter: undefined };
      },
    });
    env = {
      DATABASE_URL: server.config.databaseUrl,
      COUNTERSIGN_MASTER_KEY: server.config.masterKey.toString('hex'),
    };
    bank = await server.createApp({
      name: 'Canary Bank',
      callbackUrl: 'https://hooks.example.com/bank',
      callbackExpired: true,
    });
    shop = await server.createApp({ name: 'Canary Shop' });
    userId = await register(bank, person.phone, person.bankEmail);
    expect(await register(shop, person.phone, person.shopEmail)).toBe(userId);
    otherId = await register(bank, other.phone, other.email);

    // A request that expires, with its callback; one that stays pending, in the other app.
    await request(bank, userId, {
      message: person.message,
      details: { Beneficiary: person.details },
      hidden_details: { note: person.hidden },
      seconds_to_expire: 1,
    });
    clock.advance(1);
    await request(shop, userId, { message: 'Sign in', details: { Where: person.pendingDetails } });
    await request(bank, otherId, { message: 'Sign in', details: { Where: other.details } });
    // An SMS code and a phone verification (the console provider writes both to the outbox), a Verify v2
    // verification, an activity with the user's address, and ten wrong codes: a lockout security event.
    expect(
      (await call(server, 'GET', `/protected/json/sms/${userId}?force=true`, { key: bank.apiKey })).status,
    ).toBe(200);
    const started = await call(server, 'POST', '/protected/json/phones/verification/start', {
      key: bank.apiKey,
      json: { phone_number: person.phone, country_code: '1', via: 'sms' },
    });
    expect(started.status, started.text).toBe(200);
    const verify = twilioClient(server, bank.accountSid, bank.apiKey).verify.v2;
    const service = await verify.services.create({ friendlyName: 'Canary Bank' });
    await verify.services(service.sid).verifications.create({ to: `+1${person.phone}`, channel: 'sms' });
    const activity = await call(server, 'POST', `/protected/json/users/${userId}/register_activity`, {
      key: bank.apiKey,
      json: { type: 'cookie_login', data: { note: person.activity }, user_ip: person.ip },
    });
    expect(activity.status, activity.text).toBe(200);
    for (let i = 0; i < 11; i++)
      await call(server, 'GET', `/protected/json/verify/0000000/${userId}`, { key: bank.apiKey });

    // A device enrolled through the bank's link (its registration is a security event naming the user).
    const link = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
      key: bank.apiKey,
    });
    expect(link.status, link.text).toBe(200);
    const url = new URL((link.body.enrollment as { url: string }).url);
    await enrollWithLink(server, `${server.url}${url.pathname}${url.hash}`);

    // The first request expires, and its callback is delivered.
    clock.advance(2_000);
    await server.app.services.approvals.expireDue();
    await server.app.webhooks.drain();
    // The worker's own pass may have claimed it first: wait for that delivery to end.
    for (let tries = 0; tries < 500 && !sentCallbacks.some((body) => body.includes(person.details)); tries++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sentCallbacks.some((body) => body.includes(person.details))).toBe(true);
  });
  afterAll(() => server?.close());

  it('export --json gives every planted value, each where it belongs, and no secret', async () => {
    const result = await runCli(['users', 'export', String(userId), '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const exported = JSON.parse(result.stdout);
    expect(leaks(result.stdout, canaries()).length).toBeGreaterThanOrEqual(canaries().length);
    for (const c of canaries()) expect(result.stdout, c.what).toContain(c.forms[0]);
    expect(exported).toMatchObject({
      authy_id: userId,
      country_code: '1',
      phone: person.phone,
      e164: `+1${person.phone}`,
      sandbox: false,
      apps: [
        { app_id: bank.id, app_name: 'Canary Bank', email: person.bankEmail, failed_attempts: 0 },
        { app_id: shop.id, app_name: 'Canary Shop', email: person.shopEmail },
      ],
    });
    expect(exported.devices).toMatchObject([{ authy_id: userId, enrolled_app_id: bank.id, platform: 'cli' }]);
    expect(exported.apps[0].locked_until).not.toBeNull();
    expect(
      exported.requests.map((r: Record<string, unknown>) => [
        r.app_id,
        r.status,
        r.details,
        r.hidden_details,
      ]),
    ).toEqual([
      [bank.id, 'expired', { Beneficiary: person.details }, { note: person.hidden }],
      [shop.id, 'pending', { Where: person.pendingDetails }, {}],
    ]);
    expect(exported.requests[0].message).toBe(person.message);
    expect(exported.activities).toMatchObject([
      { app_id: bank.id, type: 'cookie_login', data: { note: person.activity }, user_ip: person.ip },
    ]);
    expect(exported.verifications.map((v: Record<string, unknown>) => [v.kind, v.app_id, v.via])).toEqual([
      ['phone_verification', bank.id, 'sms'],
      ['verify', bank.id, 'sms'],
    ]);
    // The SMS token, the phone verification's code and the Verify v2 code, each to the number in full.
    expect(exported.messages).toHaveLength(3);
    for (const m of exported.messages) expect(m).toMatchObject({ app_id: bank.id, to: `+1${person.phone}` });
    expect(exported.security_events.map((e: Record<string, unknown>) => [e.type, e.app_id]).sort()).toEqual([
      ['device.registered', bank.id],
      ['user.locked', bank.id],
    ]);
    // Never a seed or a code digest.
    expect(result.stdout).not.toMatch(/seed|digest|totp_/);
  });

  it("export --app gives only that app's part; an unknown user is not found", async () => {
    const result = await runCli(['users', 'export', String(userId), '--app', String(shop.id), '--json'], env);
    expect(result.code).toBe(0);
    const exported = JSON.parse(result.stdout);
    expect(exported.apps.map((a: { app_id: number }) => a.app_id)).toEqual([shop.id]);
    expect(exported.requests.map((r: { app_id: number }) => r.app_id)).toEqual([shop.id]);
    expect([
      exported.messages,
      exported.verifications,
      exported.activities,
      exported.security_events,
    ]).toEqual([[], [], [], []]);
    const missing = await runCli(['users', 'export', '999999', '--json'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('countersign: no user with Authy id 999999\n');
  });

  it('erase refuses without --yes', async () => {
    const result = await runCli(['users', 'erase', String(userId)], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('countersign: erasing a user cannot be undone: add --yes\n');
  });

  it("erase --yes removes every canary from the store's bytes, audits the counts only, and keeps the other user", async () => {
    expect(leaks(await storeBytes(server.db, server.config.databaseUrl), canaries()).length).toBeGreaterThan(
      0,
    );
    const result = await runCli(['users', 'erase', String(userId), '--yes', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      authy_id: userId,
      erased: {
        callbacks: 1,
        requests: 2,
        devices: 1,
        messages: 3,
        queued_messages: 0,
        phone_verifications: 1,
        verify_verifications: 1,
        security_events: 2,
        apps: 2,
      },
      // SQLite zeroes what it deletes and truncates its log; PostgreSQL keeps dead rows until vacuum.
      files_cleared: server.config.databaseUrl.startsWith('sqlite:'),
    });

    const bytes = await storeBytes(server.db, server.config.databaseUrl);
    expect(leaks(bytes, canaries())).toEqual([]);
    // The other user is untouched.
    expect(
      leaks(bytes, [canary('other email', other.email), canary('other details', other.details)]),
    ).toEqual([`other email: ${other.email}`, `other details: ${other.details}`]);
    const audited = await server.db
      .selectFrom('audit_log')
      .select(['action', 'target_id', 'after'])
      .where('action', '=', 'user.erase')
      .execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]?.target_id).toBe(String(userId));
    expect(JSON.parse(audited[0]?.after as string)).toMatchObject({ requests: 2, apps: 2, messages: 3 });

    const again = await runCli(['users', 'export', String(userId), '--json'], env);
    expect(again.code).toBe(1);
    const twice = await runCli(['users', 'erase', String(userId), '--yes'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(`countersign: no user with Authy id ${userId}\n`);
    // The API no longer knows the user in either app.
    const status = await call(server, 'GET', `/protected/json/users/${userId}/status`, { key: bank.apiKey });
    expect(status.status).toBe(404);
    const rows = async (table: 'devices' | 'app_users' | 'approval_requests' | 'webhook_events') =>
      (await server.db.selectFrom(table).selectAll().execute()).length;
    expect([await rows('devices'), await rows('app_users'), await rows('approval_requests')]).toEqual([
      0, 1, 1,
    ]);
    expect(await rows('webhook_events')).toBe(0);
  });
});
