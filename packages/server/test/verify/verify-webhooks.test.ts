// Verify v2 webhooks (`/v2/Services/{VA}/Webhooks`) driven with the real `twilio` package (6.x) pointed at
// loopback, and their events received on loopback and checked with the package's own `validateRequest`, as
// an app that moved from Twilio checks them. TOTP codes are computed here (RFC 6238 with node:crypto).
import { createHmac } from 'node:crypto';
import { Device, memoryStorage } from '@countersign/device';
import { Webhook } from 'standardwebhooks';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestServer, testClock } from '../support/harness.js';
import { type Delivery, startReceiver } from '../webhooks/receiver.js';
import { restError, startVerifySuite, type twilioClient } from './twilio-support.js';

const clock = testClock();
let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let account: { id: number; apiKey: string; accountSid: string; webhookSecret: string };
let other: { id: number; apiKey: string; accountSid: string };
let client: ReturnType<typeof twilioClient>;
let otherClient: ReturnType<typeof twilioClient>;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let next = 1000;
const newIdentity = () => `user-${String(next++).padStart(6, '0')}`;
const newPath = () => `/verify-hooks/${next++}`;

beforeAll(async () => {
  receiver = await startReceiver();
  ({ server, account, other, client, otherClient } = await startVerifySuite({
    clock,
    env: { COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' },
  }));
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});
beforeEach(() => {
  receiver.answer = () => ({ status: 200 });
});

/** RFC 4648 base32, decoded by hand. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase())
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 (SHA-1, 30 s, 6 digits) at the test clock's time. */
function totp(secretBase32: string): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(clock.now() / 30_000)));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(message).digest();
  const at = (mac.at(-1) ?? 0) & 0x0f;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const newService = () => client.verify.v2.services.create({ friendlyName: 'Acme Bank' });

const deliveriesTo = (path: string) => receiver.deliveries.filter((d) => d.path === path);

