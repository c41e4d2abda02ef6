// `@countersign/device` against the real service, in process: the calls `countersign device …` does not
// make (phone enrollment, accounts, the event stream, the device list, revocation).
import { Device, DeviceError, type DeviceEvent, memoryStorage } from '@countersign/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastMessageTo } from '../compat/compat-support.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

const EVENT_WAIT_MS = 10_000;

let server: TestServer;
let app: { id: number; apiKey: string };
let phone = 5_095_550_400;

beforeAll(async () => {
  server = await startTestServer();
  app = await server.createApp({ name: 'Library Bank' });
});

afterAll(async () => {
  await server?.close();
});

function newDevice(name = 'Library test'): Device {
  return new Device({ storage: memoryStorage(), name, platform: 'web' });
}

async function newUser(): Promise<{ id: number; cellphone: string }> {
  phone += 1;
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: `l${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  return { id: (response.body.user as { id: number }).id, cellphone: String(phone) };
}

/** The app's enrollment link, pointed at where the harness listens (it learns its port after PUBLIC_URL). */
async function link(userId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${userId}/enrollments`, {
    key: app.apiKey,
  });
  const url = new URL((response.body.enrollment as { url: string }).url);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeviceError) return error.code;
    throw error;
  }
  throw new Error('expected a DeviceError');
}

describe('@countersign/device against the service', () => {
  it('enrolls by phone and code, and then holds the account of every app that registered the phone', async () => {
    const user = await newUser();
    const device = newDevice();
    const started = await device.startPhoneEnrollment(server.url, '1', user.cellphone);
    expect(started.enrollment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(started.expires_at))).toBe(false);

    const { code } = await lastMessageTo(server, `+1${user.cellphone}`);
    const enrolled = await device.completePhoneEnrollment(code);
    expect(enrolled.accounts).toEqual([
      {
        app_id: app.id,
        app_name: 'Library Bank',
        authy_id: user.id,
        totp: { secret: expect.stringMatching(/^[A-Z2-7]+=*$/), digits: 7, period: 30, algorithm: 'SHA1' },
      },
    ]);
    expect(await device.accounts()).toEqual(enrolled.accounts);
    expect(await errorCode(device.completePhoneEnrollment(code))).toBe('already_enrolled');
  });

  it('a wrong phone code is refused and the enrollment can be retried with the right one', async () => {
    const user = await newUser();
    const device = newDevice();
    await device.startPhoneEnrollment(server.url, '1', user.cellphone);
    const { code } = await lastMessageTo(server, `+1${user.cellphone}`);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await errorCode(device.completePhoneEnrollment(wrong))).toBe('unauthorized');
    expect((await device.completePhoneEnrollment(code)).accounts).toHaveLength(1);
  });

  it('streams a new request as "request" and its answer as "withdrawn"', async () => {
    const user = await newUser();
    // The service subscribes the stream before it sends the response head, so once fetch resolves, no
    // event can be missed.
    let connected: () => void = () => undefined;
    const isConnected = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const device = new Device({
      storage: memoryStorage(),
      name: 'Streaming',
      platform: 'web',
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/device/v1/events')) connected();
        return response;
      },
    });
    await device.enrollWithLink(await link(user.id));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), EVENT_WAIT_MS);
    const events: DeviceEvent[] = [];
    try {
      const stream = device.events(controller.signal);
      const first = stream.next();
      await isConnected;
      const created = await call(server, 'POST', `/onetouch/json/users/${user.id}/approval_requests`, {
        key: app.apiKey,
        json: { message: 'Streamed' },
      });
      const uuid = (created.body.approval_request as { uuid: string }).uuid;
      const got = await first;
      if (got.done !== true) events.push(got.value);
      const [request] = await device.pending();
      if (request === undefined) throw new Error('nothing pending');
      await device.answer(request, 'approved');
      for await (const event of stream) {
        events.push(event);
        if (event.type === 'withdrawn') break;
      }
      expect(events).toEqual([
        { type: 'request', uuid },
        { type: 'withdrawn', uuid },
      ]);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  });

  it('lists the devices, marks the current one, and a revoked device is refused at once', async () => {
    const user = await newUser();
    const first = newDevice('First');
    const second = newDevice('Second');
    await first.enrollWithLink(await link(user.id));
    await second.enrollWithLink(await link(user.id));
    const firstId = (await first.enrollment())?.device_id;
    const secondId = (await second.enrollment())?.device_id;

    const listed = await first.devices();
    expect(listed.map((d) => [d.name, d.platform, d.current]).sort()).toEqual([
      ['First', 'web', true],
      ['Second', 'web', false],
    ]);
    expect(listed.find((d) => d.current)?.device_id).toBe(firstId);

    await first.revoke(secondId ?? '');
    expect(await errorCode(second.pending())).toBe('unauthorized');
    expect((await first.devices()).map((d) => d.device_id)).toEqual([firstId]);

    await first.revoke(firstId ?? '');
    expect(await first.enrollment()).toBeUndefined();
    expect(await errorCode(first.pending())).toBe('not_enrolled');
  });
});
