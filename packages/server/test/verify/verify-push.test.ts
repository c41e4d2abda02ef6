// Drives Verify v2 push (access tokens, push factors, push challenges, notifications) with the real `twilio`
// package (6.x), pointed at loopback, and the device side with the device core (`@countersign/device`): the
// token's link is what the device enrolls with, and a push challenge is what it is asked to approve.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Device, DeviceError, memoryStorage } from '@countersign/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { call, type TestServer, testClock } from '../support/harness.js';
import { restError, startVerifySuite, type twilioClient } from './twilio-support.js';

const clock = testClock();
let server: TestServer;
let account: { id: number; apiKey: string; accountSid: string };
let client: ReturnType<typeof twilioClient>;
let otherClient: ReturnType<typeof twilioClient>;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);

let nextUser = 1000;
const newIdentity = () => `push-${String(nextUser++).padStart(6, '0')}`;

beforeAll(async () => {
  ({ server, account, client, otherClient } = await startVerifySuite({ clock }));
});
afterAll(async () => {
  await server?.close();
});

const newService = (name = 'Acme Bank') => client.verify.v2.services.create({ friendlyName: name });
const newDevice = (name = 'Ada’s phone') =>
  new Device({ storage: memoryStorage(), name, platform: 'web', clock: { now: () => clock.now() } });

/** An entity with a push factor: an access token's link enrolled by a device of the device core. */
async function pushFactor(serviceSid: string, friendlyName?: string) {
  const identity = newIdentity();
  const verify = client.verify.v2.services(serviceSid);
  const token = await verify.accessTokens.create({
    identity,
    factorType: 'push',
    ...(friendlyName === undefined ? {} : { factorFriendlyName: friendlyName }),
  });
  const device = newDevice();
  await device.enrollWithLink(token.token);
  const entity = verify.entities(identity);
  const [factor] = await entity.factors.list();
  if (factor === undefined) throw new Error('no push factor appeared');
  return { identity, entity, factor, device, token };
}

describe('access tokens', () => {
  it('create answers an enrollment link once; fetch answers the token without it', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const identity = newIdentity();
    const made = await verify.accessTokens.create({
      identity,
      factorType: 'push',
      factorFriendlyName: 'Ada’s phone',
      ttl: 120,
    });
    expect(made.sid).toMatch(SID('YK'));
    expect([made.accountSid, made.serviceSid, made.entityIdentity, made.factorType]).toEqual([
      account.accountSid,
      service.sid,
      identity,
      'push',
    ]);
    expect([made.factorFriendlyName, made.ttl]).toEqual(['Ada’s phone', 120]);
    expect(made.token).toMatch(new RegExp(`^${server.url}/authenticator/#enroll=[A-Za-z0-9_-]{43}$`));
    expect(made.url).toBe(`${server.url}/v2/Services/${service.sid}/AccessTokens/${made.sid}`);
    expect(made.dateCreated.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000);
    const fetched = await verify.accessTokens(made.sid).fetch();
    expect([fetched.sid, fetched.entityIdentity, fetched.token, fetched.ttl]).toEqual([
      made.sid,
      identity,
      null,
      120,
    ]);
    // The entity is made with the token, with no factor until a device enrolls.
    expect((await verify.entities(identity).fetch()).identity).toBe(identity);
    expect(await verify.entities(identity).factors.list()).toEqual([]);
    // Twilio's default life: 60 seconds.
    expect((await verify.accessTokens.create({ identity, factorType: 'push' })).ttl).toBe(60);
  });

  it('refuses a factor type other than push, a ttl out of 60..300 and a bad identity with 400 / 60200', async () => {
    const verify = client.verify.v2.services((await newService()).sid);
    for (const refused of [
      await restError(verify.accessTokens.create({ identity: newIdentity(), factorType: 'totp' as 'push' })),
      await restError(verify.accessTokens.create({ identity: newIdentity(), factorType: 'push', ttl: 59 })),
      await restError(verify.accessTokens.create({ identity: newIdentity(), factorType: 'push', ttl: 301 })),
      await restError(verify.accessTokens.create({ identity: 'short', factorType: 'push' })),
    ]) {
      expect([refused.status, refused.code]).toEqual([400, 60200]);
    }
  });

  it('the link enrolls once, and not after its ttl', async () => {
    const verify = client.verify.v2.services((await newService()).sid);
    const identity = newIdentity();
    const used = await verify.accessTokens.create({ identity, factorType: 'push' });
    await newDevice().enrollWithLink(used.token);
    const again = await newDevice()
      .enrollWithLink(used.token)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(again).toBeInstanceOf(DeviceError);
    const late = await verify.accessTokens.create({ identity, factorType: 'push', ttl: 60 });
    clock.advance(60_000);
    const expired = await newDevice()
      .enrollWithLink(late.token)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(expired).toBeInstanceOf(DeviceError);
    expect((await verify.entities(identity).factors.list()).length).toBe(1);
  });
});

