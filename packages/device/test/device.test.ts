import {
  type AnswerDocument,
  answerChallenge,
  canonicalJson,
  decodeBase64url,
  displayHash,
} from '@countersign/protocol';
import { describe, expect, it } from 'vitest';
import {
  Device,
  DeviceError,
  type DeviceEvent,
  memoryStorage,
  type PendingRequest,
  type PushSubscriptionJson,
  totpCodes,
} from '../src/index.js';
import { ACCOUNT, type FakeService, fakeService, PUSH_KEY } from './support/fake-service.js';
import { verifiesWithNode } from './support/node-verify.js';

const NOW = 1_764_158_400_000;

const REQUEST: PendingRequest = {
  uuid: '6f1d3c1e-6a55-4a8b-9a0e-5d8f1e2c3b4a',
  app_id: 1,
  app_name: 'Countersign Bank',
  message: 'Transfer $500',
  details: { Account: '1234' },
  created_at: '2026-11-26T12:00:00.000Z',
  expires_at: '2026-11-26T12:05:00.000Z',
  number_match_required: false,
  nonce: 'request-nonce',
  user_verification: 'off',
};

function setup(): { device: Device; service: FakeService; clock: { now(): number } } {
  const clock = { now: () => NOW };
  const service = fakeService(clock.now);
  const device = new Device({
    storage: memoryStorage(),
    name: 'Test',
    platform: 'cli',
    clock,
    fetch: service.fetch,
  });
  return { device, service, clock };
}

async function enrolled() {
  const context = setup();
  await context.device.enrollWithLink(
    `${context.service.origin}/authenticator/#enroll=${context.service.token}`,
  );
  return context;
}

async function errorOf(promise: Promise<unknown>): Promise<DeviceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeviceError) return error;
    throw error;
  }
  throw new Error('expected a DeviceError');
}

