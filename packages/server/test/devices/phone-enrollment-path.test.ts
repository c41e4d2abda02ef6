/**
 * R90: enrollment by phone reveals nothing about registration. Not by a timing (which a test could not
 * judge honestly) but by the code path: the statements the store runs and the calls made to what lies
 * outside the service are recorded for a registered and an unregistered number, and must be the same.
 * Then, over HTTP, the registered number's code does arrive (through the message queue) and the
 * unregistered one's decoy is dropped unsent.
 */
import { canonicalJson } from '@countersign/protocol';
import SQLite from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/load-config.js';
import { deriveServiceKeys } from '../../src/crypto/master-key.js';
import { cryptoRandom, type Random } from '../../src/crypto/random.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { type Store, storeOver } from '../../src/db/database.js';
import { postgresTypes } from '../../src/db/postgres/open-postgres.js';
import type { Database } from '../../src/db/schema.js';
import { createMemoryEventBus, type EventBus } from '../../src/events/event-bus.js';
import type { Clock } from '../../src/lib/clock.js';
import type { MessagingProvider, OutgoingMessage } from '../../src/messaging/messaging-provider.js';
import { registerUser } from '../api/helpers.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { openTestStore, type TestStore } from '../support/test-database.js';
import { newKeyPair, signText } from '../support/test-device.js';

const MASTER_KEY = 'a'.repeat(32) + 'b'.repeat(32);

interface Statement {
  sql: string;
  parameters: unknown[];
}

/** The values a logged `insert into "message_queue" (…) values (…)` wrote, by column. */
function queuedRow(statements: readonly Statement[]): Record<string, unknown> {
  const insert = statements.find((s) => s.sql.startsWith('insert into "message_queue"'));
  if (insert === undefined) throw new Error('nothing was queued');
  const columns = /\(([^)]*)\) values/.exec(insert.sql)?.[1]?.split(', ') ?? [];
  return Object.fromEntries(columns.map((c, i) => [c.replaceAll('"', ''), insert.parameters[i]]));
}

/**
 * A second store on the test database that logs every statement. No pool is registered for queries
 * compiled once, so on PostgreSQL those run through Kysely too, and are logged like the rest.
 */
function loggingStore(url: string, statements: Statement[]): Store {
  const log = (event: LogEvent) => {
    if (event.level === 'query')
      statements.push({ sql: event.query.sql, parameters: [...event.query.parameters] });
  };
  if (url.startsWith('sqlite:')) {
    const database = new SQLite(url.slice('sqlite:'.length));
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    return storeOver(new Kysely<Database>({ dialect: new SqliteDialect({ database }), log }));
  }
  const pool = new pg.Pool({ connectionString: url, max: 4, types: postgresTypes });
  return storeOver(new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log }));
}

