// What works at once for an imported user (issue 20, part 2): 10 000 users imported with chosen Authy ids,
// then the real `authy` and `authy-client` packages, pointed at the loopback service as an app switching its
// base URL would point them, drive those ids — on SQLite and PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthyClient,
  type AuthyNpm,
  authyClientModule,
  type Body,
  createAuthyNpm,
  lastMessageTo,
  outcome,
  UUID,
} from '../compat/compat-support.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { answerFor, deviceCall, enrollWithLink, type PendingRequest } from '../support/test-device.js';
import { e164Of, emailOf, type FileUser, importFile, phoneOf, writeCsv } from './import-support.js';

const COUNT = 10_000;
/** The ids the app stored from Authy: large, and not consecutive. */
const idOf = (i: number) => 31_000_000 + 7 * i;
const HIGHEST = idOf(COUNT - 1);

let server: TestServer;
let app: { id: number; apiKey: string };
let authy: AuthyNpm;
let client: AuthyClient;

beforeAll(async () => {
  server = await startTestServer();
  app = await server.createApp({ name: 'Moved Bank' });
  authy = createAuthyNpm(app.apiKey, server.url);
  client = new authyClientModule.Client({ key: app.apiKey }, { host: server.url, timeout: 10_000 });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('10 000 users imported with their Authy ids', () => {
  beforeAll(async () => {
    const users: FileUser[] = Array.from({ length: COUNT }, (_, i) => ({
      authy_id: idOf(i),
      email: emailOf(i),
      cellphone: phoneOf(i),
      country_code: '1',
    }));
    const { result, report } = await importFile(server, app.id, writeCsv(server, 'authy-users.csv', users));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(report).toMatchObject({
      written: true,
      rows: COUNT,
      created: COUNT,
      highest_id: HIGHEST,
      refused: [],
    });
  }, 120_000);

  it('every id is the app’s user, with its own number', async () => {
    const links = await server.db
      .selectFrom('app_users')
      .innerJoin('users', 'users.id', 'app_users.user_id')
      .select(['users.id', 'users.phone'])
      .where('app_users.app_id', '=', app.id)
      .execute();
    expect(links).toHaveLength(COUNT);
    const phones = new Map(links.map((l) => [Number(l.id), l.phone]));
    for (const i of [0, 1, 4_321, COUNT - 1]) expect(phones.get(idOf(i))).toBe(phoneOf(i).replace(/\D/g, ''));
  });

  it('authy-client getUserStatus tells the truth: registered with no device yet, not confirmed', async () => {
    const i = 17;
    expect(await client.getUserStatus({ authyId: idOf(i) })).toEqual({
      status: {
        authy_id: idOf(i),
        confirmed: false,
        registered: false,
        country_code: 1,
        phone_number: 'XXX-XXX-0017',
        email: emailOf(i),
        devices: [],
        has_hard_token: false,
        account_disabled: false,
        detailed_devices: [],
        deleted_devices: [],
      },
      message: 'User status.',
      success: true,
    });
  });

  it('authy request_sms texts the imported number a code that authy verify accepts', async () => {
    const i = 101;
    const { err, res } = await outcome((done) => authy.request_sms(String(idOf(i)), true, done));
    expect(err).toBeNull();
    expect(res).toEqual({ success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX01' });
    const sent = await lastMessageTo(server, e164Of(phoneOf(i)));
    expect(sent.channel).toBe('sms');
    const verified = await outcome((done) => authy.verify(String(idOf(i)), sent.code, done));
    expect(verified.err).toBeNull();
    expect(verified.res).toEqual({ message: 'Token is valid.', token: 'is valid', success: 'true' });
    // A verified code confirms the user, as for a registered one.
    expect((await client.getUserStatus({ authyId: idOf(i) })).status).toMatchObject({ confirmed: true });
  });

  it('authy-client requestCall reads out a code that verifyToken accepts', async () => {
    const i = 202;
    const response = await client.requestCall({ authyId: idOf(i) }, { force: true });
    expect(response).toMatchObject({ success: true, cellphone: '+1-XXX-XXX-XX02' });
    const sent = await lastMessageTo(server, e164Of(phoneOf(i)));
    expect(sent.channel).toBe('call');
    expect(await client.verifyToken({ authyId: idOf(i), token: sent.code })).toMatchObject({
      message: 'Token is valid.',
      token: 'is valid',
    });
  });

  it('authy-client requestSms and verifyToken work for the highest imported id', async () => {
    await client.requestSms({ authyId: HIGHEST }, { force: true });
    const sent = await lastMessageTo(server, e164Of(phoneOf(COUNT - 1)));
    expect(await client.verifyToken({ authyId: HIGHEST, token: sent.code })).toMatchObject({
      token: 'is valid',
    });
  });

  it('phone verification of an imported user’s number texts a code that checks', async () => {
    const cellphone = phoneOf(303);
    const started = await outcome((done) => authy.phones().verification_start(cellphone, '1', done));
    expect(started.err).toBeNull();
    const sent = await lastMessageTo(server, e164Of(cellphone));
    const checked = await outcome((done) =>
      authy.phones().verification_check(cellphone, '1', sent.code, done),
    );
    expect(checked.err).toBeNull();
    expect(checked.res).toMatchObject({ success: true });
  });

  it('OneTouch requests for imported ids are accepted and wait, pending, for a device; one enrolled later answers', async () => {
    const i = 404;
    const created = await client.createApprovalRequest({
      authyId: idOf(i),
      message: 'Sign in to Moved Bank',
      details: { visible: { Browser: 'Firefox' } },
    });
    const uuid = (created.approval_request as { uuid: string }).uuid;
    expect(uuid).toMatch(UUID);
    const sent = await outcome((done) =>
      authy.send_approval_request(String(idOf(i)), { message: 'Wire transfer' }, null, null, done),
    );
    expect(sent.err).toBeNull();
    const viaNpm = ((sent.res as Body).approval_request as { uuid: string }).uuid;
    for (const id of [uuid, viaNpm]) {
      const status = await outcome((done) => authy.check_approval_status(id, done));
      expect((status.res as Body).approval_request).toMatchObject({ uuid: id, status: 'pending' });
    }

    // The user's first device, enrolled through the app's link, finds the request waiting and approves it.
    const link = await call(server, 'POST', `/protected/json/users/${idOf(i)}/enrollments`, {
      key: app.apiKey,
    });
    expect(link.status).toBe(200);
    const device = await enrollWithLink(server, (link.body.enrollment as { url: string }).url, 'Moved phone');
    expect((await client.getUserStatus({ authyId: idOf(i) })).status).toMatchObject({
      registered: true,
      devices: ['authenticator'],
    });
    const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
    const pending = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
    if (pending === undefined) throw new Error('the request is not pending for the new device');
    const answered = await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending, 'approved'),
    );
    expect(answered.status).toBe(200);
    const final = await client.getApprovalRequest({ id: uuid });
    expect(final.approval_request).toMatchObject({ uuid, status: 'approved' });
  });

  it('registering an imported number again gives its imported id; a new number gets an id above them all', async () => {
    const again = await client.registerUser({ countryCode: '1', email: emailOf(5), phone: phoneOf(5) });
    expect((again.user as { id: number }).id).toBe(idOf(5));
    const fresh = await client.registerUser({
      countryCode: 'US',
      email: 'newcomer@example.com',
      phone: '303-555-0199',
    });
    expect((fresh.user as { id: number }).id).toBeGreaterThan(HIGHEST);
  });
});