describe('Device', () => {
  it('enrolls with a link: posts token, public key, name, platform and a proof the service verifies', async () => {
    const { device, service } = setup();
    const enrollment = await device.enrollWithLink(
      `${service.origin}/authenticator/#enroll=${service.token}`,
    );
    expect(enrollment).toEqual({ device_id: [...service.devices.keys()][0], accounts: [ACCOUNT] });
    const call = service.calls[0];
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/device/v1/enrollments');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.headers.has('countersign-signature')).toBe(false);
    expect(Object.keys(JSON.parse(call?.body ?? '{}')).sort()).toEqual([
      'name',
      'platform',
      'proof',
      'public_key',
      'token',
    ]);
    expect(await device.enrollment()).toEqual({ server: service.origin, device_id: enrollment.device_id });
  });

  it('one storage is one device: a second enrollment fails with already_enrolled', async () => {
    const { device, service } = await enrolled();
    const error = await errorOf(
      device.enrollWithLink(`${service.origin}/authenticator/#enroll=${service.token}`),
    );
    expect(error.code).toBe('already_enrolled');
  });

  it('before enrollment, signed calls fail with not_enrolled', async () => {
    const { device } = setup();
    const subscription = { endpoint: 'https://push.example.com/x', keys: { p256dh: 'p', auth: 'a' } };
    for (const call of [
      device.pending(),
      device.accounts(),
      device.codes(),
      device.devices(),
      device.pushKey(),
      device.subscribePush(subscription),
    ]) {
      expect((await errorOf(call)).code).toBe('not_enrolled');
    }
  });

  it('signed calls pass the service checks, each with a fresh nonce, and send no body or content-type on GET', async () => {
    const { device, service } = await enrolled();
    service.requests.push(REQUEST);
    expect(await device.pending()).toEqual([REQUEST]);
    expect(await device.pending()).toEqual([REQUEST]);
    const gets = service.calls.filter((c) => c.path === '/device/v1/requests');
    expect(gets).toHaveLength(2);
    expect(gets[0]?.headers.get('countersign-nonce')).not.toBe(gets[1]?.headers.get('countersign-nonce'));
    expect(gets[0]?.headers.has('content-type')).toBe(false);
    expect(gets[0]?.headers.get('countersign-timestamp')).toBe(String(NOW));
  });

  it('answers with the signed document of what was shown, under the enrolled key', async () => {
    const { device, service } = await enrolled();
    const result = await device.answer({ ...REQUEST, number_match_required: true }, 'approved', {
      numberMatch: '42',
    });
    expect(result).toEqual({ status: 'approved' });
    const call = service.calls.at(-1);
    expect(call?.path).toBe(`/device/v1/requests/${REQUEST.uuid}/answer`);
    const [answer] = service.answers;
    const deviceId = (await device.enrollment())?.device_id ?? '';
    expect(answer?.document).toEqual({
      purpose: 'countersign-answer',
      uuid: REQUEST.uuid,
      decision: 'approved',
      reason: null,
      device_id: deviceId,
      nonce: 'request-nonce',
      display_hash: await displayHash(REQUEST),
      number_match: '42',
      signed_at: NOW,
    });
    const jwk = service.devices.get(deviceId);
    if (jwk === undefined || answer === undefined) throw new Error('no device or answer');
    expect(verifiesWithNode(jwk, canonicalJson(answer.document), answer.signature)).toBe(true);

    await device.answer(REQUEST, 'denied', { reason: 'not_me' });
    expect(service.answers[1]?.document).toMatchObject({
      decision: 'denied',
      reason: 'not_me',
      number_match: null,
    });
  });

  it('registers a passkey with the options the service gave, keeps its id, and an approval carries the assertion over the answer’s challenge (D14)', async () => {
    const { device, service } = await enrolled();
    expect(await device.passkey()).toBeUndefined();
    expect(await device.passkeyOptions()).toEqual({ challenge: 'Y2hhbGxlbmdl', rp: { id: 'localhost' } });
    const credential = { id: 'credential-1', type: 'public-key', response: { attestationObject: 'AA' } };
    expect(await device.registerPasskey(credential)).toBe('credential-1');
    const deviceId = (await device.enrollment())?.device_id ?? '';
    expect(service.passkeys.get(deviceId)).toEqual(credential);
    expect(await device.passkey()).toBe('credential-1');
    // The id stays with the enrollment when its accounts are fetched again.
    await device.accounts();
    expect(await device.passkey()).toBe('credential-1');

    const challenges: string[] = [];
    await device.answer(REQUEST, 'approved', {
      verifyUser: async (challenge) => {
        challenges.push(challenge);
        return { id: 'credential-1', response: { signature: 'c2ln' } };
      },
    });
    const [answer] = service.answers;
    if (answer === undefined) throw new Error('no answer');
    expect(challenges).toEqual([answerChallenge(answer.document as unknown as AnswerDocument)]);
    expect(answer.assertion).toEqual({ id: 'credential-1', response: { signature: 'c2ln' } });
    await device.answer(REQUEST, 'denied');
    expect(service.answers[1]?.assertion).toBeUndefined();
  });

  it('a refusal becomes a DeviceError whose code names the status', async () => {
    const { device, service } = await enrolled();
    const cases = [
      [400, 'bad_request'],
      [401, 'unauthorized'],
      [404, 'not_found'],
      [409, 'conflict'],
      [410, 'gone'],
      [429, 'rate_limited'],
      [503, 'server_error'],
    ] as const;
    for (const [status, code] of cases) {
      service.failNext = { status, message: 'Nope' };
      const error = await errorOf(device.answer(REQUEST, 'approved'));
      expect([error.code, error.status, error.message]).toEqual([
        code,
        status,
        `the service refused (${status}): Nope`,
      ]);
    }
  });

  it('a clock more than 60 s off is refused by the service (the timestamp is the injected clock)', async () => {
    const { device, clock } = await enrolled();
    clock.now = () => NOW + 61_000;
    expect((await errorOf(device.pending())).code).toBe('unauthorized');
  });

  it('an unreachable service fails with network_error', async () => {
    const device = new Device({
      storage: memoryStorage(),
      name: 'Test',
      platform: 'cli',
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
      },
    });
    const error = await errorOf(
      device.enrollWithLink(`http://127.0.0.1:1/authenticator/#enroll=${'A'.repeat(43)}`),
    );
    expect(error.code).toBe('network_error');
    expect(error.message).toBe('could not reach http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('a body that does not follow the protocol fails with unexpected_response', async () => {
    const { device, service } = await enrolled();
    service.requests.push({ ...REQUEST, number_match_required: 'yes' as unknown as boolean });
    expect((await errorOf(device.pending())).code).toBe('unexpected_response');
  });

  it('codes come from the stored accounts at the given time, each with its period for a countdown', async () => {
    const { device } = await enrolled();
    expect(await device.codes(NOW + 5000)).toEqual(totpCodes([ACCOUNT], NOW + 5000));
    expect(await device.codes()).toEqual(totpCodes([ACCOUNT], NOW));
    const [code] = await device.codes(NOW + 5000);
    expect([code?.expires_in, code?.period]).toEqual([25, 30]);
  });

  it('pushKey asks the enrolled service, unsigned, for its VAPID key: 65 bytes of an uncompressed P-256 point', async () => {
    const { device, service } = await enrolled();
    const key = await device.pushKey();
    expect(key).toBe(PUSH_KEY);
    const bytes = decodeBase64url(key);
    expect([bytes.length, bytes[0]]).toEqual([65, 0x04]);
    const call = service.calls.at(-1);
    expect([call?.method, call?.path]).toEqual(['GET', '/device/v1/push-key']);
    expect(call?.headers.has('countersign-signature')).toBe(false);
  });

  it('pushKey refuses a key that is not an uncompressed P-256 point with unexpected_response', async () => {
    const { device, service } = await enrolled();
    const point = Buffer.from(PUSH_KEY, 'base64url');
    for (const bad of [
      undefined,
      42,
      '',
      `${PUSH_KEY}=`, // padded
      PUSH_KEY.replace(/^./, '+'), // not the base64url alphabet
      Buffer.concat([Buffer.from([0x02]), point.subarray(1, 33)]).toString('base64url'), // compressed
      Buffer.concat([Buffer.from([0x05]), point.subarray(1)]).toString('base64url'), // wrong prefix
      Buffer.concat([point, Buffer.from([0])]).toString('base64url'), // too long
    ]) {
      service.pushKey = bad;
      expect((await errorOf(device.pushKey())).code, String(bad)).toBe('unexpected_response');
    }
  });

  it('subscribePush sends exactly endpoint and keys, signed, and takes a browser subscription’s toJSON() as it is', async () => {
    const { device, service } = await enrolled();
    const deviceId = (await device.enrollment())?.device_id ?? '';
    // What Chrome's PushSubscription.toJSON() gives: expirationTime is not part of the protocol.
    const browserJson = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      expirationTime: null,
      keys: { p256dh: 'BP256dh', auth: 'authSecret' },
    };
    await device.subscribePush(browserJson);
    const call = service.calls.at(-1);
    expect([call?.method, call?.path]).toEqual(['POST', '/device/v1/push-subscription']);
    expect(call?.body).toBe(
      '{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BP256dh","auth":"authSecret"}}',
    );
    expect(service.pushSubscriptions.get(deviceId)).toEqual({
      endpoint: browserJson.endpoint,
      keys: browserJson.keys,
    });
  });

  it('subscribePush without an endpoint or a key is a TypeError, and nothing is sent', async () => {
    const { device, service } = await enrolled();
    const sent = service.calls.length;
    const incompletes: PushSubscriptionJson[] = [
      {},
      { keys: { p256dh: 'p', auth: 'a' } },
      { endpoint: 'https://fcm.googleapis.com/x' },
      { endpoint: 'https://fcm.googleapis.com/x', keys: { p256dh: 'p' } },
    ];
    for (const incomplete of incompletes) {
      await expect(device.subscribePush(incomplete)).rejects.toThrow(TypeError);
    }
    expect(service.calls).toHaveLength(sent);
  });

  it('subscribePush reports the service’s refusal of an endpoint as bad_request', async () => {
    const { device, service } = await enrolled();
    service.failNext = { status: 400, message: 'Invalid parameter: endpoint - is not a known push service' };
    const error = await errorOf(
      device.subscribePush({ endpoint: 'http://10.0.0.1/push', keys: { p256dh: 'p', auth: 'a' } }),
    );
    expect([error.code, error.status]).toEqual(['bad_request', 400]);
  });

  it('streams request and withdrawn events, skipping unknown ones', async () => {
    const { device, service } = await enrolled();
    service.events = [
      ': hi\n\nevent: request\ndata: {"uuid":"a"}\n\nevent: other\ndata: {}\n\n',
      'event: withdrawn\ndata: {"uuid":"a"}\n\n',
    ];
    const events: DeviceEvent[] = [];
    for await (const event of device.events()) events.push(event);
    expect(events).toEqual([
      { type: 'request', uuid: 'a' },
      { type: 'withdrawn', uuid: 'a' },
    ]);
    expect(service.calls.at(-1)?.headers.get('accept')).toBe('text/event-stream');
  });

  it('aborting the event stream, before or during it, ends the iteration quietly', async () => {
    const { device, service } = await enrolled();
    const before = new AbortController();
    before.abort();
    const none: DeviceEvent[] = [];
    for await (const event of device.events(before.signal)) none.push(event);
    expect(none).toEqual([]);

    service.events = ['event: request\ndata: {"uuid":"a"}\n\n'];
    service.keepEventsOpen = true;
    const during = new AbortController();
    const seen: DeviceEvent[] = [];
    for await (const event of device.events(during.signal)) {
      seen.push(event);
      during.abort();
    }
    expect(seen).toEqual([{ type: 'request', uuid: 'a' }]);
  });

  it('lists devices, and revoking itself forgets the enrollment and the key', async () => {
    const { device, service } = await enrolled();
    const deviceId = (await device.enrollment())?.device_id;
    expect(await device.devices()).toEqual([
      {
        device_id: deviceId,
        name: 'CLI',
        platform: 'cli',
        created_at: '2026-11-26T12:00:00.000Z',
        last_seen_at: null,
        current: true,
      },
    ]);
    await device.revoke(deviceId ?? '');
    expect(service.calls.at(-1)?.method).toBe('DELETE');
    expect(service.devices.size).toBe(0);
    expect(await device.enrollment()).toBeUndefined();
    expect((await errorOf(device.pending())).code).toBe('not_enrolled');
  });
});
