// What the console's Security events page lists (issue 17, item 2): lockouts and rate limits are recorded as
// security events (and so in the audit chain) where before they were only log lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/apps/app.js';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { signedInOperator } from '../support/console-session.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { answerFor, deviceCall, enrollWithLink, type PendingRequest } from '../support/test-device.js';

let server: TestServer;
/** A service whose apps may make 5 calls a minute, on a clock the test moves. */
let limited: TestServer;
// The start of a minute, just past: the events of one minute are told from the next by the test's own moves.
const clock = testClock(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);

beforeAll(async () => {
  server = await startTestServer();
  limited = await startTestServer({ clock, env: { COUNTERSIGN_RATE_LIMIT: '5' } });
});

afterAll(async () => {
  await server?.close();
  await limited?.close();
});

interface Listed {
  type: string;
  app_id: number | null;
  user_id: number | null;
  detail: Record<string, unknown>;
}

async function listed(type: string, on = server): Promise<Listed[]> {
  const viewer = await signedInOperator(on, 'viewer');
  const answer = await call(on, 'GET', `/console/api/security-events?type=${type}`, {
    headers: viewer.headers,
  });
  expect(answer.status).toBe(200);
  return answer.body.events as Listed[];
}

describe('security events for the console', () => {
  it('a lockout by wrong codes is one user.locked event, in the table and the audit chain', async () => {
    const created = await server.createApp({ name: 'Lock Bank' });
    const registered = await call(server, 'POST', '/protected/json/users/new', {
      key: created.apiKey,
      json: { user: { email: 'locked@example.com', cellphone: '5095550142', country_code: '1' } },
    });
    const userId = (registered.body.user as { id: number }).id;
    const app = (await server.app.services.apps.find(created.id)) as App;
    const seed = await server.app.services.users.seed(
      await server.app.services.users.find(app, String(userId)),
    );
    const near = new Set([-1, 0, 1].map((d) => totpCode(seed, stepAt(Date.now()) + d, 7)));
    let wrong = 1_000_000;
    while (near.has(String(wrong))) wrong += 1;
    const statuses: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      const answer = await call(server, 'GET', `/protected/json/verify/${wrong}/${userId}`, {
        key: created.apiKey,
      });
      statuses.push(answer.status);
    }
    expect(statuses).toContain(429);
    const events = await listed('user.locked');
    expect(events).toEqual([
      expect.objectContaining({ type: 'user.locked', app_id: created.id, user_id: userId }),
    ]);
    const chained = await server.app.services.audit.list({ action: 'security.user.locked', limit: 10 });
    expect(chained).toHaveLength(1);
    expect(chained[0]).toMatchObject({ actor: 'service', target_id: String(userId) });
  });

  it('an app over its rate is one app.rate_limited event a minute, however many calls are refused', async () => {
    const created = await limited.createApp({ name: 'Busy Bank' });
    const details = () => call(limited, 'GET', '/protected/json/app/details', { key: created.apiKey });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await details()).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    await expect
      .poll(
        async () => (await listed('app.rate_limited', limited)).filter((e) => e.app_id === created.id).length,
      )
      .toBe(1);
    clock.advance(60_000);
    for (let i = 0; i < 8; i += 1) await details();
    await expect
      .poll(
        async () => (await listed('app.rate_limited', limited)).filter((e) => e.app_id === created.id).length,
      )
      .toBe(2);
  });

  it('a refused answer (here, for something the device was not shown) is one device.answer_refused a minute', async () => {
    const created = await limited.createApp({ name: 'Answer Bank' });
    const registered = await call(limited, 'POST', '/protected/json/users/new', {
      key: created.apiKey,
      json: { user: { email: 'answers@example.com', cellphone: '5095550143', country_code: '1' } },
    });
    const userId = (registered.body.user as { id: number }).id;
    const enrollment = await call(limited, 'POST', `/protected/json/users/${userId}/enrollments`, {
      key: created.apiKey,
    });
    const device = await enrollWithLink(
      limited,
      (enrollment.body.enrollment as { url: string }).url,
      'Phone',
    );
    const request = await call(limited, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: created.apiKey,
      json: { message: 'Transfer $500', details: { To: 'bob' } },
    });
    const uuid = (request.body.approval_request as { uuid: string }).uuid;
    // The device signs on the service's clock, which this file sets and moves, not on the wall clock: a wall
    // clock a minute away from it would make every signed call a 401.
    const signing = () => ({ timestamp: clock.now() });
    const listedRequests = await deviceCall(
      limited,
      device,
      'GET',
      '/device/v1/requests',
      undefined,
      signing(),
    );
    const pending = (listedRequests.body.requests as PendingRequest[]).find(
      (r) => r.uuid === uuid,
    ) as PendingRequest;
    for (let i = 0; i < 3; i += 1) {
      const forged = answerFor(device, { ...pending, message: 'Transfer $5' }, 'approved', {
        signed_at: clock.now(),
      });
      const refused = await deviceCall(
        limited,
        device,
        'POST',
        `/device/v1/requests/${uuid}/answer`,
        forged,
        signing(),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error_code).toBe('60080');
    }
    const events = (await listed('device.answer_refused', limited)).filter((e) => e.user_id === userId);
    expect(events).toEqual([
      expect.objectContaining({
        app_id: created.id,
        detail: expect.objectContaining({ uuid, error_code: '60080' }),
      }),
    ]);
    const answered = await deviceCall(
      limited,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending, 'approved', { signed_at: clock.now() }),
      signing(),
    );
    expect(answered.status).toBe(200);
  });
});