async function waitForPath(path: string, count: number): Promise<Delivery[]> {
  await expect.poll(() => deliveriesTo(path).length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
  return deliveriesTo(path);
}

/** The form fields of a delivery, as the receiver's framework would parse them. */
const fieldsOf = (delivery: Delivery) => delivery.body as Record<string, string>;

/** Whether the package's `validateRequest` accepts the delivery at the URL the webhook names, with its key. */
function twilioAccepts(delivery: Delivery, url: string, fields = fieldsOf(delivery)): boolean {
  return twilio.validateRequest(account.apiKey, String(delivery.headers['x-twilio-signature']), url, fields);
}

/** A TOTP factor made, verified and challenged once, then removed: every event the TOTP side has. */
/** A device enrolled with an access token for `identity` in the service, and the push factor it became. */
async function enrolledPush(serviceSid: string, identity: string, factorFriendlyName?: string) {
  const verify = client.verify.v2.services(serviceSid);
  const token = await verify.accessTokens.create({
    identity,
    factorType: 'push',
    ...(factorFriendlyName !== undefined && { factorFriendlyName }),
  });
  const device = new Device({
    storage: memoryStorage(),
    name: 'Pixel',
    platform: 'web',
    clock: { now: () => clock.now() },
  });
  await device.enrollWithLink(token.token);
  const [factor] = await verify.entities(identity).factors.list();
  if (factor === undefined) throw new Error('enrolling with the access token made no factor');
  return { device, factor };
}

async function totpLifecycle(serviceSid: string) {
  const identity = newIdentity();
  const entity = client.verify.v2.services(serviceSid).entities(identity);
  const factor = await entity.newFactors.create({ friendlyName: 'Ada’s phone', factorType: 'totp' });
  const secret = (factor.binding as { secret: string }).secret;
  await entity.factors(factor.sid).update({ authPayload: totp(secret) });
  clock.advance(30_000);
  const challenge = await entity.challenges.create({ factorSid: factor.sid, authPayload: totp(secret) });
  expect(challenge.status).toBe('approved');
  await entity.factors(factor.sid).remove();
  return { identity, factorSid: factor.sid, challengeSid: challenge.sid };
}

describe('webhooks of a service (create, fetch, list, update, remove)', () => {
  it('answers what the package reads: a YW SID, the event types, enabled v2 POST; updated and removed it is 404 / 20404', async () => {
    const service = await newService();
    const hooks = client.verify.v2.services(service.sid).webhooks;
    const url = `${receiver.url}/hooks/crud`;
    const made = await hooks.create({
      friendlyName: 'Push events',
      eventTypes: ['factor.verified', 'challenge.approved'],
      webhookUrl: url,
    });
    expect(made.sid).toMatch(SID('YW'));
    expect({
      serviceSid: made.serviceSid,
      accountSid: made.accountSid,
      friendlyName: made.friendlyName,
      eventTypes: made.eventTypes,
      status: made.status,
      version: made.version,
      webhookUrl: made.webhookUrl,
      webhookMethod: made.webhookMethod,
      url: made.url,
    }).toEqual({
      serviceSid: service.sid,
      accountSid: account.accountSid,
      friendlyName: 'Push events',
      eventTypes: ['factor.verified', 'challenge.approved'],
      status: 'enabled',
      version: 'v2',
      webhookUrl: url,
      webhookMethod: 'POST',
      url: `${server.url}/v2/Services/${service.sid}/Webhooks/${made.sid}`,
    });
    expect(made.dateCreated.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000);

    // One event type is one form field: still a list.
    const single = await hooks.create({
      friendlyName: 'All',
      eventTypes: ['*'],
      webhookUrl: url,
      status: 'disabled',
    });
    expect([single.eventTypes, single.status]).toEqual([['*'], 'disabled']);
    const third = await hooks.create({
      friendlyName: 'Third',
      eventTypes: ['factor.deleted'],
      webhookUrl: url,
    });
    expect((await hooks(made.sid).fetch()).friendlyName).toBe('Push events');
    expect((await hooks.list({ pageSize: 2 })).map((w) => w.sid)).toEqual([made.sid, single.sid, third.sid]);
    const page = await hooks.page({ pageSize: 2 });
    expect([page.instances.length, page.nextPageUrl === undefined]).toEqual([2, false]);

    clock.advance(1000);
    const updated = await hooks(made.sid).update({
      friendlyName: 'Renamed',
      eventTypes: ['*'],
      status: 'disabled',
      webhookUrl: `${url}?v=2`,
    });
    expect([updated.friendlyName, updated.eventTypes, updated.status, updated.webhookUrl]).toEqual([
      'Renamed',
      ['*'],
      'disabled',
      `${url}?v=2`,
    ]);
    expect(updated.dateUpdated.getTime()).toBeGreaterThan(updated.dateCreated.getTime());
    expect(await hooks(made.sid).remove()).toBe(true);
    for (const refused of [
      await restError(hooks(made.sid).fetch()),
      await restError(hooks(made.sid).update({ friendlyName: 'x' })),
      await restError(hooks(made.sid).remove()),
    ]) {
      expect([refused.status, refused.code]).toEqual([404, 20404]);
    }
  });

  it('refuses a bad event type, a URL that is not http(s), carries credentials or names a blocked address, and v1: 400 / 60200', async () => {
    const service = await newService();
    const hooks = client.verify.v2.services(service.sid).webhooks;
    const base = { friendlyName: 'Hook', eventTypes: ['*'], webhookUrl: `${receiver.url}/ok` };
    const cases: Array<[Partial<typeof base> & { versionParam?: 'v1' | 'v2' }, string]> = [
      [{ eventTypes: ['factor.nope'] }, 'EventTypes'],
      [{ eventTypes: ['*', 'challenge.approved', 'verification.approved'] }, 'EventTypes'],
      [{ webhookUrl: 'ftp://example.com/hook' }, 'WebhookUrl'],
      [{ webhookUrl: 'not a url' }, 'WebhookUrl'],
      [{ webhookUrl: 'https://user:secret@example.com/hook' }, 'WebhookUrl'],
      [{ webhookUrl: 'http://169.254.169.254/latest/meta-data' }, 'WebhookUrl'],
      [{ webhookUrl: 'http://10.0.0.7/hook' }, 'WebhookUrl'],
      [{ webhookUrl: 'http://[::1]/hook' }, 'WebhookUrl'],
      [{ webhookUrl: 'http://0x7f000002/hook' }, 'WebhookUrl'],
      [{ webhookUrl: `https://example.com/${'a'.repeat(2100)}` }, 'WebhookUrl'],
      [{ friendlyName: 'Bad\u202Ename' }, 'FriendlyName'],
      [{ versionParam: 'v1' }, 'Version'],
    ];
    for (const [change, field] of cases) {
      const refused = await restError(hooks.create({ ...base, ...change }));
      expect(
        [refused.status, refused.code, refused.message.startsWith(`Invalid parameter \`${field}`)],
        JSON.stringify(change),
      ).toEqual([400, 60200, true]);
    }
    const made = await hooks.create(base);
    const badUpdate = await restError(hooks(made.sid).update({ webhookUrl: 'http://192.168.1.1/' }));
    expect([badUpdate.status, badUpdate.code]).toEqual([400, 60200]);
    expect((await hooks(made.sid).fetch()).webhookUrl).toBe(base.webhookUrl);
    expect(await hooks.list()).toHaveLength(1);
  });

  it('holds at most ten webhooks per service: the eleventh is 400 / 60200', async () => {
    const service = await newService();
    const hooks = client.verify.v2.services(service.sid).webhooks;
    for (let i = 0; i < 10; i++) {
      await hooks.create({
        friendlyName: `Hook ${i}`,
        eventTypes: ['*'],
        webhookUrl: `${receiver.url}/n${i}`,
      });
    }
    const refused = await restError(
      hooks.create({ friendlyName: 'One more', eventTypes: ['*'], webhookUrl: `${receiver.url}/n10` }),
    );
    expect([refused.status, refused.code]).toEqual([400, 60200]);
    expect(await hooks.list()).toHaveLength(10);
  });

  it('another account’s webhooks, and its services’, answer exactly as unknown ones (404 / 20404)', async () => {
    const service = await newService();
    const made = await client.verify.v2
      .services(service.sid)
      .webhooks.create({ friendlyName: 'Mine', eventTypes: ['*'], webhookUrl: `${receiver.url}/mine` });
    const unknownHook = `YW${'0'.repeat(32)}`;
    const theirs = otherClient.verify.v2.services(service.sid).webhooks;
    const foreign = [
      await restError(theirs(made.sid).fetch()),
      await restError(theirs(made.sid).update({ status: 'disabled' })),
      await restError(theirs(made.sid).remove()),
      await restError(theirs.list()),
      await restError(
        theirs.create({ friendlyName: 'x', eventTypes: ['*'], webhookUrl: `${receiver.url}/x` }),
      ),
    ];
    for (const refused of foreign) expect([refused.status, refused.code]).toEqual([404, 20404]);
    // Another account's webhook under one's own service reads as an unknown SID, word for word.
    const own = await otherClient.verify.v2.services.create({ friendlyName: 'Other' });
    const underOwn = await restError(otherClient.verify.v2.services(own.sid).webhooks(made.sid).fetch());
    const unknown = await restError(otherClient.verify.v2.services(own.sid).webhooks(unknownHook).fetch());
    expect(underOwn.message.replace(made.sid, unknownHook)).toBe(unknown.message);
    expect([underOwn.status, underOwn.code]).toEqual([unknown.status, unknown.code]);
    // Nothing changed.
    const mine = await client.verify.v2.services(service.sid).webhooks(made.sid).fetch();
    expect(mine.status).toBe('enabled');
  });
});

describe('events', () => {
  it('each TOTP factor and challenge event is posted as a form, and the package’s validateRequest accepts it; a tampered one fails', async () => {
    const service = await newService();
    const path = newPath();
    const url = `${receiver.url}${path}`;
    const hook = await client.verify.v2
      .services(service.sid)
      .webhooks.create({ friendlyName: 'All', eventTypes: ['*'], webhookUrl: url });
    const made = await totpLifecycle(service.sid);
    const deliveries = await waitForPath(path, 4);
    const byType = Object.fromEntries(deliveries.map((d) => [fieldsOf(d).type, d]));
    expect(Object.keys(byType).sort()).toEqual([
      'challenge.approved',
      'factor.created',
      'factor.deleted',
      'factor.verified',
    ]);
    const common = {
      account_sid: account.accountSid,
      service_sid: service.sid,
      entity_identity: made.identity,
      factor_sid: made.factorSid,
      factor_type: 'totp',
      factor_friendly_name: 'Ada’s phone',
    };
    for (const delivery of deliveries) {
      const fields = fieldsOf(delivery);
      expect(delivery.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(fields).toMatchObject(common);
      expect(fields.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(fields.created_date).toMatch(ISO);
      expect(fields.sent_date).toMatch(ISO);
      expect(delivery.headers['i-twilio-idempotency-token']).toBe(fields.uuid);
      expect(twilioAccepts(delivery, url)).toBe(true);
      // The Standard Webhooks signature is over the very bytes sent (D6), at the time it names.
      const seconds = Number(delivery.headers['webhook-timestamp']);
      expect(seconds * 1000).toBe(Date.parse(fields.sent_date as string));
      expect(
        new Webhook(account.webhookSecret).sign(
          String(delivery.headers['webhook-id']),
          new Date(seconds * 1000),
          delivery.raw,
        ),
      ).toBe(delivery.headers['webhook-signature']);
      expect(delivery.headers['webhook-id']).toBe(fields.uuid);
    }
    const approved = fieldsOf(byType['challenge.approved'] as Delivery);
    expect(approved.challenge_sid).toBe(made.challengeSid);
    expect('challenge_details' in approved).toBe(false);
    expect('challenge_sid' in fieldsOf(byType['factor.verified'] as Delivery)).toBe(false);
    expect(Object.keys(fieldsOf(byType['factor.created'] as Delivery)).sort()).toEqual(
      [...Object.keys(common), 'uuid', 'type', 'created_date', 'sent_date'].sort(),
    );

    const delivery = byType['challenge.approved'] as Delivery;
    // Tampered: a field changed, a field added, the other URL, another key: each fails.
    expect(twilioAccepts(delivery, url, { ...approved, entity_identity: 'someone-else' })).toBe(false);
    expect(twilioAccepts(delivery, url, { ...approved, extra: '1' })).toBe(false);
    expect(twilioAccepts(delivery, `${url}x`)).toBe(false);
    expect(
      twilio.validateRequest(other.apiKey, String(delivery.headers['x-twilio-signature']), url, approved),
    ).toBe(false);
    expect(hook.sid).toMatch(SID('YW'));
  });

  it('a webhook gets only the event types it takes; a disabled one, and another service’s, get nothing', async () => {
    const service = await newService();
    const elsewhere = await newService();
    const onlyApproved = newPath();
    const disabled = newPath();
    const otherService = newPath();
    const hooks = client.verify.v2.services(service.sid).webhooks;
    const taking = await hooks.create({
      friendlyName: 'Approvals',
      eventTypes: ['challenge.approved', 'factor.deleted'],
      webhookUrl: `${receiver.url}${onlyApproved}`,
    });
    const off = await hooks.create({
      friendlyName: 'Off',
      eventTypes: ['*'],
      webhookUrl: `${receiver.url}${disabled}`,
      status: 'disabled',
    });
    const away = await client.verify.v2.services(elsewhere.sid).webhooks.create({
      friendlyName: 'Elsewhere',
      eventTypes: ['*'],
      webhookUrl: `${receiver.url}${otherService}`,
    });
    await totpLifecycle(service.sid);
    const got = await waitForPath(onlyApproved, 2);
    expect(got.map((d) => fieldsOf(d).type)).toEqual(['challenge.approved', 'factor.deleted']);
    // Nothing was written for the others: no delivery can come later.
    const rows = await server.db
      .selectFrom('webhook_events')
      .select(['webhook_sid', 'status'])
      .where('webhook_sid', 'in', [taking.sid, off.sid, away.sid])
      .orderBy('status')
      .execute();
    expect(rows).toEqual([
      { webhook_sid: taking.sid, status: 'challenge.approved' },
      { webhook_sid: taking.sid, status: 'factor.deleted' },
    ]);
    expect(deliveriesTo(disabled)).toEqual([]);
    expect(deliveriesTo(otherService)).toEqual([]);
  });

  it('a receiver that answers 500 gets the event again, with the same uuid, signed anew; a 410 disables the webhook', async () => {
    const service = await newService();
    const path = newPath();
    const url = `${receiver.url}${path}`;
    const hooks = client.verify.v2.services(service.sid).webhooks;
    const hook = await hooks.create({
      friendlyName: 'Flaky',
      eventTypes: ['factor.created'],
      webhookUrl: url,
    });
    receiver.answer = (d) => (d.path === path ? { status: 500 } : { status: 200 });
    const entity = client.verify.v2.services(service.sid).entities(newIdentity());
    await entity.newFactors.create({ friendlyName: 'First', factorType: 'totp' });
    await waitForPath(path, 1);
    const eventOf = async () =>
      (
        await server.db
          .selectFrom('webhook_events')
          .select(['id', 'state', 'attempts', 'last_status'])
          .where('webhook_sid', '=', hook.sid)
          .execute()
      )[0];
    await expect.poll(eventOf).toMatchObject({ state: 'pending', attempts: 1, last_status: 500 });
    receiver.answer = () => ({ status: 200 });
    // The first retry is due five seconds (± 10 %) later.
    clock.advance(6_000);
    server.app.webhooks.wake();
    const [first, second] = await waitForPath(path, 2);
    await expect.poll(eventOf).toMatchObject({ state: 'delivered', attempts: 2, last_status: 200 });
    expect(fieldsOf(second as Delivery).uuid).toBe(fieldsOf(first as Delivery).uuid);
    expect(fieldsOf(second as Delivery).sent_date).not.toBe(fieldsOf(first as Delivery).sent_date);
    expect(twilioAccepts(first as Delivery, url)).toBe(true);
    expect(twilioAccepts(second as Delivery, url)).toBe(true);

    receiver.answer = (d) => (d.path === path ? { status: 410 } : { status: 200 });
    await entity.newFactors.create({ friendlyName: 'Second', factorType: 'totp' });
    await waitForPath(path, 3);
    await expect.poll(async () => (await hooks(hook.sid).fetch()).status).toBe('disabled');
    // Disabled, it takes no more events until the app enables it again.
    await entity.newFactors.create({ friendlyName: 'Third', factorType: 'totp' });
    await hooks(hook.sid).update({ status: 'enabled' });
    receiver.answer = () => ({ status: 200 });
    await entity.newFactors.create({ friendlyName: 'Fourth', factorType: 'totp' });
    const all = await waitForPath(path, 4);
    expect(all.map((d) => fieldsOf(d).factor_friendly_name)).toEqual(['First', 'First', 'Second', 'Fourth']);
  });

  it('a refused factor writes no event; removing an entity reports the deletion of each of its factors', async () => {
    const service = await newService();
    const path = newPath();
    await client.verify.v2
      .services(service.sid)
      .webhooks.create({ friendlyName: 'All', eventTypes: ['*'], webhookUrl: `${receiver.url}${path}` });
    const identity = newIdentity();
    const entity = client.verify.v2.services(service.sid).entities(identity);
    const refused = await restError(
      entity.newFactors.create({ friendlyName: 'Bad\u200Bname', factorType: 'totp' }),
    );
    expect(refused.code).toBe(60200);
    const made = await entity.newFactors.create({ friendlyName: 'Good', factorType: 'totp' });
    // Removing the entity removes its factor: its factor.deleted goes out too.
    await entity.remove();
    const got = await waitForPath(path, 2);
    expect(got.map((d) => [fieldsOf(d).type, fieldsOf(d).factor_sid])).toEqual([
      ['factor.created', made.sid],
      ['factor.deleted', made.sid],
    ]);
  });
  it('push challenges report challenge.approved, denied and expired once each, settled from their requests', async () => {
    const service = await newService();
    const path = newPath();
    const url = `${receiver.url}${path}`;
    await client.verify.v2.services(service.sid).webhooks.create({
      friendlyName: 'Challenges',
      eventTypes: ['challenge.approved', 'challenge.denied', 'challenge.expired'],
      webhookUrl: url,
    });
    const identity = newIdentity();
    const { device, factor } = await enrolledPush(service.sid, identity);
    const entity = client.verify.v2.services(service.sid).entities(identity);
    const factorSid = factor.sid;
    const ask = (message: string) =>
      entity.challenges.create({
        factorSid,
        'details.message': message,
        'details.fields': [{ label: 'Amount', value: '$5' }],
      });
    const approved = await ask('Pay?');
    const denied = await ask('Sign in?');
    const late = await ask('Later?');
    for (const [message, answer] of [
      ['Pay?', 'approved'],
      ['Sign in?', 'denied'],
    ] as const) {
      const shown = (await device.pending()).find((r) => r.message === message);
      if (shown === undefined) throw new Error(`${message} is not pending`);
      await device.answer(shown, answer);
    }
    clock.advance(5 * 60_000);
    const got = await waitForPath(path, 3);
    const bySid = new Map(got.map((d) => [fieldsOf(d).challenge_sid, fieldsOf(d)]));
    expect([...bySid.keys()].sort()).toEqual([approved.sid, denied.sid, late.sid].sort());
    expect(bySid.get(approved.sid)?.type).toBe('challenge.approved');
    expect(bySid.get(denied.sid)?.type).toBe('challenge.denied');
    expect(bySid.get(late.sid)?.type).toBe('challenge.expired');
    for (const delivery of got) {
      expect(fieldsOf(delivery)).toMatchObject({
        factor_sid: factorSid,
        factor_type: 'push',
        entity_identity: identity,
      });
      expect(JSON.parse(fieldsOf(delivery).challenge_details as string)).toEqual({
        message:
          fieldsOf(delivery).challenge_sid === approved.sid
            ? 'Pay?'
            : fieldsOf(delivery).challenge_sid === denied.sid
              ? 'Sign in?'
              : 'Later?',
        fields: [{ label: 'Amount', value: '$5' }],
      });
      expect(twilioAccepts(delivery, url)).toBe(true);
    }
    // Settled once: later sweeps report nothing more.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(deliveriesTo(path)).toHaveLength(3);
    expect((await entity.challenges(approved.sid).fetch()).status).toBe('approved');
  });

  it('a push factor made by enrolling with an access token reports factor.created and factor.verified; removed, factor.deleted', async () => {
    const service = await newService();
    const path = newPath();
    const url = `${receiver.url}${path}`;
    await client.verify.v2.services(service.sid).webhooks.create({
      friendlyName: 'Factors',
      eventTypes: ['factor.created', 'factor.verified', 'factor.deleted'],
      webhookUrl: url,
    });
    const identity = newIdentity();
    const { factor } = await enrolledPush(service.sid, identity, 'Ada’s phone');
    expect(factor.factorType).toBe('push');
    await client.verify.v2.services(service.sid).entities(identity).factors(factor.sid).remove();
    const got = await waitForPath(path, 3);
    // Delivered at once and side by side: they may arrive in any order (as the README says).
    expect(got.map((d) => fieldsOf(d).type).sort()).toEqual([
      'factor.created',
      'factor.deleted',
      'factor.verified',
    ]);
    for (const delivery of got) {
      expect(fieldsOf(delivery)).toMatchObject({
        account_sid: account.accountSid,
        service_sid: service.sid,
        entity_identity: identity,
        factor_sid: factor.sid,
        factor_type: 'push',
        factor_friendly_name: 'Ada’s phone',
      });
      expect(twilioAccepts(delivery, url)).toBe(true);
    }
  });
});
