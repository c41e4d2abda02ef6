/**
 * Request parsing as the real clients send it (spec authy-api §2.3–2.4; security D2, D10, R60): parameters
 * merged from query and body on every method, GET bodies, the three `logos` shapes, flags and numbers as
 * strings, `null` as "not given", the query-string key and its redaction, prototype pollution, compact JSON.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  type ExpectedError,
  expectAuthyError,
  expectCompactSuccess,
  expectRefusedWithoutWrites,
  INVALID_KEY,
  invalidParameter,
  NOT_JSON,
  OT,
  P,
  type Req,
  type Res,
  registerUser,
  send,
  TOKEN_INVALID,
  totpNow,
} from './helpers.js';

/** What `Object.prototype` looked like before any hostile payload was sent. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);

let clock: TestClock;
let server: TestServer;
let key: string;
let strictKey: string;
let userId: number;

let phoneSerial = 1000;
/** A fresh, valid US number for each registration that must not share a user with another test. */
const nextPhone = () => `202-555-${String(phoneSerial++)}`;

beforeAll(async () => {
  clock = testClock();
  server = await startTestServer({ clock });
  key = (await server.createApp({ name: 'Compat Bank' })).apiKey;
  strictKey = (await server.createApp({ name: 'Strict Bank', profile: 'strict' })).apiKey;
  userId = await registerUser(server, key, '201-555-0123', 'alice@example.com');
});
afterAll(() => server.close());

const approvals = (id = userId) => `${OT}/users/${id}/approval_requests`;

/** The approval path of a new user: each user holds at most 10 pending requests (R40). */
async function freshApprovals(): Promise<string> {
  return approvals(await registerUser(server, key, nextPhone(), 'approver@example.com'));
}

/** Creates an approval request and returns it as `GET approval_requests/{uuid}` reports it. */
async function createAndRead(req: Omit<Req, 'method'>): Promise<Record<string, unknown>> {
  const created = await send(server, { method: 'POST', ...req });
  expect(created.status, created.text).toBe(200);
  const uuid = (created.body.approval_request as { uuid: string }).uuid;
  const read = await send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });
  expect(read.status, read.text).toBe(200);
  return read.body.approval_request as Record<string, unknown>;
}

/** The latest code the console provider "sent". */
async function lastCode(): Promise<string> {
  const [message] = await server.app.services.outbox.list(1);
  const code = /(\d+)$/.exec(message?.body ?? '')?.[1];
  if (code === undefined) throw new Error(`no code in ${message?.body}`);
  return code;
}

