// Drives the running service's Twilio Verify v2 API (`/v2`) with the real `twilio` npm package (6.x), pointed at
// loopback through its `httpClient` option, and asserts on exactly what the package hands back: its camelCase
// instances and its `RestException`s.
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingError, type OutgoingMessage } from '../../src/messaging/messaging-provider.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import {
  codeSentTo,
  messagesTo,
  restError,
  servedAtItsPublicUrl,
  startVerifySuite,
  twilioClient,
} from './twilio-support.js';

const clock = testClock();
let server: TestServer;
let account: { id: number; apiKey: string; accountSid: string };
let other: { id: number; apiKey: string; accountSid: string };
let client: ReturnType<typeof twilioClient>;
let otherClient: ReturnType<typeof twilioClient>;

/** Distinct US numbers, one per test: the per-number limits never carry from one test to the next. */
let nextLine = 100;
const newNumber = () => `+1212555${String(nextLine++).padStart(4, '0')}`;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);

beforeAll(async () => {
  ({ server, account, other, client, otherClient } = await startVerifySuite({ clock }));
});
afterAll(async () => {
  await server?.close();
});

const newService = (name = 'Acme Bank') => client.verify.v2.services.create({ friendlyName: name });

describe('accounts and auth', () => {
  it('every app has its own Account SID: AC and 32 lowercase hex digits', () => {
    expect(account.accountSid).toMatch(SID('AC'));
    expect(other.accountSid).toMatch(SID('AC'));
    expect(account.accountSid).not.toBe(other.accountSid);
  });

  it('a wrong key, another account’s SID with a right key, or no credentials are all 401 / 20003 alike', async () => {
    const created = await newService();
    const refusals = await Promise.all([
      restError(
        twilioClient(server, account.accountSid, 'f'.repeat(48)).verify.v2.services(created.sid).fetch(),
      ),
      restError(
        twilioClient(server, other.accountSid, account.apiKey).verify.v2.services(created.sid).fetch(),
      ),
      restError(twilioClient(server, `AC${'0'.repeat(32)}`, account.apiKey).verify.v2.services.list()),
    ]);
    for (const refused of refusals) {
      expect({
        status: refused.status,
        code: refused.code,
        message: refused.message,
        moreInfo: refused.moreInfo,
      }).toEqual({
        status: 401,
        code: 20003,
        message: 'Authenticate',
        moreInfo: 'https://www.twilio.com/docs/errors/20003',
      });
    }
    const bare = await call(server, 'GET', '/v2/Services');
    expect(bare.status).toBe(401);
    expect(bare.body).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('a plain client whose `verify.baseUrl` is the service works too, with no HTTP client of the test’s', async () => {
    const plain = twilio(account.accountSid, account.apiKey);
    plain.verify.baseUrl = server.url;
    const created = await plain.verify.v2.services.create({ friendlyName: 'Base URL' });
    expect((await plain.verify.v2.services(created.sid).fetch()).friendlyName).toBe('Base URL');
  });

  it('bad credentials on /v2 and bad Authy keys count toward one throttle per address: past it 429 / 20429 with Retry-After, valid credentials still served (R5)', async () => {
    const limit = 4;
    const throttled = await startTestServer({
      clock: testClock(),
      env: { COUNTERSIGN_KEY_FAILURE_LIMIT: String(limit) },
    });
    try {
      const app = await throttled.createApp({ name: 'Throttled' });
      const good = twilioClient(throttled, app.accountSid, app.apiKey);
      const created = await good.verify.v2.services.create({ friendlyName: 'Throttled' });
      // Two bad Authy keys and two bad Basic credentials (one a right key under another SID) fill the budget.
      for (const bad of ['bad-key-1', 'bad-key-2']) {
        expect((await call(throttled, 'GET', '/protected/json/app/details', { key: bad })).status).toBe(401);
      }
      const wrongKey = await restError(
        twilioClient(throttled, app.accountSid, 'bad').verify.v2.services.list(),
      );
      const wrongSid = await restError(
        twilioClient(throttled, other.accountSid, app.apiKey).verify.v2.services.list(),
      );
      expect([wrongKey.status, wrongSid.status]).toEqual([401, 401]);

      const refused = await restError(
        twilioClient(throttled, app.accountSid, 'bad-again').verify.v2.services.list(),
      );
      expect([refused.status, refused.code, refused.moreInfo]).toEqual([
        429,
        20429,
        'https://www.twilio.com/docs/errors/20429',
      ]);
      const raw = await call(throttled, 'GET', '/v2/Services', {
        headers: { authorization: `Basic ${Buffer.from(`${app.accountSid}:bad`).toString('base64')}` },
      });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const authy = await call(throttled, 'GET', '/protected/json/app/details', { key: 'bad-key-3' });
      expect([authy.status, authy.body.error_code]).toEqual([429, '60003']);
      expect((await good.verify.v2.services(created.sid).fetch()).sid).toBe(created.sid);
    } finally {
      await throttled.close();
    }
  });

  it('the Authy routes keep the Authy envelope, and the Account SID is no Authy key', async () => {
    const authy = await call(server, 'GET', '/protected/json/app/details', { key: account.accountSid });
    expect(authy.status).toBe(401);
    expect(authy.body).toMatchObject({ success: false, error_code: '60001' });
  });
});

describe('services', () => {
  it('create, fetch and update keep every setting, and the package reads them in camelCase', async () => {
    const created = await client.verify.v2.services.create({
      friendlyName: 'Acme Login',
      codeLength: 8,
      lookupEnabled: true,
      doNotShareWarningEnabled: true,
      'push.includeDate': false,
      'totp.issuer': 'Acme',
      'totp.timeStep': 60,
      'totp.codeLength': 8,
      'totp.skew': 2,
    });
    expect(created.sid).toMatch(SID('VA'));
    expect(created.accountSid).toBe(account.accountSid);
    expect(created.friendlyName).toBe('Acme Login');
    expect(created.codeLength).toBe(8);
    expect(created.lookupEnabled).toBe(true);
    expect(created.doNotShareWarningEnabled).toBe(true);
    expect(created.psd2Enabled).toBe(false);
    expect(created.push).toEqual({ include_date: false, apn_credential_sid: null, fcm_credential_sid: null });
    expect(created.totp).toEqual({ issuer: 'Acme', time_step: 60, code_length: 8, skew: 2 });
    expect(created.dateCreated).toEqual(new Date(Math.floor(clock.now() / 1000) * 1000));
    expect(created.url).toBe(`${server.url}/v2/Services/${created.sid}`);

    const fetched = await client.verify.v2.services(created.sid).fetch();
    expect(fetched.toJSON()).toEqual(created.toJSON());

    const updated = await client.verify.v2
      .services(created.sid)
      .update({ friendlyName: 'Acme Pay', codeLength: 4 });
    expect([updated.friendlyName, updated.codeLength, updated.lookupEnabled]).toEqual(['Acme Pay', 4, true]);
    expect(updated.totp).toEqual({ issuer: 'Acme', time_step: 60, code_length: 8, skew: 2 });
  });

  it('a new service has Twilio’s defaults: 6 digits, TOTP 30 s / 6 digits / skew 1 issued in its name', async () => {
    const created = await newService('Plain Shop');
    expect([created.codeLength, created.lookupEnabled, created.doNotShareWarningEnabled]).toEqual([
      6,
      false,
      false,
    ]);
    expect(created.push).toEqual({ include_date: true, apn_credential_sid: null, fcm_credential_sid: null });
    expect(created.totp).toEqual({ issuer: 'Plain Shop', time_step: 30, code_length: 6, skew: 1 });
  });

  it('list pages through every service of the account, and only of the account', async () => {
    const fresh = await servedAtItsPublicUrl();
    try {
      const app = await fresh.createApp({ name: 'Lister' });
      const lister = twilioClient(fresh, app.accountSid, app.apiKey);
      const made = [];
      for (const name of ['One', 'Two', 'Three', 'Four', 'Five'])
        made.push((await lister.verify.v2.services.create({ friendlyName: name })).sid);
      const foreign = await fresh.createApp({ name: 'Foreign' });
      await twilioClient(fresh, foreign.accountSid, foreign.apiKey).verify.v2.services.create({
        friendlyName: 'Not yours',
      });

      const all = await lister.verify.v2.services.list({ pageSize: 2 });
      expect(all.map((s) => s.sid)).toEqual(made);
      const first = await lister.verify.v2.services.page({ pageSize: 2 });
      expect(first.instances.map((s) => s.friendlyName)).toEqual(['One', 'Two']);
      expect(first.nextPageUrl).toMatch(
        new RegExp(`^${fresh.url}/v2/Services\\?PageSize=2&Page=1&PageToken=PA\\d+$`),
      );
      const second = await first.nextPage();
      expect(second?.instances.map((s) => s.friendlyName)).toEqual(['Three', 'Four']);
      const third = await second?.nextPage();
      expect(third?.instances.map((s) => s.friendlyName)).toEqual(['Five']);
      expect(third?.nextPageUrl).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });

  it('delete removes the service: it is then 404 / 20404 to fetch, update and delete', async () => {
    const created = await newService();
    expect(await client.verify.v2.services(created.sid).remove()).toBe(true);
    for (const refused of [
      await restError(client.verify.v2.services(created.sid).fetch()),
      await restError(client.verify.v2.services(created.sid).update({ friendlyName: 'Back' })),
      await restError(client.verify.v2.services(created.sid).remove()),
    ]) {
      expect([refused.status, refused.code, refused.message]).toEqual([
        404,
        20404,
        `The requested resource /Services/${created.sid} was not found`,
      ]);
    }
  });

  it('bad settings are 400 / 60200 naming the parameter, and nothing is made', async () => {
    const before = await client.verify.v2.services.list();
    const cases = [
      () => client.verify.v2.services.create({ friendlyName: 'Acme', codeLength: 11 }),
      () => client.verify.v2.services.create({ friendlyName: 'Acme', codeLength: 3 }),
      () => client.verify.v2.services.create({ friendlyName: '' }),
      () => client.verify.v2.services.create({ friendlyName: 'Acme', 'totp.skew': 3 }),
      () => client.verify.v2.services.create({ friendlyName: 'Acme\u202E' }),
    ];
    const names = ['CodeLength', 'CodeLength', 'FriendlyName', 'Totp.Skew', 'FriendlyName'];
    for (const [index, attempt] of cases.entries()) {
      const refused = await restError(attempt());
      expect([refused.status, refused.code]).toEqual([400, 60200]);
      expect(refused.message).toContain(`\`${names[index]}\``);
    }
    expect((await client.verify.v2.services.list()).length).toBe(before.length);
  });
});

describe('tenant isolation', () => {
  it('another account’s service and verification SIDs answer exactly as unknown ones (404 / 20404)', async () => {
    const mine = await newService();
    const to = newNumber();
    const verification = await client.verify.v2
      .services(mine.sid)
      .verifications.create({ to, channel: 'sms' });
    const unknownService = `VA${'a'.repeat(32)}`;
    const strip = (e: { status: number; code: number; message: string }, sid: string) => ({
      status: e.status,
      code: e.code,
      message: e.message.replace(sid, 'SID'),
    });
    const foreign = await restError(otherClient.verify.v2.services(mine.sid).fetch());
    const unknown = await restError(otherClient.verify.v2.services(unknownService).fetch());
    expect(strip(foreign, mine.sid)).toEqual(strip(unknown, unknownService));
    expect(foreign.status).toBe(404);

    for (const attempt of [
      () => otherClient.verify.v2.services(mine.sid).update({ friendlyName: 'Stolen' }),
      () => otherClient.verify.v2.services(mine.sid).remove(),
      () => otherClient.verify.v2.services(mine.sid).verifications.create({ to, channel: 'sms' }),
      () => otherClient.verify.v2.services(mine.sid).verifications(verification.sid).fetch(),
      () => otherClient.verify.v2.services(mine.sid).verificationChecks.create({ to, code: '000000' }),
    ]) {
      const refused = await restError(attempt());
      expect([refused.status, refused.code]).toEqual([404, 20404]);
    }
    // The other account's own service does not reach this account's verification either.
    const theirs = await otherClient.verify.v2.services.create({ friendlyName: 'Other' });
    const crossed = await restError(
      otherClient.verify.v2.services(theirs.sid).verifications(verification.sid).fetch(),
    );
    expect([crossed.status, crossed.code]).toEqual([404, 20404]);
    expect((await otherClient.verify.v2.services.list()).map((s) => s.sid)).not.toContain(mine.sid);
    // Nothing changed for the owner.
    expect((await client.verify.v2.services(mine.sid).fetch()).friendlyName).toBe('Acme Bank');
    const still = await client.verify.v2.services(mine.sid).verifications(verification.sid).fetch();
    expect([still.status, still.sendCodeAttempts.length]).toEqual(['pending', 1]);
  });
});

describe('verifications and checks', () => {
  it('an SMS code goes through the outbox, a wrong check stays pending, the right one approves, once', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme Bank', codeLength: 7 });
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const started = await verify.verifications.create({ to, channel: 'sms', locale: 'en' });
    expect(started.sid).toMatch(SID('VE'));
    expect([
      started.serviceSid,
      started.accountSid,
      started.to,
      started.channel,
      started.status,
      started.valid,
    ]).toEqual([service.sid, account.accountSid, to, 'sms', 'pending', false]);
    expect(started.sendCodeAttempts).toEqual([
      {
        attempt_sid: expect.stringMatching(SID('VL')),
        channel: 'sms',
        time: started.dateCreated.toISOString().replace('.000', ''),
      },
    ]);
    const sent = await codeSentTo(server, to);
    expect(sent.channel).toBe('sms');
    expect(sent.code).toMatch(/^\d{7}$/);
    expect(sent.body).toBe(`Your Acme Bank verification code is: ${sent.code}.`);

    const wrong = String((Number(sent.code) + 1) % 10_000_000).padStart(7, '0');
    const missed = await verify.verificationChecks.create({ to, code: wrong });
    expect([missed.sid, missed.status, missed.valid]).toEqual([started.sid, 'pending', false]);
    const passed = await verify.verificationChecks.create({ to, code: sent.code });
    expect([passed.sid, passed.to, passed.status, passed.valid, passed.channel]).toEqual([
      started.sid,
      to,
      'approved',
      true,
      'sms',
    ]);
    expect(passed.snaAttemptsErrorCodes).toEqual([]);

    const again = await restError(verify.verificationChecks.create({ to, code: sent.code }));
    expect([again.status, again.code]).toEqual([404, 20404]);
    // Approved, it is finished: Twilio deletes it, and a fetch by SID or by number is 404 / 20404.
    for (const gone of [
      await restError(verify.verifications(started.sid).fetch()),
      await restError(verify.verifications(to).fetch()),
    ]) {
      expect([gone.status, gone.code]).toEqual([404, 20404]);
    }
  });

  it('the right code is accepted once even under 10 concurrent checks', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const started = await verify.verifications.create({ to, channel: 'sms' });
    const { code } = await codeSentTo(server, to);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        verify.verificationChecks.create({ verificationSid: started.sid, code }),
      ),
    );
    const approved = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'approved');
    expect(approved).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as { code: number }).code).toBe(20404);
      else expect(result.value.status).toBe('approved');
    }
  });

  it('a voice code is read out through the same provider, and the check by VerificationSid works', async () => {
    const service = await client.verify.v2.services.create({
      friendlyName: 'Acme Voice',
      doNotShareWarningEnabled: true,
    });
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const started = await verify.verifications.create({
      to,
      channel: 'call',
      customFriendlyName: 'Acme Desk',
    });
    expect(started.channel).toBe('call');
    const sent = await codeSentTo(server, to);
    expect(sent.channel).toBe('call');
    expect(sent.body).toBe(
      `Your Acme Desk verification code is: ${sent.code}. Don't share this code with anyone; our employees will never ask for the code.`,
    );
    const passed = await verify.verificationChecks.create({ verificationSid: started.sid, code: sent.code });
    expect([passed.status, passed.valid]).toEqual(['approved', true]);
  });

  it('five wrong checks spend the verification: the fifth says max_attempts_reached, the sixth is 429 / 60202', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    await verify.verifications.create({ to, channel: 'sms' });
    const { code } = await codeSentTo(server, to);
    const wrong = code === '000000' ? '111111' : '000000';
    const logFrom = server.logs.length;
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await verify.verificationChecks.create({ to, code: wrong })).status);
    expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'max_attempts_reached']);
    const spent = await restError(verify.verificationChecks.create({ to, code }));
    expect([spent.status, spent.code, spent.message]).toEqual([429, 60202, 'Max check attempts reached']);
    // Each wrong code is a security event (R84), and the spent verification's refusal too.
    const events = server.logs
      .slice(logFrom)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'security event')
      .map((line) => [line.event, line.status]);
    expect(events).toEqual([
      ...Array(4).fill(['authn_login_fail', 200]),
      ['authn_login_fail_max', 200],
      ['authn_login_fail_max', 429],
    ]);
  });

  it('five sends to a number in ten minutes, then 429 / 60203; a pending verification is sent again under its SID', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const sids = new Set<string>();
    const channels: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const sent = await verify.verifications.create({ to, channel: i % 2 === 0 ? 'sms' : 'call' });
      sids.add(sent.sid);
      channels.push(sent.sendCodeAttempts.map((a: { channel: string }) => a.channel));
    }
    expect(sids.size).toBe(1);
    expect(channels.at(-1)).toEqual(['sms', 'call', 'sms', 'call', 'sms']);
    const refused = await restError(verify.verifications.create({ to, channel: 'sms' }));
    expect([refused.status, refused.code, refused.message]).toEqual([
      429,
      60203,
      'Max send attempts reached',
    ]);
    expect(await messagesTo(server, to)).toBe(5);
    // Only the newest code works: each send replaced the one before.
    const { code } = await codeSentTo(server, to);
    expect((await verify.verificationChecks.create({ to, code })).status).toBe('approved');
  });

  it('ten concurrent sends to one number: exactly five go out, the rest are 429 (60212 when a concurrent send took the room, else 60203)', async () => {
    // An app of its own: the file's other calls spend nothing of its per-minute limit or its share.
    const own = await server.createApp({ name: 'Race Bank' });
    const ownClient = twilioClient(server, own.accountSid, own.apiKey);
    const service = await ownClient.verify.v2.services.create({ friendlyName: 'Race Bank' });
    const verify = ownClient.verify.v2.services(service.sid);
    const to = newNumber();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        verify.verifications.create({ to, channel: 'sms' }).then(
          (made) => ({ sid: made.sid, code: 0 }),
          (error: { status: number; code: number }) => ({ sid: '', code: error.code, status: error.status }),
        ),
      ),
    );
    const sent = outcomes.filter((o) => o.code === 0);
    const refused = outcomes.filter((o) => o.code !== 0);
    expect(sent).toHaveLength(5);
    // One verification, sent again: the same SID every time.
    expect(new Set(sent.map((o) => o.sid)).size).toBe(1);
    for (const o of refused) {
      expect(o).toMatchObject({ status: 429 });
      expect([60203, 60212]).toContain(o.code);
    }
    expect(await messagesTo(server, to)).toBe(5);
    const rows = await server.db
      .selectFrom('verify_sends')
      .select('sid')
      .where('recipient', '=', to)
      .execute();
    expect(rows).toHaveLength(5);
    const after = await restError(verify.verifications.create({ to, channel: 'sms' }));
    expect([after.status, after.code]).toEqual([429, 60203]);
  });

  it('fetch by SID and by number; update cancels or approves a pending verification once, then 404', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const started = await verify.verifications.create({ to, channel: 'sms' });
    expect((await verify.verifications(started.sid).fetch()).to).toBe(to);
    expect((await verify.verifications(to).fetch()).sid).toBe(started.sid);
    // The number in the path reaches no log line (R85); the SID does.
    const logged = server.logs.join('');
    expect(logged).toContain(`/Verifications/${started.sid}`);
    expect(logged).not.toContain(to.slice(2));

    const canceled = await verify.verifications(started.sid).update({ status: 'canceled' });
    expect([canceled.sid, canceled.status, canceled.valid]).toEqual([started.sid, 'canceled', false]);
    const twice = await restError(verify.verifications(started.sid).update({ status: 'approved' }));
    expect([twice.status, twice.code]).toEqual([404, 20404]);
    const { code } = await codeSentTo(server, to);
    const late = await restError(verify.verificationChecks.create({ to, code }));
    expect([late.status, late.code]).toEqual([404, 20404]);
    const fetched = await restError(verify.verifications(started.sid).fetch());
    expect([fetched.status, fetched.code]).toEqual([404, 20404]);

    const other = newNumber();
    const second = await verify.verifications.create({ to: other, channel: 'sms' });
    const approved = await verify.verifications(second.sid).update({ status: 'approved' });
    expect([approved.status, approved.valid]).toEqual(['approved', true]);
  });

  it('a code expires with its time (10 minutes): then a fetch and a check are 404', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const to = newNumber();
    const started = await verify.verifications.create({ to, channel: 'sms' });
    const { code } = await codeSentTo(server, to);
    clock.advance(600_000);
    const expired = await restError(verify.verifications(started.sid).fetch());
    expect([expired.status, expired.code]).toEqual([404, 20404]);
    const refused = await restError(verify.verificationChecks.create({ to, code }));
    expect([refused.status, refused.code]).toEqual([404, 20404]);
  });

  it('bad parameters are 400 / 60200; an SMS to a landline is 400 / 60205 and a call to it is sent', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const bad = [
      () => verify.verifications.create({ to: '2125550100', channel: 'sms' }),
      () => verify.verifications.create({ to: '+1212555', channel: 'sms' }),
      () => verify.verifications.create({ to: newNumber(), channel: 'whatsapp' }),
      () => verify.verifications.create({ to: newNumber(), channel: 'email' }),
      () => verify.verificationChecks.create({ code: '123456' }),
      () => verify.verificationChecks.create({ to: newNumber(), code: '12ab' }),
      () => verify.verifications(`VE${'0'.repeat(32)}`).update({ status: 'pending' as 'canceled' }),
    ];
    for (const attempt of bad) {
      const refused = await restError(attempt());
      expect([refused.status, refused.code, refused.moreInfo]).toEqual([
        400,
        60200,
        'https://www.twilio.com/docs/errors/60200',
      ]);
    }
    const landline = '+442071838750';
    const refused = await restError(verify.verifications.create({ to: landline, channel: 'sms' }));
    expect([refused.status, refused.code, refused.message]).toEqual([
      400,
      60205,
      'SMS is not supported by landline phone number',
    ]);
    expect(await messagesTo(server, landline)).toBe(0);
    const called = await verify.verifications.create({ to: landline, channel: 'call' });
    expect(called.status).toBe('pending');
    expect(await messagesTo(server, landline)).toBe(1);
  });

  it('a lookup-enabled service reports the line type of the number', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Lookups', lookupEnabled: true });
    const started = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: '+447400123456', channel: 'sms' });
    expect(started.lookup).toEqual({
      carrier: {
        error_code: null,
        name: null,
        mobile_country_code: null,
        mobile_network_code: null,
        type: 'mobile',
      },
    });
    const plain = await newService();
    const without = await client.verify.v2
      .services(plain.sid)
      .verifications.create({ to: newNumber(), channel: 'sms' });
    expect(without.lookup).toEqual({});
  });

  it('a number outside the app’s countries is 400 / 21408 and nothing is sent (the Authy side’s country rule)', async () => {
    const app = await server.createApp({ name: 'Canada Only', smsCountries: ['CA'] });
    const canadian = twilioClient(server, app.accountSid, app.apiKey);
    const service = await canadian.verify.v2.services.create({ friendlyName: 'Canada Only' });
    const to = newNumber();
    const refused = await restError(
      canadian.verify.v2.services(service.sid).verifications.create({ to, channel: 'sms' }),
    );
    expect([refused.status, refused.code]).toEqual([400, 21408]);
    expect(await messagesTo(server, to)).toBe(0);
  });

  it('deleting a service deletes its verifications', async () => {
    const service = await newService();
    const started = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: newNumber(), channel: 'sms' });
    await client.verify.v2.services(service.sid).remove();
    const rows = await server.db
      .selectFrom('verify_verifications')
      .select('sid')
      .where('sid', '=', started.sid)
      .execute();
    expect(rows).toEqual([]);
    const sends = await server.db
      .selectFrom('verify_sends')
      .select('sid')
      .where('verification_sid', '=', started.sid)
      .execute();
    expect(sends).toEqual([]);
  });

  it('the code is stored only as a digest: no row of the store holds it', async () => {
    const service = await newService();
    const to = newNumber();
    const started = await client.verify.v2.services(service.sid).verifications.create({ to, channel: 'sms' });
    const { code } = await codeSentTo(server, to);
    const row = await server.db
      .selectFrom('verify_verifications')
      .selectAll()
      .where('sid', '=', started.sid)
      .executeTakeFirstOrThrow();
    expect(row.code_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);
  });
});

