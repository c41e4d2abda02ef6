/**
 * Hostile input on every route (spec authy-api §2, §5; security R1, R56–R63): each case names the exact
 * Authy error it must produce, and proves that nothing was written and that no case reaches a 5xx.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import {
  APPROVAL_NOT_FOUND,
  type ExpectedError,
  expectAuthyError,
  expectRefusedWithoutWrites,
  INVALID_FORMAT,
  INVALID_KEY,
  invalidParameter,
  NOT_AN_OBJECT,
  NOT_JSON,
  OT,
  P,
  type Req,
  registerUser,
  send,
  sendChunked,
  TOKEN_INVALID,
  TOO_LARGE,
  UNSUPPORTED_MEDIA,
  USER_NOT_FOUND,
  userNotValid,
} from './helpers.js';

/** What the cases need to know about the world, filled in before they run. */
interface Ctx {
  key: string;
  userId: number;
  uuid: string;
  rotatedKey: string;
  deletedAppKey: string;
  /** The key of an app on the `strict` profile, which takes keys only in the header (D10). */
  strictKey: string;
}

/** How a refused control character in display text is named (D11, R63). */
const LINE_FEED = 'U+000A LINE FEED (a control character) is not allowed';
const CARRIAGE_RETURN = 'U+000D CARRIAGE RETURN (a control character) is not allowed';
const NUL = 'U+0000 NULL (a control character) is not allowed';

const ctx: Ctx = { key: '', userId: 0, uuid: '', rotatedKey: '', deletedAppKey: '', strictKey: '' };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  ctx.key = (await server.createApp({ name: 'Bank A' })).apiKey;
  ctx.userId = await registerUser(server, ctx.key, '201-555-0123', 'alice@example.com');
  const approval = await send(server, {
    method: 'POST',
    path: `${OT}/users/${ctx.userId}/approval_requests`,
    key: ctx.key,
    json: { message: 'Login requested' },
  });
  expect(approval.status, approval.text).toBe(200);
  ctx.uuid = (approval.body.approval_request as { uuid: string }).uuid;

  const rotated = await server.createApp({ name: 'Rotated Bank' });
  await server.app.services.apps.rotateKey(rotated.id, 0);
  ctx.rotatedKey = rotated.apiKey;
  const deleted = await server.createApp({ name: 'Deleted Bank' });
  await server.db.deleteFrom('apps').where('id', '=', deleted.id).execute();
  ctx.deletedAppKey = deleted.apiKey;
  ctx.strictKey = (await server.createApp({ name: 'Strict Bank', profile: 'strict' })).apiKey;
});
afterAll(() => server.close());

/** One route with a request that would succeed (and, for most, write) if the key were right. */
interface RouteCase {
  route: string;
  method: 'GET' | 'POST';
  path: (c: Ctx) => string;
  valid?: Pick<Req, 'json' | 'form'>;
}

const ROUTES: readonly RouteCase[] = [
  {
    route: 'POST users/new',
    method: 'POST',
    path: () => `${P}/users/new`,
    valid: { json: { user: { email: 'new@example.com', cellphone: '201-555-0188', country_code: 1 } } },
  },
  { route: 'GET users/{id}/status', method: 'GET', path: (c) => `${P}/users/${c.userId}/status` },
  { route: 'POST users/{id}/remove', method: 'POST', path: (c) => `${P}/users/${c.userId}/remove` },
  { route: 'POST users/{id}/delete', method: 'POST', path: (c) => `${P}/users/${c.userId}/delete` },
  { route: 'POST users/delete/{id}', method: 'POST', path: (c) => `${P}/users/delete/${c.userId}` },
  {
    route: 'POST users/{id}/register_activity',
    method: 'POST',
    path: (c) => `${P}/users/${c.userId}/register_activity`,
    valid: { json: { type: 'banned', data: { reason: 'fraud' } } },
  },
  { route: 'POST users/{id}/secret', method: 'POST', path: (c) => `${P}/users/${c.userId}/secret` },
  { route: 'GET sms/{id}', method: 'GET', path: (c) => `${P}/sms/${c.userId}?force=true` },
  { route: 'GET call/{id}', method: 'GET', path: (c) => `${P}/call/${c.userId}?force=true` },
  { route: 'GET verify/{token}/{id}', method: 'GET', path: (c) => `${P}/verify/0000000/${c.userId}` },
  { route: 'GET app/details', method: 'GET', path: () => `${P}/app/details` },
  { route: 'GET app/stats', method: 'GET', path: () => `${P}/app/stats` },
  {
    route: 'POST onetouch users/{id}/approval_requests',
    method: 'POST',
    path: (c) => `${OT}/users/${c.userId}/approval_requests`,
    valid: { json: { message: 'Login requested' } },
  },
  {
    route: 'GET onetouch approval_requests/{uuid}',
    method: 'GET',
    path: (c) => `${OT}/approval_requests/${c.uuid}`,
  },
  {
    route: 'POST phones/verification/start',
    method: 'POST',
    path: () => `${P}/phones/verification/start`,
    valid: { json: { country_code: 1, phone_number: '201-555-0123', via: 'sms' } },
  },
  {
    route: 'GET phones/verification/check',
    method: 'GET',
    path: () =>
      `${P}/phones/verification/check?country_code=1&phone_number=2015550123&verification_code=1234`,
  },
  {
    route: 'GET phones/verification/status',
    method: 'GET',
    path: () => `${P}/phones/verification/status?country_code=1&phone_number=2015550123`,
  },
  {
    route: 'GET phones/info',
    method: 'GET',
    path: () => `${P}/phones/info?country_code=1&phone_number=2015550123`,
  },
  {
    route: 'GET registrations/status',
    method: 'GET',
    path: () => `${P}/registrations/status?custom_user_id=alice`,
  },
];

interface KeyCase {
  name: string;
  /** The header value, if any. */
  header: (c: Ctx) => string | undefined;
  /** Extra query text carrying a key. */
  query?: (c: Ctx) => string;
}