describe('push factors', () => {
  it('a device enrolled with the link is a verified push factor: listed, fetched, deleted (the device revoked)', async () => {
    const service = await newService();
    const { identity, entity, factor, device } = await pushFactor(service.sid, 'Work phone');
    expect(factor.sid).toMatch(SID('YF'));
    expect([factor.factorType, factor.status, factor.friendlyName, factor.identity]).toEqual([
      'push',
      'verified',
      'Work phone',
      identity,
    ]);
    expect(factor.config).toEqual({
      sdk_version: null,
      app_id: null,
      notification_platform: 'none',
      notification_token: null,
    });
    expect(factor.url).toBe(
      `${server.url}/v2/Services/${service.sid}/Entities/${identity}/Factors/${factor.sid}`,
    );
    expect((await entity.factors(factor.sid).fetch()).sid).toBe(factor.sid);
    // The device holds an account of the app, as one enrolled through the Authy side's link.
    expect((await device.accounts()).map((a) => a.app_name)).toEqual(['Acme Bank']);

    expect(await entity.factors(factor.sid).remove()).toBe(true);
    const gone = await restError(entity.factors(factor.sid).fetch());
    expect([gone.status, gone.code]).toEqual([404, 20404]);
    expect(await entity.factors.list()).toEqual([]);
    // Its device is revoked: its next signed call is refused.
    const refused = await device.pending().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DeviceError);
    expect((refused as DeviceError).status).toBe(401);
  });

  it('`countersign device enroll` takes the token as it is, and becomes the push factor', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const identity = newIdentity();
    const token = await verify.accessTokens.create({ identity, factorType: 'push' });
    const dir = mkdtempSync(join(tmpdir(), 'countersign-verify-push-'));
    try {
      const result = await runCli(
        ['device', 'enroll', token.token, '--state', join(dir, 'state'), '--json'],
        {},
      );
      expect([result.code, result.stderr]).toEqual([0, '']);
      const enrolled = JSON.parse(result.stdout) as { accounts: Array<{ app_name: string }> };
      expect(enrolled.accounts.map((a) => a.app_name)).toEqual(['Acme Bank']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const factors = await verify.entities(identity).factors.list();
    expect(factors.map((f) => [f.factorType, f.status])).toEqual([['push', 'verified']]);
  });

  it('without a friendly name the factor is named after the device', async () => {
    const { factor } = await pushFactor((await newService()).sid);
    expect(factor.friendlyName).toBe('Ada’s phone');
  });
});

