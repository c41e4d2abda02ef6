import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../support/harness.js';
import { countersign, freePort, serve as serveProcess } from '../support/processes.js';
import { createTestDatabase } from '../support/test-database.js';
import { answerFor, deviceCall, enrollWithLink, type PendingRequest } from '../support/test-device.js';
import { startReceiver } from './receiver.js';

const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** `countersign serve` on the URL's port, killed after the tests whatever happens to them. */
async function serve(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const { child } = await serveProcess(env, Number(new URL(url).port));
  children.add(child);
  return child;
}

describe('crash safety of callbacks (R50)', () => {
  it('a SIGKILL between the answer and the delivery still delivers, once, after restart', async () => {
    const port = await freePort();
    const receiverPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const database = await createTestDatabase();
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32',
      // A short delivery timeout keeps the claim of an interrupted delivery short (timeout + 5 s).
      COUNTERSIGN_WEBHOOK_TIMEOUT: '2',
    };
    const created = JSON.parse(
      await countersign(
        [
          'apps',
          'create',
          '--name',
          'Crash Bank',
          '--callback-url',
          `http://127.0.0.1:${receiverPort}/hook`,
          '--json',
        ],
        env,
      ),
    ) as { api_key: string };
    const server = { url };
    let child = await serve(env, url);

    const user = await call(server, 'POST', '/protected/json/users/new', {
      key: created.api_key,
      json: { user: { email: 'k@example.com', cellphone: '2015550166', country_code: 1 } },
    });
    const userId = (user.body.user as { id: number }).id;
    const link = (
      (await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: created.api_key }))
        .body.enrollment as { url: string }
    ).url;
    const device = await enrollWithLink(server, link);
    const request = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: created.api_key,
      json: { message: 'Pay' },
    });
    const uuid = (request.body.approval_request as { uuid: string }).uuid;
    const [pending] = (await deviceCall(server, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    const answered = await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device, pending as PendingRequest, 'approved'),
    );
    expect(answered.status).toBe(200);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const receiver = await startReceiver(receiverPort);
    try {
      child = await serve(env, url);
      const deliveries = await receiver.waitFor(1, 20_000);
      expect(deliveries.map((d) => d.body.uuid)).toEqual([uuid]);
      await new Promise((r) => setTimeout(r, 1000));
      expect(receiver.deliveries).toHaveLength(1);
      const status = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, {
        key: created.api_key,
      });
      expect(status.body.approval_request).toMatchObject({ status: 'approved' });
    } finally {
      child.kill('SIGKILL');
      await receiver.close();
      await database.drop();
    }
  }, 40_000);
});