const KEY_CASES: readonly KeyCase[] = [
  { name: 'no key at all', header: () => undefined },
  { name: 'an empty X-Authy-API-Key header', header: () => '' },
  { name: 'a garbage key', header: () => 'not-a-key' },
  { name: 'a well-formed key no app holds', header: () => randomBytes(24).toString('hex') },
  { name: 'the right key in upper case', header: (c) => c.key.toUpperCase() },
  { name: 'a 4 000-character key', header: () => 'k'.repeat(4000) },
  { name: 'the key an app had before rotating it', header: (c) => c.rotatedKey },
  { name: 'the key of a deleted app', header: (c) => c.deletedAppKey },
  {
    name: 'a key no app holds, in the api_key query parameter',
    header: () => undefined,
    query: () => `api_key=${randomBytes(24).toString('hex')}`,
  },
  {
    name: 'a strict app’s valid key in the api_key query parameter',
    header: () => undefined,
    query: (c) => `api_key=${c.strictKey}`,
  },
  {
    name: 'the right key twice in the query (parameter pollution)',
    header: () => undefined,
    query: (c) => `api_key=${c.key}&api_key=${c.key}`,
  },
];

function withQuery(path: string, query: string | undefined): string {
  if (query === undefined) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

describe('R1: every route answers a missing, unknown, rotated or revoked key, or a strict app’s key in the query, with one identical 401 and writes nothing', () => {
  const rows = ROUTES.flatMap((route) => KEY_CASES.map((keyCase) => ({ ...route, keyCase })));
  const bodies = new Set<string>();

  it.each(rows)('$route with $keyCase.name → 401 60001', async ({ method, path, valid, keyCase }) => {
    const res = await expectRefusedWithoutWrites(
      server,
      {
        method,
        path: withQuery(path(ctx), keyCase.query?.(ctx)),
        key: keyCase.header(ctx),
        ...valid,
      },
      INVALID_KEY,
    );
    bodies.add(res.text);
  });

  it('all of those 401 bodies are byte-identical', () => {
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toBe(
      '{"message":"Invalid API key","success":false,"errors":{"message":"Invalid API key"},"error_code":"60001"}',
    );
  });
});

describe('R57: every route refuses oversized, broken, non-object and non-JSON/non-form bodies before touching data', () => {
  const OVERSIZED = `padding=${'x'.repeat(64 * 1024)}`;
  interface BodyCase {
    name: string;
    raw: { body: string; contentType?: string };
    expected: ExpectedError;
  }
  const BODY_CASES: readonly BodyCase[] = [
    {
      name: 'a form body over 64 KiB → 413',
      raw: { body: OVERSIZED, contentType: 'application/x-www-form-urlencoded' },
      expected: TOO_LARGE,
    },
    {
      name: 'a JSON body over 64 KiB → 413',
      raw: { body: JSON.stringify({ padding: 'x'.repeat(64 * 1024) }), contentType: 'application/json' },
      expected: TOO_LARGE,
    },
    {
      name: 'broken JSON → 400',
      raw: { body: '{"message":', contentType: 'application/json' },
      expected: NOT_JSON,
    },
    {
      name: 'JSON with a trailing comma → 400',
      raw: { body: '{"message":"hi",}', contentType: 'application/json' },
      expected: NOT_JSON,
    },
    {
      name: 'a JSON array → 400',
      raw: { body: '[{"message":"hi"}]', contentType: 'application/json' },
      expected: NOT_AN_OBJECT,
    },
    {
      name: 'JSON null → 400',
      raw: { body: 'null', contentType: 'application/json' },
      expected: NOT_AN_OBJECT,
    },
    {
      name: 'a JSON string → 400',
      raw: { body: '"hi"', contentType: 'application/json' },
      expected: NOT_AN_OBJECT,
    },
    {
      name: 'text/plain → 415',
      raw: { body: 'message=hi', contentType: 'text/plain' },
      expected: UNSUPPORTED_MEDIA,
    },
    {
      name: 'multipart/form-data → 415',
      raw: {
        body: '--x\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--x--\r\n',
        contentType: 'multipart/form-data; boundary=x',
      },
      expected: UNSUPPORTED_MEDIA,
    },
    {
      name: 'application/xml → 415',
      raw: { body: '<message>hi</message>', contentType: 'application/xml' },
      expected: UNSUPPORTED_MEDIA,
    },
    { name: 'a body with no content type → 415', raw: { body: 'message=hi' }, expected: UNSUPPORTED_MEDIA },
  ];
  const rows = ROUTES.flatMap((route) => BODY_CASES.map((bodyCase) => ({ ...route, bodyCase })));

  it.each(rows)('$route with $bodyCase.name', async ({ method, path, bodyCase }) => {
    await expectRefusedWithoutWrites(
      server,
      { method, path: path(ctx), key: ctx.key, raw: bodyCase.raw },
      bodyCase.expected,
    );
  });

  it('a chunked GET body over 64 KiB with no Content-Length → 413, and the server closes the connection', async () => {
    // 8 200 + 8 × 8 192 bytes: the limit is crossed inside the 8th chunk, so the 9th is never read.
    const res = await sendChunked(
      server,
      'GET',
      `${P}/users/${ctx.userId}/status`,
      { 'x-authy-api-key': ctx.key, 'content-type': 'application/x-www-form-urlencoded' },
      Array.from({ length: 9 }, (_, i) => `${i === 0 ? 'user_ip=' : ''}${'x'.repeat(8 * 1024)}`),
    );
    expectAuthyError(res, TOO_LARGE);
    expect(res.closedByServer).toBe(true);
  });

  it('a chunked POST body over 64 KiB with no Content-Length → 413', async () => {
    const res = await sendChunked(
      server,
      'POST',
      `${OT}/users/${ctx.userId}/approval_requests`,
      { 'x-authy-api-key': ctx.key, 'content-type': 'application/x-www-form-urlencoded' },
      Array.from({ length: 9 }, (_, i) => `${i === 0 ? 'message=' : ''}${'x'.repeat(8 * 1024)}`),
    );
    expectAuthyError(res, TOO_LARGE);
  });
});

/** A bad request for one route, with the exact answer it must get. */
interface InputCase {
  name: string;
  req: (c: Ctx) => Omit<Req, 'key'>;
  expected: ExpectedError;
}

const post = (path: (c: Ctx) => string, body: Pick<Req, 'json' | 'form'>) => (c: Ctx) => ({
  method: 'POST' as const,
  path: path(c),
  ...body,
});
const get =
  (path: (c: Ctx) => string, body: Pick<Req, 'json' | 'form'> = {}) =>
  (c: Ctx) => ({
    method: 'GET' as const,
    path: path(c),
    ...body,
  });

const newUser = () => `${P}/users/new`;
const VALID_USER = { email: 'bob@example.com', cellphone: '201-555-0199', country_code: 1 };
const status = (c: Ctx) => `${P}/users/${c.userId}/status`;
const activity = (c: Ctx) => `${P}/users/${c.userId}/register_activity`;
const secret = (c: Ctx) => `${P}/users/${c.userId}/secret`;
const approvals = (c: Ctx) => `${OT}/users/${c.userId}/approval_requests`;
const start = () => `${P}/phones/verification/start`;
const START = { country_code: '1', phone_number: '201-555-0123' };
const manyKeys = (count: number, value = 'v') =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, value]));