describe('push challenges', () => {
  it('create shows the device the message and fields; approved on the device, fetch is approved', async () => {
    const service = await newService();
    const { identity, entity, factor, device } = await pushFactor(service.sid);
    const expires = new Date(Math.floor(clock.now() / 1000) * 1000 + 10 * 60_000);
    const made = await entity.challenges.create({
      factorSid: factor.sid,
      'details.message': 'Approve the transfer of $500?',
      'details.fields': [
        { label: 'Amount', value: '$500.00' },
        { label: 'To', value: 'bob@example.com' },
      ],
      hiddenDetails: { ip: '203.0.113.7' },
      expirationDate: expires,
    });
    expect(made.sid).toMatch(SID('YC'));
    expect([made.status, made.factorType, made.factorSid, made.identity]).toEqual([
      'pending',
      'push',
      factor.sid,
      identity,
    ]);
    expect(made.details).toEqual({
      message: 'Approve the transfer of $500?',
      fields: [
        { label: 'Amount', value: '$500.00' },
        { label: 'To', value: 'bob@example.com' },
      ],
      date: made.dateCreated.toISOString().replace('.000Z', 'Z'),
    });
    expect(made.hiddenDetails).toEqual({ ip: '203.0.113.7' });
    expect(made.expirationDate.getTime()).toBe(expires.getTime());
    expect(made.dateResponded).toBeNull();
    expect(made.links).toEqual({
      notifications: `${server.url}/v2/Services/${service.sid}/Entities/${identity}/Challenges/${made.sid}/Notifications`,
    });

    const [shown, ...more] = await device.pending();
    expect(more).toEqual([]);
    expect([shown?.app_name, shown?.message, shown?.details]).toEqual([
      'Acme Bank',
      'Approve the transfer of $500?',
      { Amount: '$500.00', To: 'bob@example.com' },
    ]);
    expect(JSON.stringify(shown)).not.toContain('203.0.113.7');
    if (shown === undefined) throw new Error('nothing pending');
    clock.advance(2_000);
    expect(await device.answer(shown, 'approved')).toEqual({ status: 'approved' });

    const fetched = await entity.challenges(made.sid).fetch();
    expect(fetched.status).toBe('approved');
    expect(fetched.dateResponded?.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000);
    expect(fetched.details).toEqual(made.details);
    expect(fetched.hiddenDetails).toEqual({ ip: '203.0.113.7' });
    // The same receipt as on the Authy side: the device's history holds it, and it verifies.
    const history = await device.history();
    expect(history.entries.map((r) => [r.message, r.status])).toEqual([
      ['Approve the transfer of $500?', 'approved'],
    ]);
    const [entry] = history.entries;
    if (entry === undefined) throw new Error('no history');
    const checked = await device.verifyReceipt(entry, await device.receiptKeys());
    expect(checked?.valid).toBe(true);
  });

  it('denied on the device is denied; unanswered past its expiration date is expired', async () => {
    const { entity, factor, device } = await pushFactor((await newService()).sid);
    const denied = await entity.challenges.create({ factorSid: factor.sid, 'details.message': 'Sign in?' });
    const [shown] = await device.pending();
    if (shown === undefined) throw new Error('nothing pending');
    await device.answer(shown, 'denied', { reason: 'not_me' });
    expect((await entity.challenges(denied.sid).fetch()).status).toBe('denied');

    const late = await entity.challenges.create({ factorSid: factor.sid, 'details.message': 'Sign in?' });
    // Five minutes unless told.
    expect(late.expirationDate.getTime() - late.dateCreated.getTime()).toBe(5 * 60_000);
    clock.advance(5 * 60_000);
    const expired = await entity.challenges(late.sid).fetch();
    expect([expired.status, expired.dateResponded]).toEqual(['expired', null]);
    expect(await device.pending()).toEqual([]);
  });

  it('list filters by factor and status, a page at a time', async () => {
    const service = await newService();
    const { entity, factor, device } = await pushFactor(service.sid);
    const sids: string[] = [];
    for (const message of ['One?', 'Two?', 'Three?']) {
      sids.push((await entity.challenges.create({ factorSid: factor.sid, 'details.message': message })).sid);
    }
    const first = (await device.pending()).find((r) => r.message === 'One?');
    if (first === undefined) throw new Error('One? is not pending');
    await device.answer(first, 'approved');
    const page = await entity.challenges.page({ pageSize: 2 });
    expect(page.instances.map((c) => c.sid)).toEqual(sids.slice(0, 2));
    expect((await page.nextPage())?.instances.map((c) => c.sid)).toEqual(sids.slice(2));
    expect((await entity.challenges.list({ status: 'pending' })).map((c) => c.sid)).toEqual(sids.slice(1));
    expect((await entity.challenges.list({ status: 'approved' })).map((c) => c.sid)).toEqual([sids[0]]);
    expect(await entity.challenges.list({ status: 'denied' })).toEqual([]);
    expect((await entity.challenges.list({ factorSid: factor.sid })).length).toBe(3);
    clock.advance(5 * 60_000);
    expect((await entity.challenges.list({ status: 'expired' })).map((c) => c.sid)).toEqual(sids.slice(1));
  });

  it('refuses a push challenge without a message, with a bad field, past an hour or duplicating a label', async () => {
    const { entity, factor } = await pushFactor((await newService()).sid);
    const now = Math.floor(clock.now() / 1000) * 1000;
    for (const refused of [
      await restError(entity.challenges.create({ factorSid: factor.sid })),
      await restError(
        entity.challenges.create({
          factorSid: factor.sid,
          'details.message': 'Sign in?',
          'details.fields': [{ label: 'x'.repeat(37), value: 'v' }],
        }),
      ),
      await restError(
        entity.challenges.create({
          factorSid: factor.sid,
          'details.message': 'Sign in?',
          'details.fields': [
            { label: 'To', value: 'a' },
            { label: 'To', value: 'b' },
          ],
        }),
      ),
      await restError(
        entity.challenges.create({
          factorSid: factor.sid,
          'details.message': 'Sign in?',
          expirationDate: new Date(now + 60 * 60_000 + 1000),
        }),
      ),
      await restError(
        entity.challenges.create({
          factorSid: factor.sid,
          'details.message': 'Sign in?',
          hiddenDetails: { n: 1 },
        }),
      ),
      await restError(entity.challenges.create({ factorSid: factor.sid, authPayload: '123456' })),
    ]) {
      expect([refused.status, refused.code]).toEqual([400, 60200]);
    }
    expect(await entity.challenges.list()).toEqual([]);
  });
});

