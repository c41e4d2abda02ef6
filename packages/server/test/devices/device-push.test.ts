// `@countersign/device`'s Web Push calls against the real service, in process, with a push service on
// loopback: the key the library hands a browser is the one the service signs with, and a subscription it
// sends makes a new request arrive as a push.
import { createECDH, randomBytes } from 'node:crypto';
import { Device, DeviceError, memoryStorage } from '@countersign/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptPush, startFakePushService } from '../push/fake-push-service.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let push: Awaited<ReturnType<typeof startFakePushService>>;
let app: { id: number; apiKey: string };
let phone = 5_095_550_600;

beforeAll(async () => {
  push = await startFakePushService();
  server = await startTestServer({ env: { COUNTERSIGN_PUSH_ALLOW: '127.0.0.1' } });
  app = await server.createApp({ name: 'Push Library Bank' });
});

afterAll(async () => {
  await server?.close();
  await push?.close();
});

/** A new user of the app and a device enrolled for them through the app's link. */
async function enrolledDevice(): Promise<{ device: Device; userId: number }> {
  phone += 1;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: `p${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  const userId = (user.body.user as { id: number }).id;
  const enrollment = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.apiKey,
  });
  // The link is written under PUBLIC_URL; the harness listens elsewhere, so keep only path and fragment.
  const url = new URL((enrollment.body.enrollment as { url: string }).url);
  const device = new Device({ storage: memoryStorage(), name: 'Push test', platform: 'web' });
  await device.enrollWithLink(`${server.url}${url.pathname}${url.hash}`);
  return { device, userId };
}

describe('@countersign/device Web Push against the service', () => {
  it('a subscription sent with subscribePush gets a push, VAPID-signed under pushKey(), when a request is created', async () => {
    const { device, userId } = await enrolledDevice();
    const key = await device.pushKey();
    expect(key).toBe((await call(server, 'GET', '/device/v1/push-key')).body.public_key);

    // What a browser's PushSubscription holds: its own P-256 key pair and a 16-byte auth secret.
    const receiver = createECDH('prime256v1');
    receiver.generateKeys();
    const auth = randomBytes(16);
    const path = `/push/${randomBytes(8).toString('hex')}`;
    await device.subscribePush({
      endpoint: `${push.url}${path}`,
      expirationTime: null,
      keys: { p256dh: receiver.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    });

    const created = await call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Pushed' },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const deadline = Date.now() + 5_000;
    while (!push.received.some((r) => r.path === path) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const message = push.received.find((r) => r.path === path);
    if (message === undefined) throw new Error('no push arrived within 5 s');
    expect(JSON.parse(decryptPush(message.body, receiver, auth))).toEqual({ type: 'request', uuid });
    // The browser subscribed with pushKey() as its applicationServerKey: the push service checks this match.
    expect(String(message.headers.authorization)).toMatch(new RegExp(`^vapid t=[^,]+, k=${key}$`));
  });

  it('an endpoint that is not a push service is refused as bad_request', async () => {
    const { device } = await enrolledDevice();
    const keys = { p256dh: createECDH('prime256v1').generateKeys('base64url'), auth: 'A'.repeat(22) };
    const refused = await device.subscribePush({ endpoint: 'http://10.0.0.1/push', keys }).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(refused instanceof DeviceError)) throw new Error(`expected a DeviceError, got ${String(refused)}`);
    expect([refused.code, refused.status]).toEqual(['bad_request', 400]);
  });
});
