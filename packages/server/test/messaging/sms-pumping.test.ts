/**
 * R12, R22: SMS pumping. An app's codes are counted against its budgets across all numbers (an hour, a
 * day), a phone's against one limit across all apps, and an app sends only to the countries it allows.
 * Every code the service sends by SMS or voice is counted: token SMS and calls, phone verifications, and
 * device-enrollment codes (those apart, having no app). Over a budget: 429 / 60003 with Retry-After, a
 * security event, nothing sent and no code stored. The counts hold under parallel sends, on one instance
 * and on two sharing the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessagingError,
  type MessagingProvider,
  type OutgoingMessage,
} from '../../src/messaging/messaging-provider.js';
import { registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let clock: TestClock;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

/** Moves the clock to the start of the next UTC hour (or day): a fresh window for every budget. */
function nextWindow(length = HOUR): void {
  clock.set(clock.now() - (clock.now() % length) + length);
}

async function outboxOf(appId: number | null) {
  return (await server.app.services.outbox.list(10_000)).filter((m) => m.appId === appId);
}

async function budgetEvents(appId: number | null) {
  const rows = await server.db
    .selectFrom('security_events')
    .selectAll()
    .where('type', '=', 'sms.limit_exceeded')
    .where((eb) => (appId === null ? eb('app_id', 'is', null) : eb('app_id', '=', appId)))
    .execute();
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

let nextNumber = 2015551000;
const newNumber = () => String(++nextNumber);

const sms = (key: string, id: number) => call(server, 'GET', `/protected/json/sms/${id}`, { key });
const voice = (key: string, id: number) => call(server, 'GET', `/protected/json/call/${id}`, { key });
const verify = (key: string, phone: string, via: 'sms' | 'call' = 'sms', countryCode = '1') =>
  call(server, 'POST', '/protected/json/phones/verification/start', {
    key,
    json: { country_code: countryCode, phone_number: phone, via },
  });

describe('R12: an app’s budget across all numbers', () => {
  let app: { id: number; apiKey: string };

  it('40 parallel sends to 40 numbers with a budget of 10 an hour: exactly 10 sent, 30 refused with 429 60003, one security event', async () => {
    nextWindow();
    app = await server.createApp({ name: 'Pumped Bank', smsPerHour: 10 });
    const users: number[] = [];
    for (let i = 0; i < 20; i++)
      users.push(await registerUser(server, app.apiKey, newNumber(), `p${i}@example.com`));
    const fresh = Array.from({ length: 20 }, newNumber);
    const logsBefore = server.logs.length;

    const answers = await Promise.all([
      ...users.slice(0, 10).map((id) => sms(app.apiKey, id)),
      ...users.slice(10).map((id) => voice(app.apiKey, id)),
      ...fresh.slice(0, 10).map((phone) => verify(app.apiKey, phone, 'sms')),
      ...fresh.slice(10).map((phone) => verify(app.apiKey, phone, 'call')),
    ]);

    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(30);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.body).toEqual({
        message: "The app's SMS and voice budget for this hour is spent. Try again later.",
        success: false,
        errors: { message: "The app's SMS and voice budget for this hour is spent. Try again later." },
        error_code: '60003',
      });
      expect(answer.headers.get('retry-after')).toBe('3600');
    }
    // Exactly ten messages left; the refused sends stored no code at all.
    expect(await outboxOf(app.id)).toHaveLength(10);
    const codes = await server.db
      .selectFrom('otp_codes')
      .select('state')
      .where('app_id', '=', app.id)
      .execute();
    const verifications = await server.db
      .selectFrom('phone_verifications')
      .select('state')
      .where('app_id', '=', app.id)
      .execute();
    expect(codes.length + verifications.length).toBe(10);
    expect([...codes, ...verifications].every((r) => r.state === 'live' || r.state === 'pending')).toBe(true);
    // Every refusal is a log line; the first one in the window is a security event.
    const events = server.logs
      .slice(logsBefore)
      .map((line) => JSON.parse(line) as { event?: string; code?: string })
      .filter((line) => line.event === 'excess_rate_limit_exceeded');
    expect(events).toHaveLength(30);
    expect(events.every((e) => e.code === '60003')).toBe(true);
    expect(await budgetEvents(app.id)).toEqual([
      { budget: 'app_hour', limit: 10, window_start: new Date(clock.now()).toISOString() },
    ]);
  });

  it('the next hour restores the budget', async () => {
    const phone = newNumber();
    clock.advance(HOUR - 1000);
    const stillSpent = await verify(app.apiKey, phone);
    expect(stillSpent.status).toBe(429);
    expect(stillSpent.headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await verify(app.apiKey, phone)).status).toBe(200);
    expect(await outboxOf(app.id)).toHaveLength(11);
  });

  it('a budget per day holds across hours, until the next UTC day', async () => {
    nextWindow(DAY);
    const daily = await server.createApp({ name: 'Daily Bank', smsPerDay: 3 });
    for (let i = 0; i < 3; i++) expect((await verify(daily.apiKey, newNumber())).status).toBe(200);
    const refused = await verify(daily.apiKey, newNumber());
    expect(refused.status).toBe(429);
    expect(refused.body.message).toBe("The app's SMS and voice budget for today is spent. Try again later.");
    expect(refused.headers.get('retry-after')).toBe(String(DAY / 1000));
    clock.advance(5 * HOUR);
    expect((await verify(daily.apiKey, newNumber())).status).toBe(429);
    nextWindow(DAY);
    expect((await verify(daily.apiKey, newNumber())).status).toBe(200);
    expect(await outboxOf(daily.id)).toHaveLength(4);
    expect(await budgetEvents(daily.id)).toEqual([
      { budget: 'app_day', limit: 3, window_start: new Date(clock.now() - DAY).toISOString() },
    ]);
  });

  it('a budget of 0 sends nothing; a sandbox app, which sends nothing anyway, is not limited', async () => {
    nextWindow();
    const silent = await server.createApp({ name: 'Silent Bank', smsPerHour: 0 });
    const refused = await verify(silent.apiKey, newNumber());
    expect(refused.status).toBe(429);
    expect(refused.body.error_code).toBe('60003');
    expect(await outboxOf(silent.id)).toEqual([]);

    const sandbox = await server.createApp({ name: 'Sandbox Bank', profile: 'sandbox', smsPerHour: 0 });
    const id = await registerUser(server, sandbox.apiKey, '5555550100', 'sandbox@example.com');
    expect((await sms(sandbox.apiKey, id)).status).toBe(200);
    expect((await verify(sandbox.apiKey, '5555550101')).status).toBe(200);
    expect(await outboxOf(sandbox.id)).toHaveLength(2);
  });
});

