// An SMS invitation's send is reported back by the message worker (issue 20, part 3): `enrollments status`
// counts the sends that fail after the run that queued them, and the outcome of a message a re-invitation
// replaced does not touch the new invitation — on SQLite and PostgreSQL alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { MessagingError, type MessagingProvider } from '../../src/messaging/messaging-provider.js';
import { registerUser } from '../api/helpers.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import { cliEnv } from '../users/import-support.js';

const DAY = 86_400_000;

/** A provider that refuses the numbers in `refusing` and records what it sends. */
function flakyProvider() {
  const refusing = new Set<string>();
  const sent: string[] = [];
  const provider: MessagingProvider = {
    name: 'flaky',
    async send(message) {
      if (refusing.has(message.to)) throw new MessagingError('provider refused the message');
      sent.push(message.to);
    },
  };
  return { provider, refusing, sent };
}

let server: TestServer;
let clock: TestClock;
let flaky: ReturnType<typeof flakyProvider>;
let app: App;
let apiKey: string;

beforeEach(async () => {
  clock = testClock(Date.now());
  flaky = flakyProvider();
  server = await startTestServer({ clock, messaging: flaky.provider });
  const created = await server.createApp({ name: 'Flaky Bank' });
  app = (await server.app.services.apps.find(created.id)) as App;
  apiKey = created.apiKey;
});
afterEach(async () => {
  await server?.close();
});

async function newUser(n: number): Promise<number> {
  return registerUser(server, apiKey, `509-555-01${String(n).padStart(2, '0')}`, `user${n}@example.com`);
}

const sendStates = async () =>
  (
    await server.db
      .selectFrom('enrollment_invitations')
      .select(['user_id', 'send_state', 'message_id'])
      .where('app_id', '=', app.id)
      .orderBy('user_id')
      .execute()
  ).map((r) => ({ user: Number(r.user_id), state: r.send_state, named: r.message_id !== null }));

async function status() {
  const result = await runCli(['enrollments', 'status', '--app', String(app.id), '--json'], cliEnv(server));
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, number>;
}

describe('invitation sends reported by the message worker', () => {
  it('a sent invitation is marked sent; one the provider keeps refusing is counted failed once its window closes', async () => {
    const ok = await newUser(1);
    const refused = await newUser(2);
    flaky.refusing.add('+15095550102');
    const outcomes = await server.app.services.invitations.invite(app, [ok, refused], {
      via: 'sms',
      validDays: 14,
    });
    expect(outcomes.map((o) => o.state)).toEqual(['queued', 'queued']);

    await server.app.messages.drain();
    expect(flaky.sent).toEqual(['+15095550101']);
    expect(await sendStates()).toEqual([
      { user: ok, state: 'sent', named: false },
      { user: refused, state: 'queued', named: true },
    ]);
    expect(await status()).toEqual({ app_id: app.id, invited: 2, enrolled: 0, expired: 0, failed: 0 });

    // Retried while the send window (a day) is open: still queued after a few more refusals.
    for (const wait of [5_000, 15_000, 45_000]) {
      clock.advance(wait);
      await server.app.messages.drain();
    }
    expect((await sendStates())[1]).toEqual({ user: refused, state: 'queued', named: true });

    // The last attempt before the window closes fails: the worker gives up, and the invitation is failed.
    clock.advance(DAY - 66_000);
    await server.app.messages.drain();
    expect(await sendStates()).toEqual([
      { user: ok, state: 'sent', named: false },
      { user: refused, state: 'failed', named: false },
    ]);
    expect(await server.db.selectFrom('message_queue').select('id').execute()).toEqual([]);
    expect(await status()).toEqual({ app_id: app.id, invited: 1, enrolled: 0, expired: 0, failed: 1 });
  });

  it('an invitation whose message was never tried before its window closed is counted failed', async () => {
    const user = await newUser(3);
    await server.app.services.invitations.invite(app, [user], { via: 'sms', validDays: 14 });
    clock.advance(DAY);
    await server.app.messages.drain();
    expect(flaky.sent).toEqual([]);
    expect(await sendStates()).toEqual([{ user, state: 'failed', named: false }]);
  });

  it('the outcome of a message a re-invitation replaced leaves the new invitation alone', async () => {
    const user = await newUser(4);
    flaky.refusing.add('+15095550104');
    await server.app.services.invitations.invite(app, [user], { via: 'sms', validDays: 14 });
    await server.app.messages.drain();
    clock.advance(60 * 60_000);
    // Invited again an hour later: a new link in a new message; the first is still being retried.
    await server.app.services.invitations.invite(app, [user], { via: 'sms', validDays: 14 });
    await server.app.messages.drain();
    // The first message's window closes (the second's has an hour left), so it is given up.
    clock.advance(DAY - 60 * 60_000);
    await server.app.messages.drain();
    expect(await sendStates()).toEqual([{ user, state: 'queued', named: true }]);
    // The second gets through.
    flaky.refusing.clear();
    clock.advance(30 * 60_000);
    await server.app.messages.drain();
    expect(flaky.sent).toEqual(['+15095550104']);
    expect(await sendStates()).toEqual([{ user, state: 'sent', named: false }]);
    expect(await status()).toEqual({ app_id: app.id, invited: 1, enrolled: 0, expired: 0, failed: 0 });
  });
});