describe('R90: the request path of a phone enrollment is the same for a registered and an unregistered number', () => {
  let store: TestStore;
  let db: Store;
  const statements: Statement[] = [];
  /** Every call the service made to what lies outside it: the provider, the bus, the clock, randomness. */
  const calls: string[] = [];
  let services: Awaited<ReturnType<typeof createServices>>;

  beforeAll(async () => {
    store = await openTestStore();
    db = loggingStore(store.database.url, statements);
    const config = loadConfig({ COUNTERSIGN_MASTER_KEY: MASTER_KEY, DATABASE_URL: store.database.url });
    const clock = testClock();
    const recordingClock: Clock = {
      after: (ms, run) => clock.after(ms, run),
      now: () => {
        calls.push('clock.now');
        return clock.now();
      },
    };
    const random: Random = {
      digits: (length) => {
        calls.push(`random.digits(${length})`);
        return cryptoRandom.digits(length);
      },
      bytes: (size) => {
        calls.push(`random.bytes(${size})`);
        return cryptoRandom.bytes(size);
      },
      uuid: () => {
        calls.push('random.uuid');
        return cryptoRandom.uuid();
      },
    };
    const messaging: MessagingProvider = {
      name: 'recording',
      send: async (message: OutgoingMessage) => {
        calls.push(`messaging.send(${message.channel})`);
      },
    };
    const memory = createMemoryEventBus();
    const bus: EventBus = {
      ...memory,
      publish: (topic, event) => {
        calls.push(`bus.publish(${topic}, ${event.type})`);
        memory.publish(topic, event);
      },
    };
    services = await createServices(config, { db, clock: recordingClock, random, messaging, bus });
    const { app } = await services.apps.create({ name: 'Path Bank' });
    for (const [phone, email] of [
      ['2015550170', 'a@example.com'],
      ['2015550172', 'b@example.com'],
    ] as const) {
      await services.users.register(app, { email, cellphone: phone, countryCode: '1' });
    }
  });
  afterAll(async () => {
    await db.destroy();
    await store.close();
  });

  /** What one start of an enrollment ran, called, and answered. */
  async function record(phone: string) {
    statements.length = 0;
    calls.length = 0;
    const answer = await services.enrollment.startPhoneEnrollment('1', phone);
    return {
      statements: statements.map((s) => s.sql),
      logged: [...statements],
      calls: [...calls],
      answer: { keys: Object.keys(answer).sort(), expiresAt: answer.expiresAt },
    };
  }

  it('the same statements in the same order, the same calls outside, the same answer; no send while the request waits', async () => {
    const registered = await record('2015550170');
    const unregistered = await record('2015550171');
    expect(unregistered.statements).toEqual(registered.statements);
    expect(unregistered.calls).toEqual(registered.calls);
    expect(unregistered.answer).toEqual(registered.answer);
    // The recording sees what it must: the lookup, the budget, the enrollment and the queued message.
    const text = registered.statements.join('\n');
    for (const table of ['users', 'send_budgets', 'phone_enrollments', 'message_queue'])
      expect(text).toContain(`"${table}"`);
    expect(registered.calls).not.toContain('messaging.send(sms)');
    expect(registered.calls).toContain('bus.publish(messages, queued)');
    // The unregistered number's entry is a decoy of the same size, and holds nothing of the number.
    const box = createSecretBox(deriveServiceKeys(Buffer.from(MASTER_KEY, 'hex')).encryption);
    const open = (row: Record<string, unknown>) =>
      JSON.parse(box.open(String(row.message_ct), `message_queue.message_ct:${String(row.id)}`));
    const [real, decoy] = [queuedRow(registered.logged), queuedRow(unregistered.logged)];
    expect([real.state, decoy.state]).toEqual(['queued', 'decoy']);
    expect(String(decoy.message_ct).length).toBe(String(real.message_ct).length);
    expect(open(real).to).toBe('+12015550170');
    expect(open(decoy).to).toBe('+00000000000');
  });

  it('stays the same once the phone’s enrollment budget is spent', async () => {
    for (let i = 0; i < 5; i++) {
      await services.enrollment.startPhoneEnrollment('1', '2015550172');
      await services.enrollment.startPhoneEnrollment('1', '2015550173');
    }
    const registered = await record('2015550172');
    const unregistered = await record('2015550173');
    expect(unregistered.statements).toEqual(registered.statements);
    expect(unregistered.calls).toEqual(registered.calls);
    expect(unregistered.answer).toEqual(registered.answer);
    // The refused path is a different one from the admitted path above: it records the first refusal.
    expect(registered.statements.join('\n')).toContain('"security_events"');
  });
});

describe('R90: the code reaches a registered number through the message queue, and nothing reaches an unregistered one', () => {
  const KNOWN_CODE = '515151';
  const sent: OutgoingMessage[] = [];
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      random: { ...cryptoRandom, digits: (length) => KNOWN_CODE.padEnd(length, '0').slice(0, length) },
      messaging: {
        name: 'capture',
        send: async (message) => {
          sent.push(message);
        },
      },
    });
    const { apiKey } = await server.createApp({ name: 'Queue Bank' });
    await registerUser(server, apiKey, '2015550180', 'queue@example.com');
  });
  afterAll(() => server.close());

  const start = (phone: string) =>
    call(server, 'POST', '/device/v1/phone-enrollments', {
      json: { country_code: '1', phone_number: phone },
    });

  it('one message to the registered number, none for the unregistered one, and the queue is empty after', async () => {
    const registered = await start('2015550180');
    const unregistered = await start('2015550181');
    expect([registered.status, unregistered.status]).toEqual([200, 200]);
    expect(Object.keys(registered.body).sort()).toEqual(Object.keys(unregistered.body).sort());
    await server.app.messages.drain();
    expect(sent.map((m) => [m.to, m.channel, m.appId, m.body])).toEqual([
      ['+12015550180', 'sms', null, `Your Countersign device code is ${KNOWN_CODE}`],
    ]);
    expect(await server.db.selectFrom('message_queue').selectAll().execute()).toEqual([]);

    // The code that arrived enrolls a device.
    const enrollmentId = registered.body.enrollment_id as string;
    const { publicJwk, privateKey } = newKeyPair();
    const proof = signText(
      privateKey,
      canonicalJson({
        purpose: 'countersign-phone-enrollment',
        enrollment_id: enrollmentId,
        code: KNOWN_CODE,
        public_key: publicJwk,
      }),
    );
    const done = await call(server, 'POST', `/device/v1/phone-enrollments/${enrollmentId}/complete`, {
      json: { code: KNOWN_CODE, public_key: publicJwk, name: 'Phone', platform: 'cli', proof },
    });
    expect(done.status, done.text).toBe(200);
  });
});