const USER_CASES: readonly InputCase[] = [
  {
    name: 'no user at all',
    req: post(newUser, { json: {} }),
    expected: userNotValid({ user: 'is invalid' }),
  },
  {
    name: 'user as a string',
    req: post(newUser, { json: { user: 'bob@example.com' } }),
    expected: userNotValid({ user: 'is invalid' }),
  },
  {
    name: 'user as an array',
    req: post(newUser, { json: { user: [VALID_USER] } }),
    expected: userNotValid({ user: 'is invalid' }),
  },
  {
    name: 'user as a form scalar',
    req: post(newUser, { form: 'user=bob' }),
    expected: userNotValid({ user: 'is invalid' }),
  },
  {
    name: 'email as an array',
    req: post(newUser, { json: { user: { ...VALID_USER, email: ['bob@example.com'] } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'email as an object',
    req: post(newUser, { json: { user: { ...VALID_USER, email: { address: 'bob@example.com' } } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'email as a boolean',
    req: post(newUser, { json: { user: { ...VALID_USER, email: true } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'email as a form array',
    req: post(newUser, {
      form: 'user[email][]=bob@example.com&user[cellphone]=201-555-0199&user[country_code]=1',
    }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'cellphone as a boolean',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: true } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'cellphone as an array',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: ['201-555-0199'] } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'country_code as a boolean',
    req: post(newUser, { json: { user: { ...VALID_USER, country_code: true } } }),
    expected: userNotValid({ country_code: 'is invalid' }),
  },
  {
    name: 'country_code as an array',
    req: post(newUser, { json: { user: { ...VALID_USER, country_code: [1] } } }),
    expected: userNotValid({ country_code: 'is invalid' }),
  },
  {
    name: 'email missing',
    req: post(newUser, { json: { user: { cellphone: '201-555-0199', country_code: 1 } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'cellphone missing',
    req: post(newUser, { json: { user: { email: 'bob@example.com', country_code: 1 } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'country_code missing',
    req: post(newUser, { json: { user: { email: 'bob@example.com', cellphone: '201-555-0199' } } }),
    expected: userNotValid({ country_code: 'is invalid' }),
  },
  {
    name: 'an email of 255 characters',
    req: post(newUser, { json: { user: { ...VALID_USER, email: `${'b'.repeat(243)}@example.com` } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'a cellphone of 41 characters',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: '2'.repeat(41) } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'send_install_link_via_sms that is not a flag',
    req: post(newUser, { json: { user: VALID_USER, send_install_link_via_sms: 'maybe' } }),
    expected: userNotValid({ send_install_link_via_sms: 'is invalid' }),
  },
  {
    name: 'an email without a domain',
    req: post(newUser, { json: { user: { ...VALID_USER, email: 'bob' } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'an email with CR/LF in it (R63)',
    req: post(newUser, { json: { user: { ...VALID_USER, email: 'bob\r\n@example.com' } } }),
    expected: userNotValid({ email: 'is invalid' }),
  },
  {
    name: 'a calling code no country has',
    req: post(newUser, { json: { user: { ...VALID_USER, country_code: '999' } } }),
    expected: userNotValid({ country_code: 'is not supported' }),
  },
  {
    name: 'a cellphone made of letters',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: 'call-me-maybe' } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'a cellphone too short to exist',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: '12' } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
  {
    name: 'a cellphone in non-ASCII digits (R63)',
    req: post(newUser, { json: { user: { ...VALID_USER, cellphone: '２０１５５５０１９９' } } }),
    expected: userNotValid({ cellphone: 'is invalid' }),
  },
];

/** `user_ip` is accepted by every user route and both app routes. */
const userIpCases = (label: string, route: (c: Ctx) => string, method: 'GET' | 'POST'): InputCase[] => {
  const build = method === 'GET' ? get : post;
  return [
    {
      name: `${label}: user_ip as a query array`,
      req: (c) => ({ method, path: `${route(c)}?user_ip[]=10.0.0.1` }),
      expected: invalidParameter('user_ip', 'must be a string'),
    },
    {
      name: `${label}: user_ip as a JSON boolean`,
      req: build(route, { json: { user_ip: true } }),
      expected: invalidParameter('user_ip', 'must be a string'),
    },
    {
      name: `${label}: user_ip as a JSON object`,
      req: build(route, { json: { user_ip: { v4: '10.0.0.1' } } }),
      expected: invalidParameter('user_ip', 'must be a string'),
    },
    {
      name: `${label}: user_ip that is not an address`,
      req: build(route, { form: 'user_ip=evil.example.com%0D%0A' }),
      expected: invalidParameter('user_ip', INVALID_FORMAT),
    },
    {
      name: `${label}: user_ip of 46 characters`,
      req: build(route, { form: `user_ip=${'1'.repeat(46)}` }),
      expected: invalidParameter('user_ip', 'must be at most 45 characters'),
    },
  ];
};

const USER_ID_ROUTE_CASES: readonly InputCase[] = [
  ...userIpCases('status', status, 'GET'),
  ...userIpCases('remove', (c) => `${P}/users/${c.userId}/remove`, 'POST'),
  ...userIpCases('delete', (c) => `${P}/users/${c.userId}/delete`, 'POST'),
  ...userIpCases('delete alias', (c) => `${P}/users/delete/${c.userId}`, 'POST'),
  ...userIpCases('app/details', () => `${P}/app/details`, 'GET'),
  ...userIpCases('app/stats', () => `${P}/app/stats`, 'GET'),
  {
    name: 'register_activity without type',
    req: post(activity, { json: {} }),
    expected: invalidParameter('type', 'Parameter is required'),
  },
  {
    name: 'register_activity with an unknown type',
    req: post(activity, { json: { type: 'password_stolen' } }),
    expected: invalidParameter('type', 'must be one of password_reset, banned, unbanned, cookie_login'),
  },
  {
    name: 'register_activity with type as an array',
    req: post(activity, { json: { type: ['banned'] } }),
    expected: invalidParameter('type', 'must be a string'),
  },
  {
    name: 'register_activity with type as a boolean',
    req: post(activity, { json: { type: true } }),
    expected: invalidParameter('type', 'must be a string'),
  },
  {
    name: 'register_activity with data as a string',
    req: post(activity, { json: { type: 'banned', data: 'fraud' } }),
    expected: invalidParameter('data', 'must be an object'),
  },
  {
    name: 'register_activity with data as an array',
    req: post(activity, { json: { type: 'banned', data: ['fraud'] } }),
    expected: invalidParameter('data', 'must be an object'),
  },
  {
    name: 'register_activity with 21 data entries',
    req: post(activity, { json: { type: 'banned', data: manyKeys(21) } }),
    expected: invalidParameter('data', 'must have at most 20 entries'),
  },
  {
    name: 'register_activity with a data value of 201 characters',
    req: post(activity, { json: { type: 'banned', data: { reason: 'r'.repeat(201) } } }),
    expected: invalidParameter('data[reason]', 'must be at most 200 characters'),
  },
  {
    name: 'register_activity with a data key of 101 characters',
    req: post(activity, { json: { type: 'banned', data: { ['k'.repeat(101)]: 'v' } } }),
    expected: invalidParameter('data', 'must be at most 100 characters'),
  },
  {
    name: 'register_activity with a nested data value',
    req: post(activity, { form: 'type=banned&data[reason][code]=1' }),
    expected: invalidParameter('data[reason]', 'must be a string'),
  },
  {
    name: 'secret with qr_size as words',
    req: post(secret, { json: { qr_size: 'big' } }),
    expected: invalidParameter('qr_size', 'must be a whole number'),
  },
  {
    name: 'secret with qr_size as a boolean',
    req: post(secret, { json: { qr_size: true } }),
    expected: invalidParameter('qr_size', 'must be a whole number'),
  },
  {
    name: 'secret with a fractional qr_size',
    req: post(secret, { json: { qr_size: 300.5 } }),
    expected: invalidParameter('qr_size', 'must be a whole number'),
  },
  {
    name: 'secret with qr_size in exponent form',
    req: post(secret, { form: 'qr_size=3e2' }),
    expected: invalidParameter('qr_size', 'must be a whole number'),
  },
  {
    name: 'secret with qr_size 50',
    req: post(secret, { json: { qr_size: 50 } }),
    expected: invalidParameter('qr_size', 'must be >= 100'),
  },
  {
    name: 'secret with qr_size 5000',
    req: post(secret, { form: 'qr_size=5000' }),
    expected: invalidParameter('qr_size', 'must be <= 1000'),
  },
  {
    name: 'secret with label as an array',
    req: post(secret, { json: { label: ['Bank A'] } }),
    expected: invalidParameter('label', 'must be a string'),
  },
  {
    name: 'secret with an empty label',
    req: post(secret, { json: { label: '' } }),
    expected: invalidParameter('label', 'must not be blank'),
  },
  {
    name: 'secret with a label of 101 characters',
    req: post(secret, { json: { label: 'l'.repeat(101) } }),
    expected: invalidParameter('label', 'must be at most 100 characters'),
  },
  {
    name: 'secret with a line break in the label (R63)',
    req: post(secret, { json: { label: 'Bank\nA' } }),
    expected: invalidParameter('label', LINE_FEED),
  },
];

const sendCases = (channel: 'sms' | 'call'): InputCase[] => {
  const path = (c: Ctx) => `${P}/${channel}/${c.userId}`;
  return [
    {
      name: `${channel}: force that is not a flag`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?force=maybe` }),
      expected: invalidParameter('force', 'must be a boolean'),
    },
    {
      name: `${channel}: force as a JSON array in a GET body`,
      req: get(path, { json: { force: [true] } }),
      expected: invalidParameter('force', 'must be a boolean'),
    },
    {
      name: `${channel}: action as a query array`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?action[]=login` }),
      expected: invalidParameter('action', 'must be a string'),
    },
    {
      name: `${channel}: an empty action`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?action=` }),
      expected: invalidParameter('action', 'must not be blank'),
    },
    {
      name: `${channel}: an action of 256 characters`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?action=${'a'.repeat(256)}` }),
      expected: invalidParameter('action', 'must be at most 255 characters'),
    },
    {
      name: `${channel}: action_message with a line break, which would reach the SMS text (R63)`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?action_message=Your%20code%0Ahttps://evil.example` }),
      expected: invalidParameter('action_message', LINE_FEED),
    },
    {
      name: `${channel}: action_message as an object`,
      req: get(path, { form: 'action_message[text]=hi' }),
      expected: invalidParameter('action_message', 'must be a string'),
    },
    {
      name: `${channel}: a locale of 11 characters`,
      req: (c) => ({ method: 'GET', path: `${path(c)}?locale=${'x'.repeat(11)}` }),
      expected: invalidParameter('locale', 'must be at most 10 characters'),
    },
  ];
};

const verify = (token: string) => (c: Ctx) => `${P}/verify/${token}/${c.userId}`;

const TOKEN_CASES: readonly InputCase[] = [
  ...sendCases('sms'),
  ...sendCases('call'),
  {
    name: 'verify: force that is not a flag',
    req: (c) => ({ method: 'GET', path: `${verify('1234567')(c)}?force=maybe` }),
    expected: invalidParameter('force', 'must be a boolean'),
  },
  {
    name: 'verify: action as an object',
    req: (c) => ({ method: 'GET', path: `${verify('1234567')(c)}?action[x]=1` }),
    expected: invalidParameter('action', 'must be a string'),
  },
  {
    name: 'verify: a token of letters (R59)',
    req: get(verify('abcdefg')),
    expected: TOKEN_INVALID,
  },
  { name: 'verify: a token of 11 digits', req: get(verify('12345678901')), expected: TOKEN_INVALID },
  { name: 'verify: a token of 5 digits', req: get(verify('12345')), expected: TOKEN_INVALID },
  {
    name: 'verify: a token in full-width digits (R63)',
    req: get(verify(encodeURIComponent('１２３４５６７'))),
    expected: TOKEN_INVALID,
  },
  { name: 'verify: a token with a trailing space', req: get(verify('1234567%20')), expected: TOKEN_INVALID },
  { name: 'verify: a negative token', req: get(verify('-1234567')), expected: TOKEN_INVALID },
  { name: 'verify: a token in exponent form', req: get(verify('1e1000000')), expected: TOKEN_INVALID },
];

const APPROVAL_CASES: readonly InputCase[] = [
  {
    name: 'approval without message',
    req: post(approvals, { json: {} }),
    expected: invalidParameter('message', 'Parameter is required'),
  },
  {
    name: 'approval with message as a boolean (R59)',
    req: post(approvals, { json: { message: true } }),
    expected: invalidParameter('message', 'must be a string'),
  },
  {
    name: 'approval with message as an array',
    req: post(approvals, { json: { message: ['Login requested'] } }),
    expected: invalidParameter('message', 'must be a string'),
  },
  {
    name: 'approval with message as an object',
    req: post(approvals, { json: { message: { text: 'Login requested' } } }),
    expected: invalidParameter('message', 'must be a string'),
  },
  {
    name: 'approval with message given twice in a form (parameter pollution)',
    req: post(approvals, { form: 'message=Login&message=Transfer%20all' }),
    expected: invalidParameter('message', 'must be a string'),
  },
  {
    name: 'approval with an empty message',
    req: post(approvals, { json: { message: '' } }),
    expected: invalidParameter('message', 'must not be blank'),
  },
  {
    name: 'approval with a message of 201 characters',
    req: post(approvals, { json: { message: 'm'.repeat(201) } }),
    expected: invalidParameter('message', 'must be at most 200 characters'),
  },
  {
    name: 'approval with a NUL in the message (R63)',
    req: post(approvals, { json: { message: 'Login\u0000requested' } }),
    expected: invalidParameter('message', NUL),
  },
  {
    name: 'approval with details as a string',
    req: post(approvals, { json: { message: 'hi', details: 'Account 981266321' } }),
    expected: invalidParameter('details', 'must be an object'),
  },
  {
    name: 'approval with details as an array',
    req: post(approvals, { json: { message: 'hi', details: ['981266321'] } }),
    expected: invalidParameter('details', 'must be an object'),
  },
  {
    name: 'approval with details as a form scalar',
    req: post(approvals, { form: 'message=hi&details=981266321' }),
    expected: invalidParameter('details', 'must be an object'),
  },
  {
    name: 'approval with 21 details',
    req: post(approvals, { json: { message: 'hi', details: manyKeys(21) } }),
    expected: invalidParameter('details', 'must have at most 20 entries'),
  },
  {
    name: 'approval with 21 details in a form',
    req: post(approvals, {
      form: `message=hi&${Array.from({ length: 21 }, (_, i) => `details[key${i}]=v`).join('&')}`,
    }),
    expected: invalidParameter('details', 'must have at most 20 entries'),
  },
  {
    name: 'approval with a details value of 201 characters',
    req: post(approvals, { json: { message: 'hi', details: { Account: 'a'.repeat(201) } } }),
    expected: invalidParameter('details[Account]', 'must be at most 200 characters'),
  },
  {
    name: 'approval with a details key of 201 characters',
    req: post(approvals, { json: { message: 'hi', details: { ['k'.repeat(201)]: 'v' } } }),
    expected: invalidParameter('details', 'must be at most 200 characters'),
  },
  {
    name: 'approval with a details value that is an array',
    req: post(approvals, { json: { message: 'hi', details: { Account: ['981266321'] } } }),
    expected: invalidParameter('details[Account]', 'must be a string'),
  },
  {
    name: 'approval with a details value that is an object',
    req: post(approvals, { form: 'message=hi&details[Account][number]=981266321' }),
    expected: invalidParameter('details[Account]', 'must be a string'),
  },
  {
    name: 'approval with a line break in a details value (R63)',
    req: post(approvals, { json: { message: 'hi', details: { Account: '98126\r\n6321' } } }),
    expected: invalidParameter('details[Account]', CARRIAGE_RETURN),
  },
  {
    name: 'approval with 21 hidden_details',
    req: post(approvals, { json: { message: 'hi', hidden_details: manyKeys(21) } }),
    expected: invalidParameter('hidden_details', 'must have at most 20 entries'),
  },
  {
    name: 'approval with a hidden_details value of 201 characters',
    req: post(approvals, { json: { message: 'hi', hidden_details: { ip: '1'.repeat(201) } } }),
    expected: invalidParameter('hidden_details[ip]', 'must be at most 200 characters'),
  },
  {
    name: 'approval with logos as a string',
    req: post(approvals, { json: { message: 'hi', logos: 'https://example.com/logo.png' } }),
    expected: invalidParameter('logos', 'must be an array'),
  },
  {
    name: 'approval with a logo that is a string',
    req: post(approvals, { json: { message: 'hi', logos: ['https://example.com/logo.png'] } }),
    expected: invalidParameter('logos[0]', 'must be an object'),
  },
  {
    name: 'approval with an http logo url',
    req: post(approvals, {
      json: { message: 'hi', logos: [{ res: 'default', url: 'http://example.com/l.png' }] },
    }),
    expected: invalidParameter('logos[0][url]', INVALID_FORMAT),
  },
  {
    name: 'approval with a javascript: logo url',
    req: post(approvals, { form: 'message=hi&logos[0][res]=default&logos[0][url]=javascript:alert(1)' }),
    expected: invalidParameter('logos[0][url]', INVALID_FORMAT),
  },
  {
    name: 'approval with a logo without url',
    req: post(approvals, { json: { message: 'hi', logos: [{ res: 'default' }] } }),
    expected: invalidParameter('logos[0][url]', 'Parameter is required'),
  },
  {
    name: 'approval with an unknown logo resolution',
    req: post(approvals, {
      json: { message: 'hi', logos: [{ res: 'huge', url: 'https://example.com/l.png' }] },
    }),
    expected: invalidParameter('logos[0][res]', 'must be one of default, low, med, high'),
  },
  {
    name: 'approval with 9 logos',
    req: post(approvals, {
      json: {
        message: 'hi',
        logos: Array.from({ length: 9 }, () => ({ res: 'low', url: 'https://e.com/l.png' })),
      },
    }),
    expected: invalidParameter('logos', 'must have at most 8 items'),
  },
  {
    name: 'approval with seconds_to_expire as words',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: 'ten minutes' } }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with seconds_to_expire false, which must not mean 0 = never expire (R59)',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: false } }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with seconds_to_expire true (R59)',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: true } }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with seconds_to_expire as an array',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: [120] } }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with a fractional seconds_to_expire',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: 120.5 } }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with seconds_to_expire in exponent form',
    req: post(approvals, { form: 'message=hi&seconds_to_expire=1e2' }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with seconds_to_expire in hex',
    req: post(approvals, { form: 'message=hi&seconds_to_expire=0x78' }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with an empty seconds_to_expire',
    req: post(approvals, { form: 'message=hi&seconds_to_expire=' }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
  {
    name: 'approval with a negative seconds_to_expire',
    req: post(approvals, { json: { message: 'hi', seconds_to_expire: -1 } }),
    expected: invalidParameter('seconds_to_expire', 'must be >= 0'),
  },
  {
    name: 'approval with seconds_to_expire over a day',
    req: post(approvals, { form: 'message=hi&seconds_to_expire=86401' }),
    expected: invalidParameter('seconds_to_expire', 'must be <= 86400'),
  },
  {
    name: 'approval with a 20-digit seconds_to_expire',
    req: post(approvals, { form: 'message=hi&seconds_to_expire=99999999999999999999' }),
    expected: invalidParameter('seconds_to_expire', 'must be a whole number'),
  },
];

const check = (query: string) => () => `${P}/phones/verification/check?${query}`;
const phoneStatus = (query: string) => () => `${P}/phones/verification/status?${query}`;
const info = (query: string) => () => `${P}/phones/info?${query}`;
const NUMBER = 'country_code=1&phone_number=2015550123';

const PHONE_CASES: readonly InputCase[] = [
  {
    name: 'start without anything',
    req: post(start, { json: {} }),
    expected: invalidParameter('country_code', 'Parameter is required'),
  },
  {
    name: 'start without phone_number',
    req: post(start, { json: { country_code: 1 } }),
    expected: invalidParameter('phone_number', 'Parameter is required'),
  },
  {
    name: 'start with country_code as an array',
    req: post(start, { json: { ...START, country_code: [1] } }),
    expected: invalidParameter('country_code', 'must be a string'),
  },
  {
    name: 'start with country_code as a boolean',
    req: post(start, { json: { ...START, country_code: true } }),
    expected: invalidParameter('country_code', 'must be a string'),
  },
  {
    name: 'start with phone_number as an object',
    req: post(start, { json: { ...START, phone_number: { national: '2015550123' } } }),
    expected: invalidParameter('phone_number', 'must be a string'),
  },
  {
    name: 'start with phone_number as a form array',
    req: post(start, { form: 'country_code=1&phone_number[]=2015550123' }),
    expected: invalidParameter('phone_number', 'must be a string'),
  },
  {
    name: 'start via fax',
    req: post(start, { json: { ...START, via: 'fax' } }),
    expected: invalidParameter('via', 'must be one of sms, call'),
  },
  {
    name: 'start with code_length as words',
    req: post(start, { json: { ...START, code_length: 'six' } }),
    expected: invalidParameter('code_length', 'must be a whole number'),
  },
  {
    name: 'start with code_length as a boolean',
    req: post(start, { json: { ...START, code_length: true } }),
    expected: invalidParameter('code_length', 'must be a whole number'),
  },
  {
    name: 'start with code_length 3',
    req: post(start, { json: { ...START, code_length: 3 } }),
    expected: invalidParameter('code_length', 'must be >= 4'),
  },
  {
    name: 'start with code_length 11',
    req: post(start, { form: 'country_code=1&phone_number=2015550123&code_length=11' }),
    expected: invalidParameter('code_length', 'must be <= 10'),
  },
  {
    name: 'start with a custom_code of letters',
    req: post(start, { json: { ...START, custom_code: 'abcd' } }),
    expected: invalidParameter('custom_code', INVALID_FORMAT),
  },
  {
    name: 'start with a custom_message of 161 characters',
    req: post(start, { json: { ...START, custom_message: 'c'.repeat(161) } }),
    expected: invalidParameter('custom_message', 'must be at most 160 characters'),
  },
  {
    name: 'start with CR/LF in custom_message (R63)',
    req: post(start, { json: { ...START, custom_message: 'Your code\r\nis' } }),
    expected: invalidParameter('custom_message', CARRIAGE_RETURN),
  },
  {
    name: 'start with a locale of 11 characters',
    req: post(start, { json: { ...START, locale: 'x'.repeat(11) } }),
    expected: invalidParameter('locale', 'must be at most 10 characters'),
  },
  {
    name: 'start with a country_code of 9 characters',
    req: post(start, { json: { ...START, country_code: '1'.repeat(9) } }),
    expected: invalidParameter('country_code', 'must be at most 8 characters'),
  },
  {
    name: 'start with a phone_number of 41 characters',
    req: post(start, { json: { ...START, phone_number: '2'.repeat(41) } }),
    expected: invalidParameter('phone_number', 'must be at most 40 characters'),
  },
  {
    name: 'start with a calling code no country has',
    req: post(start, { json: { ...START, country_code: '999' } }),
    expected: invalidParameter('country_code', 'is not a calling code'),
  },
  {
    name: 'start with a phone_number of letters',
    req: post(start, { json: { ...START, phone_number: 'call-me' } }),
    expected: { status: 400, code: '60033', message: 'Phone number is invalid' },
  },
  {
    name: 'start with a phone_number too short to exist',
    req: post(start, { json: { ...START, phone_number: '12' } }),
    expected: { status: 400, code: '60033', message: 'Phone number is invalid' },
  },
  {
    name: 'check without anything',
    req: get(check('')),
    expected: invalidParameter('country_code', 'Parameter is required'),
  },
  {
    name: 'check without verification_code',
    req: get(check(NUMBER)),
    expected: invalidParameter('verification_code', 'Parameter is required'),
  },
  {
    name: 'check with verification_code as a query array',
    req: get(check(`${NUMBER}&verification_code[]=1234`)),
    expected: invalidParameter('verification_code', 'must be a string'),
  },
  {
    name: 'check with verification_code as a boolean in a JSON GET body',
    req: get(check(NUMBER), { json: { verification_code: true } }),
    expected: invalidParameter('verification_code', 'must be a string'),
  },
  {
    name: 'check with a verification_code of letters in a form GET body',
    req: get(check(NUMBER), { form: 'verification_code=abcd' }),
    expected: invalidParameter('verification_code', INVALID_FORMAT),
  },
  {
    name: 'check with a calling code no country has',
    req: get(check('country_code=999&phone_number=2015550123&verification_code=1234')),
    expected: invalidParameter('country_code', 'is not a calling code'),
  },
  {
    name: 'check of a number with no verification',
    req: get(check(`${NUMBER}&verification_code=1234`)),
    expected: { status: 404, code: '60023', message: 'No pending verifications for +1 201-555-0123 found.' },
  },
  {
    name: 'status without phone_number',
    req: get(phoneStatus('country_code=1')),
    expected: invalidParameter('phone_number', 'Parameter is required'),
  },
  {
    name: 'status with country_code as an object',
    req: get(phoneStatus('country_code[cc]=1&phone_number=2015550123')),
    expected: invalidParameter('country_code', 'must be a string'),
  },
  {
    name: 'status with a phone_number of letters',
    req: get(phoneStatus('country_code=1&phone_number=abc')),
    expected: { status: 400, code: '60033', message: 'Phone number is invalid' },
  },
  {
    name: 'status of a number with no verification',
    req: get(phoneStatus(NUMBER)),
    expected: { status: 404, code: '60023', message: 'No pending verifications for +1 201-555-0123 found.' },
  },
  {
    name: 'info without country_code',
    req: get(info('phone_number=2015550123')),
    expected: invalidParameter('country_code', 'Parameter is required'),
  },
  {
    name: 'info with country_code as an object',
    req: get(info('country_code[a]=1&phone_number=2015550123')),
    expected: invalidParameter('country_code', 'must be a string'),
  },
  {
    name: 'info with a phone_number of letters',
    req: get(info('country_code=1&phone_number=abc')),
    expected: { status: 400, code: '60033', message: 'Phone number is invalid' },
  },
  {
    name: 'info with user_ip that is not an address',
    req: get(info(`${NUMBER}&user_ip=localhost`)),
    expected: invalidParameter('user_ip', INVALID_FORMAT),
  },
  {
    name: 'registrations/status without custom_user_id',
    req: get(() => `${P}/registrations/status`),
    expected: invalidParameter('custom_user_id', 'Parameter is required'),
  },
  {
    name: 'registrations/status with custom_user_id as an array',
    req: get(() => `${P}/registrations/status?custom_user_id[]=alice`),
    expected: invalidParameter('custom_user_id', 'must be a string'),
  },
  {
    name: 'registrations/status with an empty custom_user_id',
    req: get(() => `${P}/registrations/status?custom_user_id=`),
    expected: invalidParameter('custom_user_id', 'must not be blank'),
  },
  {
    name: 'registrations/status with a custom_user_id of 101 characters',
    req: get(() => `${P}/registrations/status?custom_user_id=${'u'.repeat(101)}`),
    expected: invalidParameter('custom_user_id', 'must be at most 100 characters'),
  },
];

describe('R56/R58/R59: wrong types, missing fields and oversized fields get the exact Authy error and write nothing', () => {
  it.each([...USER_CASES, ...USER_ID_ROUTE_CASES, ...TOKEN_CASES, ...APPROVAL_CASES, ...PHONE_CASES])(
    '$name',
    async ({ req, expected }) => {
      await expectRefusedWithoutWrites(server, { ...req(ctx), key: ctx.key }, expected);
    },
  );
});

/** Every route that takes a user id, with a request that is otherwise valid. */
const ID_ROUTES: readonly { route: string; req: (id: string) => Omit<Req, 'key'> }[] = [
  { route: 'GET users/{id}/status', req: (id) => ({ method: 'GET', path: `${P}/users/${id}/status` }) },
  { route: 'POST users/{id}/remove', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/remove` }) },
  { route: 'POST users/{id}/delete', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/delete` }) },
  { route: 'POST users/delete/{id}', req: (id) => ({ method: 'POST', path: `${P}/users/delete/${id}` }) },
  {
    route: 'POST users/{id}/register_activity',
    req: (id) => ({ method: 'POST', path: `${P}/users/${id}/register_activity`, json: { type: 'banned' } }),
  },
  { route: 'POST users/{id}/secret', req: (id) => ({ method: 'POST', path: `${P}/users/${id}/secret` }) },
  { route: 'GET sms/{id}', req: (id) => ({ method: 'GET', path: `${P}/sms/${id}?force=true` }) },
  { route: 'GET call/{id}', req: (id) => ({ method: 'GET', path: `${P}/call/${id}?force=true` }) },
  { route: 'GET verify/{token}/{id}', req: (id) => ({ method: 'GET', path: `${P}/verify/1234567/${id}` }) },
  {
    route: 'POST onetouch users/{id}/approval_requests',
    req: (id) => ({ method: 'POST', path: `${OT}/users/${id}/approval_requests`, json: { message: 'hi' } }),
  },
];

/** Ids that name no user of the app: unknown, not numbers, or the real id written another way. */
const BAD_IDS: readonly { name: string; id: (c: Ctx) => string }[] = [
  { name: 'an unknown id', id: () => '999999' },
  { name: 'a name instead of an id', id: () => 'tony' },
  { name: 'zero', id: () => '0' },
  { name: 'a negative id', id: (c) => `-${c.userId}` },
  { name: 'the id with a leading zero', id: (c) => `0${c.userId}` },
  { name: 'the id with a decimal part', id: (c) => `${c.userId}.0` },
  { name: 'the id with a plus sign', id: (c) => `%2B${c.userId}` },
  { name: 'the id with a trailing space', id: (c) => `${c.userId}%20` },
  { name: 'the id with a trailing line feed', id: (c) => `${c.userId}%0A` },
  { name: 'the id with a trailing NUL', id: (c) => `${c.userId}%00` },
  { name: 'an id in exponent form', id: () => '1e0' },
  { name: 'an id beyond 2^53', id: () => '99999999999999999999' },
  { name: 'an SQL fragment', id: (c) => `${c.userId}%20OR%201%3D1` },
  { name: 'an emoji', id: () => '%F0%9F%98%80' },
];

describe('R7: unknown users and non-numeric ids answer 404 60026 on every id-taking route and write nothing', () => {
  const rows = ID_ROUTES.flatMap((route) => BAD_IDS.map((bad) => ({ ...route, bad })));
  it.each(rows)('$route with $bad.name → 404 60026', async ({ req, bad }) => {
    await expectRefusedWithoutWrites(server, { ...req(bad.id(ctx)), key: ctx.key }, USER_NOT_FOUND);
  });

  it.each([
    { name: 'a random uuid', uuid: () => randomUUID() },
    { name: 'a word', uuid: () => 'nope' },
    {
      name: 'the uuid with its last digit changed',
      uuid: (c: Ctx) => `${c.uuid.slice(0, -1)}${c.uuid.endsWith('0') ? '1' : '0'}`,
    },
    { name: 'the uuid with a suffix', uuid: (c: Ctx) => `${c.uuid}0` },
    { name: 'the uuid without dashes', uuid: (c: Ctx) => c.uuid.replaceAll('-', '') },
    { name: 'an SQL fragment', uuid: () => "'%20OR%20'1'%3D'1" },
    { name: 'a NUL', uuid: () => '%00' },
  ])('GET onetouch approval_requests/{uuid} with $name → 404 60049', async ({ uuid }) => {
    await expectRefusedWithoutWrites(
      server,
      { method: 'GET', path: `${OT}/approval_requests/${uuid(ctx)}`, key: ctx.key },
      APPROVAL_NOT_FOUND,
    );
  });

  it('a path parameter over the router limit answers the Authy envelope (414 60002), not the framework body', async () => {
    await expectRefusedWithoutWrites(
      server,
      { method: 'GET', path: `${P}/users/${'1'.repeat(201)}/status`, key: ctx.key },
      { status: 414, code: '60002', message: 'Invalid request' },
    );
  });

  it('a malformed escape in the path answers the Authy envelope (400 60002), not the framework body', async () => {
    await expectRefusedWithoutWrites(
      server,
      { method: 'GET', path: `${P}/users/%E0%A4%A/status`, key: ctx.key },
      { status: 400, code: '60002', message: 'Invalid request' },
    );
  });
});

describe('R62: pathological inputs are answered quickly with a 4xx', () => {
  it.each([
    {
      name: 'JSON nested 10 000 levels deep',
      raw: {
        body: `{"message":"hi","details":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
        contentType: 'application/json',
      },
      expected: invalidParameter('details[a]', 'must be a string'),
    },
    {
      name: 'a form key of 20 000 "[][" (the Rack array-of-hashes rewrite), with no message',
      raw: { body: `a${'[]['.repeat(20_000)}=1`, contentType: 'application/x-www-form-urlencoded' },
      expected: invalidParameter('message', 'Parameter is required'),
    },
    {
      name: '6 000 Rack-style logos[][res] pairs',
      raw: {
        body: `message=hi&${'logos[][res]=low&'.repeat(3_500)}`,
        contentType: 'application/x-www-form-urlencoded',
      },
      // A form's list is a hash with keys 0, 1, …; the schema reads it as the list it is (at most 500 of them).
      expected: invalidParameter('logos', 'must have at most 8 items'),
    },
    {
      name: 'a details key nested 15 000 brackets deep',
      raw: {
        body: `message=hi&details${'[a]'.repeat(15_000)}=1`,
        contentType: 'application/x-www-form-urlencoded',
      },
      expected: invalidParameter('details[a]', 'must be a string'),
    },
  ])('$name → exact 400 within one second', async ({ raw, expected }) => {
    const started = performance.now();
    await expectRefusedWithoutWrites(
      server,
      { method: 'POST', path: `${OT}/users/${ctx.userId}/approval_requests`, key: ctx.key, raw },
      expected,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('the key table is meaningful', () => {
  it('each of those requests is admitted with the right key (so the 401s above come from the key alone)', async () => {
    for (const route of ROUTES) {
      const res = await send(server, {
        method: route.method,
        path: route.path(ctx),
        key: ctx.key,
        ...route.valid,
      });
      expect(res.body.error_code, `${route.route}: ${res.text}`).not.toBe('60001');
      expect(res.status, `${route.route}: ${res.text}`).toBeLessThan(500);
    }
  });
});
