// The console's requests feed across instances (issue 17, item 2): an operator's browser holds its feed on
// one instance while apps and devices reach others; the bus between instances carries every change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInOperator } from '../support/console-session.js';
import { openStream } from '../support/event-stream.js';
import { call } from '../support/harness.js';
import { answerFor, deviceCall, enrollWithLink, type PendingRequest } from '../support/test-device.js';
import { type Cluster, pick, startCluster } from './cluster.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(async () => {
  await cluster?.close();
});

describe('the console feed on two instances', () => {
  it('a request created on instance A, and its approval there, reach a feed held on instance B', async () => {
    const a = pick(cluster, 0);
    const b = pick(cluster, 1);
    const { apiKey: key } = await a.createApp({ name: 'Cluster Bank' });
    const user = await call(a, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'feed@example.com', cellphone: '4155550199', country_code: '1' } },
    });
    const userId = (user.body.user as { id: number }).id;
    const link = await call(a, 'POST', `/protected/json/users/${userId}/enrollments`, { key });
    const device = await enrollWithLink(a, (link.body.enrollment as { url: string }).url);

    const headers = (await signedInOperator(b, 'viewer')).headers;
    const feed = await openStream(b.url, `/console/api/requests/feed?user_id=${userId}`, headers);
    try {
      expect(feed.status).toBe(200);
      const created = await call(a, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
        key,
        json: { message: 'Across instances' },
      });
      expect(created.status).toBe(200);
      const uuid = (created.body.approval_request as { uuid: string }).uuid;
      const pending = await feed.next((e) => e.event === 'request');
      expect(JSON.parse(pending.data)).toMatchObject({
        uuid,
        status: 'pending',
        message: 'Across instances',
      });

      const listed = await deviceCall(a, device, 'GET', '/device/v1/requests');
      const request = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
      if (request === undefined) throw new Error('the request is not pending for the device');
      const answered = await deviceCall(
        a,
        device,
        'POST',
        `/device/v1/requests/${uuid}/answer`,
        answerFor(device, request, 'approved'),
      );
      expect(answered.status).toBe(200);
      const approved = await feed.next(
        (e) => e.event === 'request' && JSON.parse(e.data).status === 'approved',
      );
      expect(JSON.parse(approved.data)).toMatchObject({ uuid, status: 'approved', device_id: device.id });
      expect(feed.events.map((e) => JSON.parse(e.data).status)).toEqual(['pending', 'approved']);
    } finally {
      feed.close();
    }
  });
});