describe('R12, R22: a phone’s limit across all apps', () => {
  it('a phone linked to two apps gets at most 10 codes an hour from both together', async () => {
    nextWindow();
    const phone = newNumber();
    const a = await server.createApp({ name: 'Bank A' });
    const b = await server.createApp({ name: 'Bank B' });
    const inA = await registerUser(server, a.apiKey, phone, 'twice@example.com');
    const inB = await registerUser(server, b.apiKey, phone, 'twice@example.com');
    const to = `+1${phone}`;
    const texts = async () => (await server.app.services.outbox.list(10_000)).filter((m) => m.to === to);

    // Five each, the most one app may send one user in ten minutes (COUNTERSIGN_SEND_LIMIT).
    for (let i = 0; i < 5; i++) {
      expect((await sms(a.apiKey, inA)).status).toBe(200);
      expect((await sms(b.apiKey, inB)).status).toBe(200);
    }
    const refused = await verify(b.apiKey, phone);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error_code: '60003',
      message: 'Too many codes were sent to this phone number. Try again later.',
    });
    // Ten minutes on, each app's own limit has reset, the phone's has not.
    clock.advance(11 * 60_000);
    expect((await sms(a.apiKey, inA)).status).toBe(429);
    expect(await texts()).toHaveLength(10);
    expect((await budgetEvents(b.id)).map((e) => e.budget)).toEqual(['phone_hour']);

    nextWindow();
    expect((await voice(a.apiKey, inA)).status).toBe(200);
    expect(await texts()).toHaveLength(11);
  });

  it('device-enrollment codes: at most 10 an hour to a phone, counted apart so that nobody without a key can spend its logins’ budget', async () => {
    nextWindow();
    const phone = newNumber();
    const app = await server.createApp({ name: 'Enrolling Bank' });
    const id = await registerUser(server, app.apiKey, phone, 'enrolling@example.com');
    const to = `+1${phone}`;
    const enrollmentCodes = async () => {
      await server.app.messages.drain();
      return (await outboxOf(null)).filter((m) => m.to === to).length;
    };
    const start = () =>
      call(server, 'POST', '/device/v1/phone-enrollments', {
        json: { country_code: '1', phone_number: phone },
      });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) expect((await start()).status).toBe(200);
      // Sent before the clock moves on: a queued code that expires unsent is dropped.
      await server.app.messages.drain();
      clock.advance(10 * 60_000);
    }
    expect(await enrollmentCodes()).toBe(10);
    expect((await budgetEvents(null)).map((e) => e.budget)).toContain('enrollment_hour');
    // The app's codes to the same phone are not touched.
    expect((await sms(app.apiKey, id)).status).toBe(200);
    nextWindow();
    expect((await start()).status).toBe(200);
    expect(await enrollmentCodes()).toBe(11);
  });
});