describe('spec 2.3(1): parameters are merged from the query string and the body, whatever the method', () => {
  it('POST: message in the query and details in a form body make one request', async () => {
    const request = await createAndRead({
      path: `${await freshApprovals()}?message=Login%20requested`,
      key,
      form: 'details%5BAccount%20Number%5D=981266321',
    });
    expect(request.message).toBe('Login requested');
    expect(request.details).toStrictEqual({ 'Account Number': '981266321' });
  });

  it('POST: message in the query and details in a JSON body make one request', async () => {
    const request = await createAndRead({
      path: `${await freshApprovals()}?message=Login%20requested`,
      key,
      json: { details: { 'Account Number': '981266321' } },
    });
    expect(request.message).toBe('Login requested');
    expect(request.details).toStrictEqual({ 'Account Number': '981266321' });
  });

  it('POST users/new entirely in the query string (Postman collection, authy-php) registers the user', async () => {
    const res = await send(server, {
      method: 'POST',
      path: `${P}/users/new?user%5Bemail%5D=q%40example.com&user%5Bcellphone%5D=201-555-0123&user%5Bcountry_code%5D=1`,
      key,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toStrictEqual({
      message: 'User created successfully.',
      user: { id: userId },
      success: true,
    });
  });

  it('GET: country_code in the query and phone_number in a form body are read together', async () => {
    const res = await send(server, {
      method: 'GET',
      path: `${P}/phones/info?country_code=1`,
      key,
      form: 'phone_number=201-555-0123',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.formatted).toBe('+1 201 555 0123');
  });

  it('GET: country_code in the query and phone_number in a JSON body are read together', async () => {
    const res = await send(server, {
      method: 'GET',
      path: `${P}/phones/info?country_code=1`,
      key,
      json: { phone_number: '201-555-0123' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.formatted).toBe('+1 201 555 0123');
  });

  it('when the query and the body name the same parameter, the body wins (Rack order)', async () => {
    const request = await createAndRead({
      path: `${await freshApprovals()}?message=from%20query`,
      key,
      form: 'message=from%20body',
    });
    expect(request.message).toBe('from body');
  });

  it('api_key in a form body authenticates a compat app', async () => {
    const request = await createAndRead({ path: await freshApprovals(), form: `api_key=${key}&message=hi` });
    expect(request.message).toBe('hi');
  });
});

describe('spec 2.3(2): the bodies each client sends on a GET are read, and empty ones tolerated', () => {
  it('GET with a form body and api_key in the query (authy npm phones/verification/check) verifies the code', async () => {
    const phone = '201-555-0150';
    const started = await send(server, {
      method: 'POST',
      path: `${P}/phones/verification/start?api_key=${key}`,
      form: `phone_number=${phone}&country_code=1&via=sms`,
    });
    expect(started.status, started.text).toBe(200);
    const checked = await send(server, {
      method: 'GET',
      path: `${P}/phones/verification/check?api_key=${key}`,
      form: `phone_number=${phone}&country_code=1&verification_code=${await lastCode()}`,
    });
    expect(checked.status, checked.text).toBe(200);
    expect(checked.text).toBe('{"message":"Verification code is correct.","success":true}');
  });

  it.each([
    {
      name: 'a JSON body {} (authy-client getUserStatus)',
      body: { raw: { body: '{}', contentType: 'application/json' } },
    },
    { name: 'a JSON body with user_ip', body: { json: { user_ip: '10.0.0.1' } } },
    {
      name: 'a form Content-Type and no body (authy npm)',
      body: { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    },
    { name: 'a form body with user_ip', body: { form: 'user_ip=10.0.0.1' } },
  ])('GET users/{id}/status with $name answers the status', async ({ body }) => {
    const res = await send(server, { method: 'GET', path: `${P}/users/${userId}/status`, key, ...body });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ message: 'User status.', success: true, status: { authy_id: userId } });
  });

  it.each([
    {
      name: 'a form Content-Type and an empty body (authy npm delete_user)',
      body: { raw: { body: '', contentType: 'application/x-www-form-urlencoded' } },
    },
    { name: 'a JSON body {} (authy-python)', body: { json: {} } },
    { name: 'an empty JSON body', body: { raw: { body: '', contentType: 'application/json' } } },
    { name: 'no body and no Content-Type', body: {} },
  ])('POST users/delete/{id} with $name removes the user', async ({ body }) => {
    const id = await registerUser(server, key, nextPhone(), 'gone@example.com');
    const res = await send(server, { method: 'POST', path: `${P}/users/delete/${id}`, key, ...body });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('{"message":"User was added to remove.","success":true}');
  });
});

describe('spec 2.3(4): logos arrive indexed, Rack-style or as a JSON array, and mean the same two logos', () => {
  const TWO = [
    { res: 'default', url: 'https://example.com/d.png' },
    { res: 'low', url: 'https://example.com/l.png' },
  ];
  const D = 'https%3A%2F%2Fexample.com%2Fd.png';
  const L = 'https%3A%2F%2Fexample.com%2Fl.png';

  it.each([
    {
      name: 'indexed logos[0][res], percent-encoded as the authy npm client (qs) sends them',
      form: `message=hi&logos%5B0%5D%5Bres%5D=default&logos%5B0%5D%5Burl%5D=${D}&logos%5B1%5D%5Bres%5D=low&logos%5B1%5D%5Burl%5D=${L}`,
    },
    {
      name: 'Rack-style logos[][res] / logos[][url] (authy-ruby, curl samples)',
      form: `message=hi&logos[][res]=default&logos[][url]=${D}&logos[][res]=low&logos[][url]=${L}`,
    },
    {
      name: 'Rack-style with percent-encoded brackets',
      form: `message=hi&logos%5B%5D%5Bres%5D=default&logos%5B%5D%5Burl%5D=${D}&logos%5B%5D%5Bres%5D=low&logos%5B%5D%5Burl%5D=${L}`,
    },
    {
      name: 'Rack-style with url before res',
      form: `message=hi&logos[][url]=${D}&logos[][res]=default&logos[][url]=${L}&logos[][res]=low`,
    },
  ])('$name', async ({ form }) => {
    const request = await createAndRead({ path: await freshApprovals(), key, form });
    expect(request.logos).toStrictEqual(TWO);
  });

  it('a JSON array (authy-client, authy-python)', async () => {
    const request = await createAndRead({
      path: await freshApprovals(),
      key,
      json: { message: 'hi', logos: TWO },
    });
    expect(request.logos).toStrictEqual(TWO);
  });

  it('an empty JSON array (authy-python with no logos) means no logos', async () => {
    const request = await createAndRead({
      path: await freshApprovals(),
      key,
      json: { message: 'hi', logos: [] },
    });
    expect(request.logos).toBeNull();
  });
});

describe('Rack hash keys: brackets with a number make a hash key where the schema asks for an object', () => {
  it.each([
    { name: 'in a form body', form: 'message=hi&details[0]=x&details[1]=y&hidden_details[7]=z', query: '' },
    {
      name: 'in the query string',
      form: 'message=hi',
      query: '?details[0]=x&details[1]=y&hidden_details[7]=z',
    },
    {
      name: 'percent-encoded, as qs sends them',
      form: 'message=hi&details%5B0%5D=x&details%5B1%5D=y&hidden_details%5B7%5D=z',
      query: '',
    },
  ])('details[0]=x $name is the detail "0": "x"', async ({ form, query }) => {
    const path = `${await freshApprovals()}${query}`;
    const request = await createAndRead({ path, key, form });
    expect(request.details).toStrictEqual({ '0': 'x', '1': 'y' });
    expect(request.hidden_details).toStrictEqual({ '7': 'z' });
  });

  it('number keys and name keys mix in one hash, as Rack mixes them', async () => {
    const request = await createAndRead({
      path: await freshApprovals(),
      key,
      form: 'message=hi&details[Account]=1234&details[2]=second&details[10]=tenth',
    });
    expect(request.details).toStrictEqual({ Account: '1234', '2': 'second', '10': 'tenth' });
  });

  it('register_activity data[0]=x is recorded as the hash {"0": "x"}', async () => {
    const id = await registerUser(server, key, nextPhone(), 'activity@example.com');
    const res = await send(server, {
      method: 'POST',
      path: `${P}/users/${id}/register_activity`,
      key,
      form: 'type=banned&data[0]=x&data[reason]=fraud',
    });
    expect(res.status, res.text).toBe(200);
    const row = await server.db
      .selectFrom('activities')
      .select('data')
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.data)).toStrictEqual({ '0': 'x', reason: 'fraud' });
  });

  it('a JSON array is still not an object: details ["x"] is refused', async () => {
    await expectRefusedWithoutWrites(
      server,
      { method: 'POST', path: await freshApprovals(), key, json: { message: 'hi', details: ['x'] } },
      invalidParameter('details', 'must be an object'),
    );
  });
});

describe('spec 2.3(3): flags arrive as True/False/true/1, numbers as JSON numbers or strings', () => {
  it.each(['True', 'False', 'true', 'false', 'TRUE', '1', '0'])(
    'send_install_link_via_sms=%s in the query is a flag',
    async (flag) => {
      const res = await send(server, {
        method: 'POST',
        path: `${P}/users/new?send_install_link_via_sms=${flag}`,
        key,
        form: 'user[email]=alice@example.com&user[cellphone]=201-555-0123&user[country_code]=1',
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.user).toStrictEqual({ id: userId });
    },
  );

  it.each([true, false])('send_install_link_via_sms as the JSON boolean %s is a flag', async (flag) => {
    const res = await send(server, {
      method: 'POST',
      path: `${P}/users/new`,
      key,
      json: {
        user: { email: 'alice@example.com', cellphone: '201-555-0123', country_code: 1 },
        send_install_link_via_sms: flag,
      },
    });
    expect(res.status, res.text).toBe(200);
  });

  it('user[send_install_link_via_sms]=False inside the user hash (authy-php) is a flag', async () => {
    const res = await send(server, {
      method: 'POST',
      path: `${P}/users/new`,
      key,
      form: 'user[email]=alice@example.com&user[cellphone]=201-555-0123&user[country_code]=1&user[send_install_link_via_sms]=False',
    });
    expect(res.status, res.text).toBe(200);
  });

  it.each(['True', '1'])('force=%s on sms (authy-python, curl) is a flag', async (flag) => {
    const id = await registerUser(server, key, nextPhone(), 'sms@example.com');
    const res = await send(server, { method: 'GET', path: `${P}/sms/${id}?force=${flag}`, key });
    expect(res.status, res.text).toBe(200);
  });

  it.each([
    {
      name: 'a JSON number',
      body: { json: { user: { email: 'cc@example.com', cellphone: '201-555-0160', country_code: 1 } } },
    },
    {
      name: 'a JSON string',
      body: { json: { user: { email: 'cc@example.com', cellphone: '201-555-0160', country_code: '1' } } },
    },
    {
      name: 'a form string',
      body: { form: 'user[email]=cc@example.com&user[cellphone]=201-555-0160&user[country_code]=1' },
    },
    {
      name: 'a form string with a plus sign',
      body: { form: 'user[email]=cc@example.com&user[cellphone]=201-555-0160&user[country_code]=%2B1' },
    },
  ])('country_code as $name names the same user', async ({ body }) => {
    const res = await send(server, { method: 'POST', path: `${P}/users/new`, key, ...body });
    expect(res.status, res.text).toBe(200);
    const first = await registerUser(server, key, '201-555-0160', 'cc@example.com');
    expect(res.body.user).toStrictEqual({ id: first });
  });

  it('country_code 351 as a JSON number (authy-client) and as a string give the same Portuguese user', async () => {
    const asNumber = await registerUser(server, key, '911234567', 'pt@example.com', 351);
    const asString = await registerUser(server, key, '911 234 567', 'pt@example.com', '351');
    expect(asNumber).toBe(asString);
  });

  it('phones/verification/start takes country_code as a JSON number', async () => {
    const res = await send(server, {
      method: 'POST',
      path: `${P}/phones/verification/start`,
      key,
      json: { country_code: 1, phone_number: '201-555-0151', via: 'sms' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.message).toBe('Text message sent to +1 201-555-0151.');
  });
});

describe('D2: seconds_to_expire', () => {
  const lifetime = (request: Record<string, unknown>) =>
    Date.parse(String(request.expires_at)) - Date.parse(String(request.created_at));

  it('authy-python’s full body with "seconds_to_expire": null means “not given” → 600 s', async () => {
    const request = await createAndRead({
      path: approvals(),
      key,
      raw: {
        body: '{"message": "Login requested", "seconds_to_expire": null, "details": {}, "hidden_details": {}, "logos": []}',
        contentType: 'application/json',
      },
    });
    expect(request.seconds_to_expire).toBe(600);
    expect(lifetime(request)).toBe(600_000);
    expect(request.details).toStrictEqual({});
    expect(request.hidden_details).toStrictEqual({});
  });

  it('no seconds_to_expire at all → 600 s', async () => {
    const request = await createAndRead({ path: await freshApprovals(), key, json: { message: 'hi' } });
    expect(request.seconds_to_expire).toBe(600);
    expect(lifetime(request)).toBe(600_000);
  });

  it.each([
    { name: 'a form string', body: { form: 'message=hi&seconds_to_expire=120' } },
    { name: 'a JSON number', body: { json: { message: 'hi', seconds_to_expire: 120 } } },
  ])('seconds_to_expire as $name → 120 s', async ({ body }) => {
    const request = await createAndRead({ path: await freshApprovals(), key, ...body });
    expect(request.seconds_to_expire).toBe(120);
    expect(lifetime(request)).toBe(120_000);
  });
});

describe('D10: api_key in the query string', () => {
  it('a compat app is served with the key in the query, on GET and on POST, exactly as the authy npm client sends it', async () => {
    const details = await send(server, { method: 'GET', path: `${P}/app/details?api_key=${key}` });
    expect(details.status, details.text).toBe(200);
    expect((details.body.app as { name: string }).name).toBe('Compat Bank');
    const created = await send(server, {
      method: 'POST',
      path: `${P}/users/new?send_install_link_via_sms=true&api_key=${key}`,
      form: 'user%5Bemail%5D=a%40b.com&user%5Bcellphone%5D=201-555-0123&user%5Bcountry_code%5D=1',
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.user).toStrictEqual({ id: userId });
  });

  const spellings = ['api_key', 'api%5Fkey', 'api%5fkey', '%61pi_key'];
  it.each(
    spellings.flatMap((name) => [
      { name, method: 'GET' as const, path: `${P}/app/details` },
      { name, method: 'POST' as const, path: `${P}/users/new` },
    ]),
  )(
    'a strict app’s key in the query as $name is refused on $method (401 60001) exactly as an unknown key is, and nothing is written',
    async ({ name, method, path }) => {
      const form =
        method === 'POST'
          ? { form: 'user[email]=s@example.com&user[cellphone]=201-555-0170&user[country_code]=1' }
          : {};
      const refused = await expectRefusedWithoutWrites(
        server,
        { method, path: `${path}?${name}=${strictKey}`, ...form },
        INVALID_KEY,
      );
      // R1: nothing in the answer tells a valid key sent the wrong way from a key no app holds.
      const unknown = await send(server, {
        method,
        path: `${path}?${name}=${'0'.repeat(strictKey.length)}`,
        ...form,
      });
      expect(refused.text).toBe(unknown.text);
    },
  );

  it('a strict app’s key in the header is served', async () => {
    const res = await send(server, { method: 'GET', path: `${P}/app/details`, key: strictKey });
    expect(res.status, res.text).toBe(200);
    expect((res.body.app as { profile: string }).profile).toBe('strict');
  });

  it('no log line ever holds a key sent in the query, however it is spelled and whatever the answer', async () => {
    const queries = [
      { query: `api_key=${key}`, status: 200 },
      { query: `api%5Fkey=${key}`, status: 200 },
      { query: `%61pi_key=${key}`, status: 200 },
      { query: `api_key%5B%5D=${key}`, status: 401 },
      { query: `api_key[]=${key}`, status: 401 },
      { query: `api_key=${key}&api_key=${key}`, status: 401 },
      { query: `user_ip=zzz&api_key=${key}`, status: 400 },
      { query: `api_key=${strictKey}`, status: 401 },
    ];
    const before = server.logs.length;
    for (const { query, status } of queries) {
      const res = await send(server, { method: 'GET', path: `${P}/app/details?${query}` });
      expect(res.status, `${query}: ${res.text}`).toBe(status);
    }
    const missing = await send(server, { method: 'GET', path: `${P}/users/999999/status?api_key=${key}` });
    expect(missing.status).toBe(404);
    const unknownRoute = await send(server, { method: 'GET', path: `${P}/nowhere?api_key=${key}` });
    expect(unknownRoute.status).toBe(404);

    const written = server.logs.slice(before).join('');
    expect(written).toContain('?api_key=[redacted]');
    expect(written).toContain('?api%5Fkey=[redacted]');
    expect(written).toContain('?%61pi_key=[redacted]');
    expect(written).toContain('?api_key[]=[redacted]');
    const everything = server.logs.join('');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(strictKey);
  });
});

describe('R85: a token in the verify path never reaches a log line, however the path is spelled', () => {
  it.each([
    { name: 'verify', segment: 'verify' },
    { name: '%76erify (the router decodes it)', segment: '%76erify' },
    { name: 'fully percent-encoded', segment: '%76%65%72%69%66%79' },
  ])(
    '/$name/{token}/{id} is answered by the verify route and logged without the token',
    async ({ segment }) => {
      // Eight digits: well-formed, so it reaches the real check, but never one of this app's 7-digit codes.
      const token = String(randomInt(10_000_000, 100_000_000));
      const before = server.logs.length;
      const res = await send(server, { method: 'GET', path: `${P}/${segment}/${token}/${userId}`, key });
      expectAuthyError(res, TOKEN_INVALID);
      const written = server.logs.slice(before).join('');
      expect(written).toContain(`/${segment}/[redacted]/${userId}`);
      expect(written).not.toContain(token);
    },
  );
});

describe('R60: prototype pollution and parameter pollution', () => {
  interface PollutionCase {
    name: string;
    /** Gets the approval path of a fresh user. */
    req: (approvalsPath: string) => Req;
    /** `undefined`: accepted with the dangerous keys dropped. */
    refused?: ExpectedError;
  }
  const hostileForm =
    (form: string) =>
    (path: string): Req => ({ method: 'POST', path, key, form });
  const hostileJson =
    (body: string) =>
    (path: string): Req => ({ method: 'POST', path, key, raw: { body, contentType: 'application/json' } });

  const CASES: readonly PollutionCase[] = [
    { name: 'form details[__proto__][x]=1', req: hostileForm('message=hi&details[__proto__][x]=1') },
    { name: 'form details[__proto__]=x', req: hostileForm('message=hi&details[__proto__]=x') },
    { name: 'form __proto__[x]=1 at the top', req: hostileForm('message=hi&__proto__[x]=1') },
    { name: 'form %5F_proto__[x]=1 (escaped underscore)', req: hostileForm('message=hi&%5F_proto__[x]=1') },
    { name: 'form constructor[prototype][x]=1', req: hostileForm('message=hi&constructor[prototype][x]=1') },
    {
      name: 'form details[constructor][prototype][x]=1',
      req: hostileForm('message=hi&details[constructor][prototype][x]=1'),
    },
    {
      name: 'form details[hasOwnProperty]=x (shadows a prototype method)',
      req: hostileForm('message=hi&details[hasOwnProperty]=x'),
    },
    {
      name: 'query __proto__[x]=1 on a GET',
      req: () => ({ method: 'GET', path: `${P}/app/details?__proto__[x]=1`, key }),
    },
    {
      name: 'query constructor[prototype][x]=1 on a GET',
      req: () => ({ method: 'GET', path: `${P}/app/details?constructor[prototype][x]=1`, key }),
    },
    {
      name: 'form body __proto__[x]=1 on a GET',
      req: () => ({ method: 'GET', path: `${P}/app/details`, key, form: '__proto__[x]=1' }),
    },
    {
      name: 'JSON {"__proto__":{"x":1}}',
      req: hostileJson('{"message":"hi","__proto__":{"x":1}}'),
      refused: NOT_JSON,
    },
    {
      name: 'JSON details {"__proto__":{"x":1}}',
      req: hostileJson('{"message":"hi","details":{"__proto__":{"x":1}}}'),
      refused: NOT_JSON,
    },
    {
      name: 'JSON {"\\u005f_proto__":…} (escaped)',
      req: hostileJson('{"message":"hi","\\u005f_proto__":{"x":1}}'),
      refused: NOT_JSON,
    },
    {
      name: 'JSON {"constructor":{"prototype":{"x":1}}}',
      req: hostileJson('{"message":"hi","constructor":{"prototype":{"x":1}}}'),
      refused: NOT_JSON,
    },
    {
      name: 'JSON details {"constructor":{"prototype":{"x":1}}}',
      req: hostileJson('{"message":"hi","details":{"constructor":{"prototype":{"x":1}}}}'),
      refused: NOT_JSON,
    },
    {
      name: 'JSON body {"__proto__":{"x":1}} on a GET',
      req: () => ({
        method: 'GET',
        path: `${P}/app/details`,
        key,
        raw: { body: '{"__proto__":{"x":1}}', contentType: 'application/json' },
      }),
      refused: NOT_JSON,
    },
    {
      name: 'message given twice (parameter pollution)',
      req: hostileForm('message=Login&message=Transfer%20all'),
      refused: invalidParameter('message', 'must be a string'),
    },
    {
      name: 'message in the query twice (parameter pollution)',
      req: (path) => ({ method: 'POST', path: `${path}?message=Login&message=Transfer`, key }),
      refused: invalidParameter('message', 'must be a string'),
    },
  ];

  it.each(CASES)('$name: Object.prototype is untouched and the answer is clean', async ({ req, refused }) => {
    const path = await freshApprovals();
    let res: Res;
    if (refused !== undefined) {
      res = await expectRefusedWithoutWrites(server, req(path), refused);
    } else {
      res = await send(server, req(path));
      expect(res.status, res.text).toBe(200);
      expect(res.text).not.toMatch(/"x":/);
      const uuid = (res.body.approval_request as { uuid: string } | undefined)?.uuid;
      if (uuid !== undefined) {
        const read = await send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });
        const request = read.body.approval_request as Record<string, unknown>;
        expect(request.message).toBe('hi');
        expect(request.details).toStrictEqual({});
        expect(request.hidden_details).toStrictEqual({});
        expect(read.text).not.toMatch(/"x":|__proto__|prototype/);
      }
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).toStrictEqual(PROTOTYPE_KEYS);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe('spec 2.4: every success body is compact JSON (authy-python tests the raw "token":"is valid")', () => {
  async function registerFresh(): Promise<number> {
    return registerUser(server, key, nextPhone(), 'compact@example.com');
  }
  async function otpauthUrl(id: number): Promise<string> {
    const res = await send(server, { method: 'POST', path: `${P}/users/${id}/secret`, key });
    return res.body.otpauth_url as string;
  }

  const SUCCESS: readonly { route: string; run: () => Promise<Res> }[] = [
    {
      route: 'POST users/new',
      run: () =>
        send(server, {
          method: 'POST',
          path: `${P}/users/new`,
          key,
          json: { user: { email: 'c@example.com', cellphone: nextPhone(), country_code: 1 } },
        }),
    },
    {
      route: 'GET users/{id}/status',
      run: () => send(server, { method: 'GET', path: `${P}/users/${userId}/status`, key }),
    },
    {
      route: 'POST users/{id}/register_activity',
      run: () =>
        send(server, {
          method: 'POST',
          path: `${P}/users/${userId}/register_activity`,
          key,
          json: { type: 'cookie_login', data: { browser: 'Firefox' }, user_ip: '10.0.0.1' },
        }),
    },
    {
      route: 'POST users/{id}/secret',
      run: async () =>
        send(server, { method: 'POST', path: `${P}/users/${await registerFresh()}/secret`, key }),
    },
    {
      route: 'GET sms/{id}',
      run: async () => send(server, { method: 'GET', path: `${P}/sms/${await registerFresh()}`, key }),
    },
    {
      route: 'GET call/{id}',
      run: async () => send(server, { method: 'GET', path: `${P}/call/${await registerFresh()}`, key }),
    },
    {
      route: 'GET verify/{token}/{id}',
      run: async () => {
        const id = await registerFresh();
        const code = totpNow(await otpauthUrl(id), clock.now());
        const res = await send(server, { method: 'GET', path: `${P}/verify/${code}/${id}`, key });
        expect(res.text).toContain('"token":"is valid"');
        return res;
      },
    },
    { route: 'GET app/details', run: () => send(server, { method: 'GET', path: `${P}/app/details`, key }) },
    { route: 'GET app/stats', run: () => send(server, { method: 'GET', path: `${P}/app/stats`, key }) },
    {
      route: 'POST onetouch users/{id}/approval_requests',
      run: async () =>
        send(server, {
          method: 'POST',
          path: await freshApprovals(),
          key,
          json: { message: 'Login requested', details: { 'Account Number': '981266321' } },
        }),
    },
    {
      route: 'GET onetouch approval_requests/{uuid}',
      run: async () => {
        const created = await send(server, {
          method: 'POST',
          path: await freshApprovals(),
          key,
          json: { message: 'hi' },
        });
        const uuid = (created.body.approval_request as { uuid: string }).uuid;
        return send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });
      },
    },
    {
      route: 'POST phones/verification/start',
      run: () =>
        send(server, {
          method: 'POST',
          path: `${P}/phones/verification/start`,
          key,
          json: { country_code: 1, phone_number: '201-555-0152', via: 'call' },
        }),
    },
    {
      route: 'GET phones/verification/check',
      run: async () => {
        await send(server, {
          method: 'POST',
          path: `${P}/phones/verification/start`,
          key,
          json: { country_code: 1, phone_number: '201-555-0153' },
        });
        return send(server, {
          method: 'GET',
          path: `${P}/phones/verification/check?country_code=1&phone_number=2015550153&verification_code=${await lastCode()}`,
          key,
        });
      },
    },
    {
      route: 'GET phones/verification/status',
      run: () =>
        send(server, {
          method: 'GET',
          path: `${P}/phones/verification/status?country_code=1&phone_number=2015550152`,
          key,
        }),
    },
    {
      route: 'GET phones/info',
      run: () =>
        send(server, { method: 'GET', path: `${P}/phones/info?country_code=1&phone_number=2015550123`, key }),
    },
    {
      route: 'POST users/{id}/remove',
      run: async () =>
        send(server, { method: 'POST', path: `${P}/users/${await registerFresh()}/remove`, key }),
    },
    {
      route: 'POST users/{id}/delete',
      run: async () =>
        send(server, { method: 'POST', path: `${P}/users/${await registerFresh()}/delete`, key }),
    },
    {
      route: 'POST users/delete/{id}',
      run: async () =>
        send(server, { method: 'POST', path: `${P}/users/delete/${await registerFresh()}`, key }),
    },
  ];

  it.each(SUCCESS)('$route', async ({ run }) => {
    expectCompactSuccess(await run());
  });

  it('GET registrations/status, which has no success, answers a compact Authy error', async () => {
    const res = await send(server, {
      method: 'GET',
      path: `${P}/registrations/status?custom_user_id=alice`,
      key,
    });
    expectAuthyError(res, {
      status: 404,
      code: '60035',
      message: 'Registration not found. Countersign has no SDK registrations.',
    });
  });
});