describe('notifications', () => {
  it('re-send a pending challenge’s push; an expired one is 403 / 60323, an answered one 400 / 60200', async () => {
    const { identity, entity, factor, device } = await pushFactor((await newService()).sid);
    const pending = await entity.challenges.create({ factorSid: factor.sid, 'details.message': 'Sign in?' });
    const sent = await entity.challenges(pending.sid).notifications.create({ ttl: 120 });
    expect(sent.sid).toMatch(SID('NT'));
    expect([sent.challengeSid, sent.identity, sent.entitySid, sent.priority, sent.ttl]).toEqual([
      pending.sid,
      identity,
      pending.entitySid,
      'high',
      120,
    ]);
    expect((await entity.challenges(pending.sid).notifications.create()).ttl).toBe(300);

    const [shown] = await device.pending();
    if (shown === undefined) throw new Error('nothing pending');
    await device.answer(shown, 'approved');
    const answered = await restError(entity.challenges(pending.sid).notifications.create());
    expect([answered.status, answered.code]).toEqual([400, 60200]);

    const late = await entity.challenges.create({ factorSid: factor.sid, 'details.message': 'Sign in?' });
    clock.advance(5 * 60_000);
    const expired = await restError(entity.challenges(late.sid).notifications.create());
    expect([expired.status, expired.code]).toEqual([403, 60323]);
  });
});

