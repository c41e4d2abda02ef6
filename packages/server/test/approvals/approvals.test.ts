import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';

let server: TestServer;
let clock: TestClock;
let key: string;
let appId: number;
let userId: number;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({ clock });
  const created = await server.createApp({ name: 'Approval Bank' });
  key = created.apiKey;
  appId = created.id;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: 'payer@example.com', cellphone: '509-555-1212', country_code: 1 } },
  });
  userId = (user.body.user as { id: number }).id;
});
afterAll(() => server.close());

const create = (body: Record<string, unknown>, apiKey = key, id = userId) =>
  call(server, 'POST', `/onetouch/json/users/${id}/approval_requests`, { key: apiKey, json: body });
const status = (uuid: string, apiKey = key) =>
  call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: apiKey });
const uuidOf = (response: { body: Record<string, unknown> }) =>
  (response.body.approval_request as { uuid: string }).uuid;

describe('OneTouch approval requests (spec 4.11, 4.12; D2, R33)', () => {
  it('creates a request and reports every field authy-client checks, hidden details included for the app', async () => {
    const created = await create({
      message: 'Transfer money to bob@example.com',
      details: { From: 'Alice', 'US Dollar Amount': 500, Flagged: false },
      hidden_details: { ip: '10.0.0.1' },
      logos: [{ res: 'default', url: 'https://example.com/logo.png' }],
      seconds_to_expire: 120,
    });
    expect(created.status).toBe(200);
    const uuid = uuidOf(created);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.body).toEqual({ approval_request: { uuid }, success: true });

    const read = await status(uuid);
    expect(read.status).toBe(200);
    const createdAt = new Date(clock.now()).toISOString();
    expect(read.body).toEqual({
      approval_request: {
        _app_name: 'Approval Bank',
        _app_serial_id: appId,
        _authy_id: String(userId),
        _id: uuid.replaceAll('-', ''),
        _user_email: 'payer@example.com',
        app_id: String(appId),
        created_at: createdAt,
        notified: false,
        processed_at: null,
        seconds_to_expire: 120,
        expires_at: new Date(clock.now() + 120_000).toISOString(),
        status: 'pending',
        updated_at: createdAt,
        user_id: String(userId),
        uuid,
        message: 'Transfer money to bob@example.com',
        details: { From: 'Alice', 'US Dollar Amount': '500', Flagged: 'false' },
        hidden_details: { ip: '10.0.0.1' },
        logos: [{ res: 'default', url: 'https://example.com/logo.png' }],
      },
      success: true,
    });
  });

  it('expires on read once seconds_to_expire has passed, and stores the expiry', async () => {
    const uuid = uuidOf(await create({ message: 'Log in', seconds_to_expire: 60 }));
    clock.advance(59_999);
    expect((await status(uuid)).body.approval_request).toMatchObject({ status: 'pending' });
    clock.advance(1);
    expect((await status(uuid)).body.approval_request).toMatchObject({ status: 'expired' });
    const row = await server.db
      .selectFrom('approval_requests')
      .select('status')
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
  });

  it('lives 600 seconds when seconds_to_expire is absent or null (authy-python sends null)', async () => {
    for (const body of [
      { message: 'Log in' },
      { message: 'Log in', seconds_to_expire: null, details: {}, hidden_details: {}, logos: [] },
    ]) {
      const uuid = uuidOf(await create(body));
      expect((await status(uuid)).body.approval_request).toMatchObject({ seconds_to_expire: 600 });
    }
  });

  it('compat apps accept up to 86400 s and 0 (never expires); strict apps cap at 600 s and refuse 0', async () => {
    expect((await create({ message: 'x', seconds_to_expire: 86_400 })).status).toBe(200);
    const forever = uuidOf(await create({ message: 'x', seconds_to_expire: 0 }));
    clock.advance(400 * 86_400_000);
    expect((await status(forever)).body.approval_request).toMatchObject({
      status: 'pending',
      expires_at: null,
    });

    const strict = await server.createApp({ name: 'Strict Bank', profile: 'strict' });
    const user = await call(server, 'POST', '/protected/json/users/new', {
      key: strict.apiKey,
      json: { user: { email: 'payer@example.com', cellphone: '509-555-1212', country_code: 1 } },
    });
    const id = (user.body.user as { id: number }).id;
    expect((await create({ message: 'x', seconds_to_expire: 600 }, strict.apiKey, id)).status).toBe(200);
    for (const seconds of [601, 0]) {
      const refused = await create({ message: 'x', seconds_to_expire: seconds }, strict.apiKey, id);
      expect(refused.status).toBe(400);
      expect(refused.body.error_code).toBe('60004');
    }
  });

  it('with number matching on, the create response carries a fresh code of the configured length (D1, D7)', async () => {
    for (const [mode, length] of [
      ['2', 2],
      ['6', 6],
    ] as const) {
      const matching = await server.createApp({ name: `Match ${mode}`, numberMatching: mode });
      const user = await call(server, 'POST', '/protected/json/users/new', {
        key: matching.apiKey,
        json: { user: { email: 'payer@example.com', cellphone: '509-555-1212', country_code: 1 } },
      });
      const id = (user.body.user as { id: number }).id;
      const created = await create({ message: 'Log in' }, matching.apiKey, id);
      const request = created.body.approval_request as { number_match: string };
      expect(request.number_match).toMatch(new RegExp(`^\\d{${length}}$`));
    }
    const plain = await create({ message: 'Log in' });
    expect(plain.body.approval_request).not.toHaveProperty('number_match');
  });

  it('keeps hidden details and the message out of plain sight in the database file (R65)', async () => {
    const canary = `hidden-${clock.now()}-canary`;
    const uuid = uuidOf(await create({ message: 'Log in', hidden_details: { secret: canary } }));
    const row = await server.db
      .selectFrom('approval_requests')
      .select('hidden_details_ct')
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    expect(row.hidden_details_ct).not.toContain(canary);
    expect((await status(uuid)).body.approval_request).toMatchObject({ hidden_details: { secret: canary } });
  });

  it('a request without hidden details stores nothing sealed for them, and reads back with empty hidden details', async () => {
    for (const body of [{ message: 'Log in' }, { message: 'Log in', hidden_details: {} }]) {
      const uuid = uuidOf(await create(body));
      const row = await server.db
        .selectFrom('approval_requests')
        .select('hidden_details_ct')
        .where('uuid', '=', uuid)
        .executeTakeFirstOrThrow();
      expect(row.hidden_details_ct).toBe('');
      expect((await status(uuid)).body.approval_request).toMatchObject({ hidden_details: {} });
    }
    // One with hidden details is sealed as before (the version prefix of a sealed value).
    const sealed = uuidOf(await create({ message: 'Log in', hidden_details: { ip: '10.0.0.9' } }));
    const row = await server.db
      .selectFrom('approval_requests')
      .select('hidden_details_ct')
      .where('uuid', '=', sealed)
      .executeTakeFirstOrThrow();
    expect(row.hidden_details_ct).toMatch(/^v2\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('an unknown or malformed uuid is 404 / 60049', async () => {
    for (const uuid of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const response = await status(uuid);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        message: 'Approval request not found.',
        success: false,
        errors: { message: 'Approval request not found.' },
        error_code: '60049',
      });
    }
  });
});
