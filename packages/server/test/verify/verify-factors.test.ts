// Drives the Verify v2 entities, TOTP factors and TOTP challenges (`/v2/Services/{VA}/Entities…`) with the real
// `twilio` package (6.x), pointed at loopback, and computes every code independently here (RFC 6238 with
// node:crypto's HMAC), never with the service's own TOTP code.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testClock } from '../support/harness.js';
import { restError, startVerifySuite, type twilioClient } from './twilio-support.js';

const clock = testClock();
let server: TestServer;
let account: { id: number; apiKey: string; accountSid: string };
let client: ReturnType<typeof twilioClient>;
let otherClient: ReturnType<typeof twilioClient>;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`);

let nextUser = 1000;
const newIdentity = () => `user-${String(nextUser++).padStart(6, '0')}`;

beforeAll(async () => {
  ({ server, account, client, otherClient } = await startVerifySuite({ clock }));
});
afterAll(async () => {
  await server?.close();
});

/** RFC 4648 base32, decoded by hand. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 / RFC 4226: the code of the time step `offset` steps from now, with Node's HMAC. */
function rfc6238(
  secretBase32: string,
  {
    offset = 0,
    digits = 6,
    period = 30,
    alg = 'sha1',
  }: { offset?: number; digits?: number; period?: number; alg?: string } = {},
): string {
  const counter = Math.floor(clock.now() / 1000 / period) + offset;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(alg, base32Decode(secretBase32)).update(message).digest();
  const at = (mac.at(-1) ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(at) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** A wrong code: the right one with its last digit changed. */
const wrong = (code: string) => `${code.slice(0, -1)}${(Number(code.at(-1)) + 1) % 10}`;

const newService = (name = 'Acme Bank') => client.verify.v2.services.create({ friendlyName: name });

async function newTotp(serviceSid: string, identity = newIdentity()) {
  const entity = client.verify.v2.services(serviceSid).entities(identity);
  const factor = await entity.newFactors.create({ friendlyName: 'Ada’s phone', factorType: 'totp' });
  return { identity, entity, factor, secret: (factor.binding as { secret: string }).secret };
}

/** A verified TOTP factor, on a fresh step afterwards (its verifying step was spent). */
async function verifiedTotp(serviceSid: string) {
  const made = await newTotp(serviceSid);
  const verified = await made.entity.factors(made.factor.sid).update({ authPayload: rfc6238(made.secret) });
  expect(verified.status).toBe('verified');
  clock.advance(30_000);
  return made;
}

describe('entities', () => {
  it('create, fetch, list and delete: a YE SID per identity; deleted it is 404 / 20404', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const identity = newIdentity();
    expect(service.links).toMatchObject({ entities: `${server.url}/v2/Services/${service.sid}/Entities` });
    const created = await verify.entities.create({ identity });
    expect(created.sid).toMatch(SID('YE'));
    expect([created.identity, created.serviceSid, created.accountSid]).toEqual([
      identity,
      service.sid,
      account.accountSid,
    ]);
    expect(created.links).toEqual({
      factors: `${server.url}/v2/Services/${service.sid}/Entities/${identity}/Factors`,
      challenges: `${server.url}/v2/Services/${service.sid}/Entities/${identity}/Challenges`,
    });
    // An identity the service has is answered with its entity, not a second one.
    expect((await verify.entities.create({ identity })).sid).toBe(created.sid);
    expect((await verify.entities(identity).fetch()).sid).toBe(created.sid);
    const more = [newIdentity(), newIdentity()];
    for (const id of more) await verify.entities.create({ identity: id });
    const listed = await verify.entities.list({ pageSize: 2 });
    expect(listed.map((e) => e.identity)).toEqual([identity, ...more]);
    expect(await verify.entities(identity).remove()).toBe(true);
    for (const refused of [
      await restError(verify.entities(identity).fetch()),
      await restError(verify.entities(identity).remove()),
    ]) {
      expect([refused.status, refused.code]).toEqual([404, 20404]);
    }
  });

  it('concurrent creates of one identity, and of its first factors, make one entity', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const identity = newIdentity();
    const made = await Promise.all([
      ...Array.from({ length: 5 }, () => verify.entities.create({ identity })),
      ...Array.from({ length: 3 }, () =>
        verify.entities(identity).newFactors.create({ friendlyName: 'x', factorType: 'totp' }),
      ),
    ]);
    const entitySids = new Set(made.map((m) => ('entitySid' in m ? m.entitySid : m.sid)));
    expect(entitySids.size).toBe(1);
    expect((await verify.entities(identity).factors.list()).length).toBe(3);
  });

  it('an identity outside 8–64 of A-Z a-z 0-9 - _ is 400 / 60200 on create and 404 in a path', async () => {
    const service = await newService();
    const verify = client.verify.v2.services(service.sid);
    const refused = await restError(verify.entities.create({ identity: 'short' }));
    expect([refused.status, refused.code]).toEqual([400, 60200]);
    const missing = await restError(verify.entities('has space in it').fetch());
    expect([missing.status, missing.code]).toEqual([404, 20404]);
  });
});

describe('TOTP factors', () => {
  it('create returns the binding once (base32 secret, otpauth URI); fetch and list never show it', async () => {
    const service = await newService('Acme Bank');
    const { entity, factor, secret, identity } = await newTotp(service.sid);
    expect(factor.sid).toMatch(SID('YF'));
    expect(factor.entitySid).toMatch(SID('YE'));
    expect([factor.status, factor.factorType, factor.identity]).toEqual(['unverified', 'totp', identity]);
    expect(factor.config).toEqual({ alg: 'sha1', skew: 1, code_length: 6, time_step: 30 });
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL((factor.binding as { uri: string }).uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme Bank');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    const fetched = await entity.factors(factor.sid).fetch();
    const listed = await entity.factors.list();
    expect(listed.map((f) => f.sid)).toEqual([factor.sid]);
    for (const shown of [fetched, ...listed]) {
      expect(JSON.stringify(shown.toJSON())).not.toContain(secret);
      expect(shown.status).toBe('unverified');
    }
  });

  it('a wrong AuthPayload leaves the factor unverified; the right code verifies it; a renamed factor keeps it', async () => {
    const service = await newService();
    const { entity, factor, secret } = await newTotp(service.sid);
    const code = rfc6238(secret);
    expect((await entity.factors(factor.sid).update({ authPayload: wrong(code) })).status).toBe('unverified');
    expect((await entity.factors(factor.sid).update({ authPayload: code })).status).toBe('verified');
    const renamed = await entity.factors(factor.sid).update({ friendlyName: 'Work phone' });
    expect([renamed.friendlyName, renamed.status]).toEqual(['Work phone', 'verified']);
    expect((await entity.factors(factor.sid).fetch()).friendlyName).toBe('Work phone');
  });

  it('the factor’s own config is honoured: 8 digits, sha256, a 60 s step, no skew', async () => {
    const service = await newService();
    const entity = client.verify.v2.services(service.sid).entities(newIdentity());
    const factor = await entity.newFactors.create({
      friendlyName: 'Strict',
      factorType: 'totp',
      'config.codeLength': 8,
      'config.alg': 'sha256',
      'config.timeStep': 60,
      'config.skew': 0,
    });
    expect(factor.config).toEqual({ alg: 'sha256', skew: 0, code_length: 8, time_step: 60 });
    const secret = (factor.binding as { secret: string }).secret;
    const options = { digits: 8, period: 60, alg: 'sha256' };
    // Skew 0: the previous step's code is refused.
    const previous = rfc6238(secret, { ...options, offset: -1 });
    expect((await entity.factors(factor.sid).update({ authPayload: previous })).status).toBe('unverified');
    const code = rfc6238(secret, options);
    expect(code).toHaveLength(8);
    expect((await entity.factors(factor.sid).update({ authPayload: code })).status).toBe('verified');
  });

  it('bad factor parameters are 400 / 60200 and make nothing', async () => {
    const service = await newService();
    const entity = client.verify.v2.services(service.sid).entities(newIdentity());
    for (const params of [
      { friendlyName: 'x', factorType: 'push' as const },
      { friendlyName: 'x', factorType: 'totp' as const, 'config.codeLength': 5 },
      { friendlyName: 'x', factorType: 'totp' as const, 'config.skew': 3 },
    ]) {
      const refused = await restError(entity.newFactors.create(params));
      expect([refused.status, refused.code]).toEqual([400, 60200]);
    }
    const missing = await restError(entity.fetch());
    expect([missing.status, missing.code]).toEqual([404, 20404]);
  });

  it('delete removes the factor: then fetch, update and delete are 404 / 20404', async () => {
    const service = await newService();
    const { entity, factor } = await newTotp(service.sid);
    expect(await entity.factors(factor.sid).remove()).toBe(true);
    for (const refused of [
      await restError(entity.factors(factor.sid).fetch()),
      await restError(entity.factors(factor.sid).update({ friendlyName: 'x' })),
      await restError(entity.factors(factor.sid).remove()),
    ]) {
      expect([refused.status, refused.code]).toEqual([404, 20404]);
    }
  });

  it('the seed is sealed at rest: neither the secret nor its hex is in the row, nor in the database’s bytes', async () => {
    const service = await newService();
    const { factor, secret } = await newTotp(service.sid);
    const hex = base32Decode(secret).toString('hex');
    const row = await server.db
      .selectFrom('verify_factors')
      .selectAll()
      .where('sid', '=', factor.sid)
      .executeTakeFirstOrThrow();
    expect(row.seed_ct).toMatch(/^v2\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    for (const shown of [JSON.stringify(row), JSON.stringify(row).toUpperCase()]) {
      expect(shown).not.toContain(secret);
      expect(shown.toLowerCase()).not.toContain(hex);
    }
    const url = server.config.databaseUrl;
    if (url.startsWith('sqlite:')) {
      const file = url.slice('sqlite:'.length);
      for (const path of [file, `${file}-wal`]) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(path);
        } catch {
          continue;
        }
        expect(bytes.includes(Buffer.from(secret))).toBe(false);
        expect(bytes.includes(Buffer.from(hex))).toBe(false);
        expect(bytes.includes(base32Decode(secret))).toBe(false);
      }
    }
  });
});

describe('TOTP challenges', () => {
  it('a right code is approved; fetch and list (paged, by factor and status) show it', async () => {
    const service = await newService();
    const { entity, factor, secret } = await verifiedTotp(service.sid);
    const challenge = await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) });
    expect(challenge.sid).toMatch(SID('YC'));
    expect([challenge.status, challenge.factorSid, challenge.factorType]).toEqual([
      'approved',
      factor.sid,
      'totp',
    ]);
    expect(challenge.dateResponded).toBeInstanceOf(Date);
    const wrongOne = await entity.challenges.create({
      factorSid: factor.sid,
      authPayload: '000000' === rfc6238(secret) ? '111111' : '000000',
    });
    expect([wrongOne.status, wrongOne.dateResponded]).toEqual(['pending', null]);
    expect((await entity.challenges(challenge.sid).fetch()).status).toBe('approved');
    const all = await entity.challenges.list({ pageSize: 1 });
    expect(all.map((c) => c.sid)).toEqual([challenge.sid, wrongOne.sid]);
    expect((await entity.challenges.list({ status: 'approved' })).map((c) => c.sid)).toEqual([challenge.sid]);
    expect((await entity.challenges.list({ factorSid: factor.sid })).length).toBe(2);
  });

  it('each step is accepted once: the same code again, even at once ten times, approves one challenge', async () => {
    const service = await newService();
    const { entity, factor, secret } = await verifiedTotp(service.sid);
    const code = rfc6238(secret);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        entity.challenges.create({ factorSid: factor.sid, authPayload: code }),
      ),
    );
    expect(answers.filter((c) => c.status === 'approved')).toHaveLength(1);
    expect(answers.filter((c) => c.status === 'pending')).toHaveLength(9);
    // The step that verified the factor was spent too: its code (one step back, in the skew) is refused.
    const earlier = rfc6238(secret, { offset: -1 });
    expect((await entity.challenges.create({ factorSid: factor.sid, authPayload: earlier })).status).toBe(
      'pending',
    );
    // Replays are not guesses: the factor is not locked by them, and the next step's code is approved.
    clock.advance(30_000);
    expect(
      (await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) })).status,
    ).toBe('approved');
  });

  it('ten wrong codes lock the factor as the Authy side locks a user: then even the right code is 429 / 60202 with Retry-After, for 15 minutes', async () => {
    const service = await newService();
    const { entity, factor, secret, identity } = await verifiedTotp(service.sid);
    const bad = wrong(rfc6238(secret));
    for (let i = 0; i < 10; i++) {
      expect((await entity.challenges.create({ factorSid: factor.sid, authPayload: bad })).status).toBe(
        'pending',
      );
    }
    const locked = await restError(
      entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) }),
    );
    expect([locked.status, locked.code]).toEqual([429, 60202]);
    const update = await restError(entity.factors(factor.sid).update({ authPayload: rfc6238(secret) }));
    expect([update.status, update.code]).toEqual([429, 60202]);
    const raw = await fetch(`${server.url}/v2/Services/${service.sid}/Entities/${identity}/Challenges`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.apiKey}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ FactorSid: factor.sid, AuthPayload: rfc6238(secret) }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(800);
    // The lock is recorded, and no challenge was made while locked.
    const events = await server.db
      .selectFrom('security_events')
      .selectAll()
      .where('type', '=', 'verify_factor.locked')
      .execute();
    expect(events.some((e) => JSON.stringify(e).includes(factor.sid))).toBe(true);
    expect((await entity.challenges.list({ factorSid: factor.sid })).length).toBe(10);
    clock.advance(15 * 60_000);
    expect(
      (await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) })).status,
    ).toBe('approved');
  });

  it('an unverified factor cannot be challenged (400 / 60200); a malformed code is 400 / 60200', async () => {
    const service = await newService();
    const { entity, factor, secret } = await newTotp(service.sid);
    const refused = await restError(
      entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) }),
    );
    expect([refused.status, refused.code]).toEqual([400, 60200]);
    const malformed = await restError(
      entity.challenges.create({ factorSid: factor.sid, authPayload: 'abc' }),
    );
    expect([malformed.status, malformed.code]).toEqual([400, 60200]);
  });
});

describe('logs', () => {
  it('a wrong code and a replay are security events in the log; no line holds the binding secret or the typed code', async () => {
    const service = await newService();
    const { entity, factor, secret } = await verifiedTotp(service.sid);
    const before = server.logs.length;
    const code = rfc6238(secret);
    const typed = `${wrong(code)}`;
    await entity.challenges.create({ factorSid: factor.sid, authPayload: typed });
    await entity.challenges.create({ factorSid: factor.sid, authPayload: code });
    await entity.challenges.create({ factorSid: factor.sid, authPayload: code });
    const lines = server.logs.slice(before);
    expect(lines.some((l) => l.includes('"event":"authn_login_fail"'))).toBe(true);
    expect(lines.some((l) => l.includes('"event":"authn_token_reuse"'))).toBe(true);
    for (const line of server.logs) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(`AuthPayload=${typed}`);
      expect(line).not.toContain(`"AuthPayload":"${code}"`);
    }
  });
});

describe('lifetimes and rows', () => {
  it('a pending challenge expires after five minutes: fetch and the Status filter say expired', async () => {
    const service = await newService();
    const { entity, factor, secret } = await verifiedTotp(service.sid);
    const pending = await entity.challenges.create({
      factorSid: factor.sid,
      authPayload: wrong(rfc6238(secret)),
    });
    const approved = await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) });
    expect([pending.status, approved.status]).toEqual(['pending', 'approved']);
    expect(pending.expirationDate.getTime() - pending.dateCreated.getTime()).toBe(300_000);
    clock.advance(300_000);
    expect((await entity.challenges(pending.sid).fetch()).status).toBe('expired');
    expect((await entity.challenges(approved.sid).fetch()).status).toBe('approved');
    expect((await entity.challenges.list({ status: 'expired' })).map((c) => c.sid)).toEqual([pending.sid]);
    expect(await entity.challenges.list({ status: 'pending' })).toEqual([]);
  });

  it('a sealed seed copied into another factor does not open: the check fails closed and approves nothing', async () => {
    const service = await newService();
    const first = await verifiedTotp(service.sid);
    const second = await verifiedTotp(service.sid);
    const { seed_ct } = await server.db
      .selectFrom('verify_factors')
      .select('seed_ct')
      .where('sid', '=', first.factor.sid)
      .executeTakeFirstOrThrow();
    await server.db
      .updateTable('verify_factors')
      .set({ seed_ct })
      .where('sid', '=', second.factor.sid)
      .execute();
    const refused = await restError(
      second.entity.challenges.create({ factorSid: second.factor.sid, authPayload: rfc6238(first.secret) }),
    );
    expect(refused.status).toBe(500);
    expect(await second.entity.challenges.list()).toEqual([]);
  });

  it('deleting the service deletes its entities, factors and challenges', async () => {
    const service = await newService();
    const { entity, factor, secret } = await verifiedTotp(service.sid);
    await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) });
    await client.verify.v2.services(service.sid).remove();
    const left = await Promise.all(
      (['verify_factors', 'verify_challenges'] as const).map((table) =>
        server.db.selectFrom(table).selectAll().where('sid', 'like', '%').execute(),
      ),
    );
    expect(left.flat().filter((row) => JSON.stringify(row).includes(factor.sid))).toEqual([]);
    expect(
      await server.db
        .selectFrom('verify_entities')
        .selectAll()
        .where('service_sid', '=', service.sid)
        .execute(),
    ).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it('another account’s, or another entity’s, entity, factor and challenge SIDs answer as unknown ones (404 / 20404)', async () => {
    const service = await newService();
    const { entity, factor, secret, identity } = await verifiedTotp(service.sid);
    const challenge = await entity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) });
    const foreign = otherClient.verify.v2.services(service.sid).entities(identity);
    const otherEntity = client.verify.v2.services(service.sid).entities(newIdentity());
    await otherEntity.newFactors.create({ friendlyName: 'x', factorType: 'totp' });
    const unknown = `YF${'0'.repeat(32)}`;
    const refusals = await Promise.all([
      restError(foreign.fetch()),
      restError(foreign.remove()),
      restError(foreign.factors(factor.sid).fetch()),
      restError(foreign.factors(factor.sid).update({ authPayload: rfc6238(secret) })),
      restError(foreign.challenges(challenge.sid).fetch()),
      restError(foreign.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) })),
      restError(otherEntity.factors(factor.sid).fetch()),
      restError(otherEntity.challenges(challenge.sid).fetch()),
      restError(otherEntity.challenges.create({ factorSid: factor.sid, authPayload: rfc6238(secret) })),
      restError(entity.factors(unknown).fetch()),
      restError(entity.challenges(`YC${'0'.repeat(32)}`).fetch()),
      restError(entity.factors('not-a-sid').fetch()),
    ]);
    for (const refused of refusals) expect([refused.status, refused.code]).toEqual([404, 20404]);
    // The other account's attempts spent nothing: the factor still answers its owner.
    expect((await entity.factors(factor.sid).fetch()).status).toBe('verified');
  });
});