describe('tenant isolation', () => {
  it('another account’s service, entity, factor, challenge and token SIDs answer as unknown ones', async () => {
    const service = await newService();
    const { identity, factor, token } = await pushFactor(service.sid);
    const challenge = await client.verify.v2
      .services(service.sid)
      .entities(identity)
      .challenges.create({ factorSid: factor.sid, 'details.message': 'Sign in?' });
    const theirs = otherClient.verify.v2.services(service.sid);
    const notFound = (path: string) => [404, 20404, `The requested resource ${path} was not found`];
    const sid = (prefix: string) => `${prefix}${'0'.repeat(32)}`;
    const cases: Array<[() => PromiseLike<unknown>, string]> = [
      // To the other account, my service is a service it does not have, whatever is asked under it...
      [() => theirs.accessTokens(token.sid).fetch(), `/Services/${service.sid}`],
      [() => theirs.accessTokens.create({ identity, factorType: 'push' }), `/Services/${service.sid}`],
      [() => theirs.entities(identity).factors(factor.sid).fetch(), `/Services/${service.sid}`],
      [() => theirs.entities(identity).factors(factor.sid).remove(), `/Services/${service.sid}`],
      [() => theirs.entities(identity).challenges(challenge.sid).fetch(), `/Services/${service.sid}`],
      [
        () =>
          theirs.entities(identity).challenges.create({ factorSid: factor.sid, 'details.message': 'Hi?' }),
        `/Services/${service.sid}`,
      ],
      [
        () => theirs.entities(identity).challenges(challenge.sid).notifications.create(),
        `/Services/${service.sid}`,
      ],
      // ...exactly as a service nobody has is to me.
      [() => client.verify.v2.services(sid('VA')).accessTokens(token.sid).fetch(), `/Services/${sid('VA')}`],
      [
        () => client.verify.v2.services(service.sid).accessTokens(sid('YK')).fetch(),
        `/Services/${service.sid}/AccessTokens/${sid('YK')}`,
      ],
    ];
    for (const [call, path] of cases) {
      const refused = await restError(call());
      expect([refused.status, refused.code, refused.message]).toEqual(notFound(path));
    }
    // Another account's own service does not reach my entity's factor or challenge either.
    const theirService = await otherClient.verify.v2.services.create({ friendlyName: 'Other' });
    const theirEntity = otherClient.verify.v2.services(theirService.sid).entities(identity);
    await otherClient.verify.v2.services(theirService.sid).entities.create({ identity });
    for (const call of [
      () => theirEntity.factors(factor.sid).fetch(),
      () => theirEntity.challenges(challenge.sid).fetch(),
      () => theirEntity.challenges.create({ factorSid: factor.sid, 'details.message': 'Hi?' }),
    ]) {
      const refused = await restError(call());
      expect([refused.status, refused.code]).toEqual([404, 20404]);
    }
    // Nothing of theirs changed mine.
    expect((await client.verify.v2.services(service.sid).entities(identity).factors.list()).length).toBe(1);
    expect(
      (await client.verify.v2.services(service.sid).entities(identity).challenges(challenge.sid).fetch())
        .status,
    ).toBe('pending');
  });

  it('the entity’s user removed on the Authy side takes the push factor with it; a new token enrolls again', async () => {
    const service = await newService();
    const { identity, device } = await pushFactor(service.sid);
    const [held] = await device.accounts();
    if (held === undefined) throw new Error('no account');
    const removed = await call(server, 'POST', `/protected/json/users/${held.authy_id}/remove`, {
      key: account.apiKey,
    });
    expect(removed.status).toBe(200);
    const verify = client.verify.v2.services(service.sid);
    expect(await verify.entities(identity).factors.list()).toEqual([]);
    const token = await verify.accessTokens.create({ identity, factorType: 'push' });
    await newDevice().enrollWithLink(token.token);
    const factors = await verify.entities(identity).factors.list();
    expect(factors.map((f) => [f.factorType, f.status])).toEqual([['push', 'verified']]);
    expect(await verify.entities(identity).remove()).toBe(true);
  });

  it('deleting the entity removes its factors, challenges and user: the device is revoked', async () => {
    const service = await newService();
    const { identity, device } = await pushFactor(service.sid);
    const verify = client.verify.v2.services(service.sid);
    expect(await verify.entities(identity).remove()).toBe(true);
    const refused = await device.pending().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DeviceError);
    // A new token for the same identity makes a new entity with a new user.
    const again = await pushFactor(service.sid);
    expect(again.factor.status).toBe('verified');
  });
});
