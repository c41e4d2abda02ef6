import { createECDH, randomBytes } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { decryptPush, startFakePushService } from './fake-push-service.js';

let server: TestServer;
let push: Awaited<ReturnType<typeof startFakePushService>>;
let phone = 3055550100;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

beforeAll(async () => {
  push = await startFakePushService();
  server = await startTestServer({ env: { COUNTERSIGN_PUSH_ALLOW: '127.0.0.1' } });
});
afterAll(async () => {
  await server.close();
  await push.close();
});

async function subscribedDevice(numberMatching: 'off' | '2' = 'off') {
  const app = await server.createApp({ name: 'Push Bank', numberMatching });
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: 'p@example.com', cellphone: nextPhone(), country_code: 1 } },
  });
  const userId = (user.body.user as { id: number }).id;
  const url = (
    (await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, { key: app.apiKey })).body
      .enrollment as { url: string }
  ).url;
  const device = await enrollWithLink(server, url);
  const receiver = createECDH('prime256v1');
  receiver.generateKeys();
  const auth = randomBytes(16);
  const path = `/push/${randomBytes(8).toString('hex')}`;
  const subscribed = await deviceCall(server, device, 'POST', '/device/v1/push-subscription', {
    endpoint: `${push.url}${path}`,
    keys: { p256dh: receiver.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  });
  expect(subscribed.status).toBe(200);
  return { app, userId, device, receiver, auth, path };
}

const received = (path: string) => push.received.filter((r) => r.path === path);

async function waitForPath(path: string, count: number) {
  const deadline = Date.now() + 3000;
  while (received(path).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return received(path);
}

describe('Web Push (R36)', () => {
  it('pushes only opaque ids, encrypted per RFC 8291, VAPID-signed for the push service, with a TTL within the request’s life', async () => {
    const { app, userId, receiver, auth, path } = await subscribedDevice();
    const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: {
        message: 'Transfer money to bob@example.com',
        details: { Amount: '$500' },
        seconds_to_expire: 120,
      },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const [message] = await waitForPath(path, 1);
    if (message === undefined) throw new Error('no push arrived');
    expect(message.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(message.headers.ttl)).toBeGreaterThan(100);
    expect(Number(message.headers.ttl)).toBeLessThanOrEqual(120);
    expect(message.body.toString('latin1')).not.toContain('bob@example.com');
    expect(JSON.parse(decryptPush(message.body, receiver, auth))).toEqual({ type: 'request', uuid });

    const authorization = String(message.headers.authorization);
    const [, token, k] = /^vapid t=([^,]+), k=(.+)$/.exec(authorization) ?? [];
    const point = Buffer.from(k ?? '', 'base64url');
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      'ES256',
    );
    const { payload, protectedHeader } = await jwtVerify(token ?? '', key);
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.aud).toBe(push.url);
    expect((payload.exp ?? 0) - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    const served = (await call(server, 'GET', '/device/v1/push-key')).body as { public_key: string };
    expect(served.public_key).toBe(k);
  });

  it('a failing push service never fails the request, and a 410 drops the subscription', async () => {
    const { app, userId, device, path } = await subscribedDevice();
    push.status = 500;
    const failed = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'One' },
    });
    expect(failed.status).toBe(200);
    await waitForPath(path, 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.logs.join('')).toContain('"outcome":"failed","msg":"push not delivered"');
    push.status = 410;
    await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Two' },
    });
    await waitForPath(path, 2);
    push.status = 201;
    await new Promise((r) => setTimeout(r, 100));
    const row = await server.db
      .selectFrom('devices')
      .select('push_subscription_ct')
      .where('id', '=', device.id)
      .executeTakeFirstOrThrow();
    expect(row.push_subscription_ct).toBeNull();
    await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Three' },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(received(path)).toHaveLength(2);
  });

  it('"this wasn\'t me" pauses pushes to the user (R42)', async () => {
    const { app, userId, device, path } = await subscribedDevice();
    const first = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Log in' },
    });
    await waitForPath(path, 1);
    const uuid = (first.body.approval_request as { uuid: string }).uuid;
    const [request] = (await deviceCall(server, device, 'GET', '/device/v1/requests')).body
      .requests as PendingRequest[];
    await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(device as TestDevice, request as PendingRequest, 'denied', { reason: 'not_me' }),
    );
    const second = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Log in again' },
    });
    expect(second.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(received(path)).toHaveLength(1);
  });

  it('refuses a subscription that points anywhere but a push service', async () => {
    const { device } = await subscribedDevice();
    for (const endpoint of [
      'http://10.0.0.1/push',
      'https://169.254.169.254/latest',
      'https://user:pw@fcm.googleapis.com/x',
      'file:///etc/passwd',
    ]) {
      const response = await deviceCall(server, device, 'POST', '/device/v1/push-subscription', {
        endpoint,
        keys: { p256dh: 'a'.repeat(87), auth: 'b'.repeat(22) },
      });
      expect(response.status, endpoint).toBe(400);
    }
  });
});