describe('R12: an app sends only to the countries it allows', () => {
  it('a number outside the allow-list is refused with 400 60013, and nothing is sent or stored', async () => {
    nextWindow();
    const app = await server.createApp({ name: 'Canadian Bank', smsCountries: ['CA'] });
    const american = await registerUser(server, app.apiKey, '2015550123', 'us@example.com');
    const canadian = await registerUser(server, app.apiKey, '4165550124', 'ca@example.com');
    const BANNED = {
      message: 'Phone number is in a country this app does not send to',
      success: false,
      errors: { message: 'Phone number is in a country this app does not send to' },
      error_code: '60013',
    };
    for (const refused of [
      await sms(app.apiKey, american),
      await voice(app.apiKey, american),
      await verify(app.apiKey, '2015550125'),
      await verify(app.apiKey, '2015550125', 'call'),
    ]) {
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(BANNED);
    }
    expect(await outboxOf(app.id)).toEqual([]);
    expect(
      await server.db.selectFrom('otp_codes').selectAll().where('app_id', '=', app.id).execute(),
    ).toEqual([]);
    expect(
      await server.db.selectFrom('phone_verifications').selectAll().where('app_id', '=', app.id).execute(),
    ).toEqual([]);

    expect((await sms(app.apiKey, canadian)).status).toBe(200);
    expect((await verify(app.apiKey, '6135550123')).status).toBe(200);
    expect((await outboxOf(app.id)).map((m) => m.to)).toEqual(['+14165550124', '+16135550123']);
  });
});

describe('R12, R75: a send the provider refused costs nothing', () => {
  let flaky: TestServer;
  const provider: MessagingProvider & { down: boolean; sent: OutgoingMessage[] } = {
    name: 'switchable',
    down: false,
    sent: [],
    async send(message) {
      if (this.down) throw new MessagingError('provider is down');
      this.sent.push(message);
    },
  };
  beforeAll(async () => {
    flaky = await startTestServer({ messaging: provider });
  });
  afterAll(() => flaky.close());

  it('a failed send is given back to the budget', async () => {
    const app = await flaky.createApp({ name: 'Flaky Bank', smsPerHour: 1 });
    const start = (phone: string) =>
      call(flaky, 'POST', '/protected/json/phones/verification/start', {
        key: app.apiKey,
        json: { country_code: '1', phone_number: phone, via: 'sms' },
      });
    provider.down = true;
    expect((await start('2015550130')).status).toBe(503);
    provider.down = false;
    expect((await start('2015550131')).status).toBe(200);
    expect((await start('2015550132')).status).toBe(429);
    expect(provider.sent.map((m) => m.to)).toEqual(['+12015550131']);
  });
});

describe('R12, R76: budgets hold across instances sharing the database', () => {
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    first = await startTestServer({ database });
    second = await startTestServer({ database });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await database.drop();
  });

  it('40 parallel sends through two instances with a budget of 10 an hour: exactly 10 sent', async () => {
    const app = await first.createApp({ name: 'Clustered Bank', smsPerHour: 10 });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(i % 2 === 0 ? first : second, 'POST', '/protected/json/phones/verification/start', {
          key: app.apiKey,
          json: { country_code: '1', phone_number: String(2015552000 + i), via: 'sms' },
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 429 && a.body.error_code === '60003')).toHaveLength(30);
    expect(await first.app.services.outbox.list(100)).toHaveLength(10);
  });
});