describe('the provider down', () => {
  it('a send the provider refuses is 503 / 20503 and counts toward no limit: five sends still go out after it (R75)', async () => {
    const messaging = {
      name: 'switchable',
      down: true,
      sent: [] as OutgoingMessage[],
      async send(message: OutgoingMessage) {
        if (this.down) throw new MessagingError('provider is down');
        this.sent.push(message);
      },
    };
    const flaky = await startTestServer({ messaging });
    try {
      const app = await flaky.createApp({ name: 'Flaky' });
      const flakyClient = twilioClient(flaky, app.accountSid, app.apiKey);
      const service = await flakyClient.verify.v2.services.create({ friendlyName: 'Flaky' });
      const verify = flakyClient.verify.v2.services(service.sid);
      const to = newNumber();
      for (let i = 0; i < 5; i++) {
        const down = await restError(verify.verifications.create({ to, channel: 'sms' }));
        expect([down.status, down.code]).toEqual([503, 20503]);
      }
      messaging.down = false;
      for (let i = 0; i < 5; i++)
        expect((await verify.verifications.create({ to, channel: 'sms' })).status).toBe('pending');
      const spent = await restError(verify.verifications.create({ to, channel: 'sms' }));
      expect(spent.code).toBe(60203);
      expect(messaging.sent.filter((m) => m.to === to)).toHaveLength(5);
    } finally {
      await flaky.close();
    }
  });
});
