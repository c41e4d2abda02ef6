/**
 * Property-based fuzzing of every route (R56, R59, R60, R62, R64): requests are generated from the OpenAPI
 * document the running service publishes (and, for the device routes, from their protocol
 * schemas), then bent: wrong types, huge and odd-unicode strings, bracket keys, prototype keys, odd paths,
 * keys, media types and `Accept` headers. For every answer:
 *
 * - never a 5xx;
 * - compact JSON in the Authy envelope (`success:false`, `message`, `errors.message`, a `600xx` code), or
 *   the route's success shape (`success` true) — event streams aside;
 * - a status, media type and body the OpenAPI document gives the route (R11; `support/openapi-contract.ts`);
 * - a refused request changed no table's row count;
 * - `Object.prototype` is untouched;
 * - text a person is shown (D11) holding a refused character, an unpaired surrogate or text not in NFC,
 *   sent as JSON or as a form, is answered 400 / 60004 naming its field.
 *
 * CI runs a fixed seed and a bounded count. A longer run on demand:
 * `FUZZ_RUNS=2000 FUZZ_SEED=$RANDOM npx vitest run --project sqlite packages/server/test/security/fuzz.test.ts`
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OT, P, registerUser } from '../api/helpers.js';
import { startTestServer, type TestClock, type TestServer, testClock } from '../support/harness.js';
import {
  type Contract,
  createContract,
  fetchDocument,
  type OpenApiDocument,
} from '../support/openapi-contract.js';
import { enrollWithLink, signedHeaders, type TestDevice } from '../support/test-device.js';
import { dataTables, rowCounts } from './support.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** Time allowed per route: generous per request, so a long run on demand is never cut short. */
const ROUTE_TIMEOUT_MS = 30_000 + RUNS * 200;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  items?: Schema;
  maxItems?: number;
  maxProperties?: number;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

/** One route to fuzz: its method, its path with `{name}` parameters, and the schema of its parameters. */
interface Operation {
  method: string;
  path: string;
  /** Query and body parameters merged, as the service merges them. */
  input: Schema;
  /** Signed like a device (docs/device-protocol.md) when the fuzzer chooses to. */
  device?: boolean;
  /** Parameters that go in the JSON body only (the device routes but history read no query parameters). */
  jsonOnly?: boolean;
}

/**
 * The device routes with their protocol schemas, tuned to reach past the signature and enrollment checks
 * (the OpenAPI document lists them too, with looser ones).
 */
const JWK: Schema = {
  type: 'object',
  properties: {
    kty: { enum: ['EC', 'RSA', 'OKP'] },
    crv: { enum: ['P-256', 'P-384', 'Ed25519'] },
    x: { type: 'string', maxLength: 60 },
    y: { type: 'string', maxLength: 60 },
  },
};
const ENROLLMENT: Record<string, Schema> = {
  public_key: JWK,
  name: { type: 'string', maxLength: 100, minLength: 1 },
  platform: { enum: ['web', 'cli'] },
  proof: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
};
/** WebAuthn's JSON form of a credential (D14), bytes as base64url, with `response` as given. */
const B64U_TEXT: Schema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,120}$' };
const credential = (response: Record<string, Schema>): Schema => ({
  type: 'object',
  properties: {
    id: B64U_TEXT,
    rawId: B64U_TEXT,
    type: { enum: ['public-key', 'password'] },
    response: { type: 'object', properties: response },
    clientExtensionResults: { type: 'object' },
  },
});
const DEVICE_ROUTES: Operation[] = [
  {
    method: 'POST',
    path: '/device/v1/enrollments',
    input: {
      type: 'object',
      // A link's token, or an invitation and its code (D15).
      properties: {
        token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
        invitation: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
        code: { type: 'string', pattern: '^[0-9]{6}$' },
        ...ENROLLMENT,
      },
    },
    jsonOnly: true,
  },
  {
    method: 'POST',
    path: '/device/v1/phone-enrollments',
    input: {
      type: 'object',
      properties: {
        country_code: { type: 'string', pattern: '^[0-9]{1,3}$' },
        phone_number: { type: 'string', pattern: '^[0-9 ()-]{4,20}$' },
      },
    },
    jsonOnly: true,
  },
  {
    method: 'POST',
    path: '/device/v1/phone-enrollments/{id}/complete',
    input: { type: 'object', properties: { code: { type: 'string', pattern: '^[0-9]{6}$' }, ...ENROLLMENT } },
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/invitations/{invitation}', input: { type: 'object' } },
  {
    method: 'POST',
    path: '/device/v1/invitations/{invitation}/code',
    input: { type: 'object' },
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/accounts', input: { type: 'object' }, device: true },
  { method: 'GET', path: '/device/v1/requests', input: { type: 'object' }, device: true },
  {
    method: 'POST',
    path: '/device/v1/requests/{uuid}/answer',
    input: {
      type: 'object',
      properties: {
        document: {
          type: 'object',
          properties: {
            purpose: { enum: ['countersign-answer'] },
            uuid: { type: 'string' },
            decision: { enum: ['approved', 'denied'] },
            reason: { enum: [null, 'denied', 'not_me'] },
            device_id: { type: 'string' },
            nonce: { type: 'string' },
            display_hash: { type: 'string' },
            number_match: { enum: [null, '42'] },
            signed_at: { type: 'integer' },
          },
        },
        signature: { type: 'string', maxLength: 200 },
        assertion: credential({
          clientDataJSON: B64U_TEXT,
          authenticatorData: B64U_TEXT,
          signature: B64U_TEXT,
        }),
      },
    },
    device: true,
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/passkey/options', input: { type: 'object' }, device: true },
  {
    method: 'POST',
    path: '/device/v1/passkey',
    input: {
      type: 'object',
      properties: { credential: credential({ clientDataJSON: B64U_TEXT, attestationObject: B64U_TEXT }) },
    },
    device: true,
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/devices', input: { type: 'object' }, device: true },
  { method: 'DELETE', path: '/device/v1/devices/{id}', input: { type: 'object' }, device: true },
  { method: 'GET', path: '/device/v1/push-key', input: { type: 'object' } },
  {
    method: 'POST',
    path: '/device/v1/push-subscription',
    input: {
      type: 'object',
      properties: {
        endpoint: { type: 'string', pattern: '^https://[a-z.]{3,30}/[a-z0-9]{0,20}$' },
        keys: {
          type: 'object',
          properties: {
            p256dh: { type: 'string', pattern: '^[A-Za-z0-9_-]{20,90}$' },
            auth: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
          },
        },
      },
    },
    device: true,
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/events', input: { type: 'object' }, device: true },
  {
    method: 'GET',
    path: '/device/v1/history',
    input: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 0, maximum: 120 },
        cursor: { type: 'string', pattern: '^[0-9]{1,15}\\.[0-9a-f-]{30,40}$' },
      },
    },
    device: true,
  },
  { method: 'POST', path: '/device/v1/admissions', input: { type: 'object' }, device: true },
  {
    method: 'POST',
    path: '/device/v1/admission-claims',
    input: {
      type: 'object',
      properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' }, ...ENROLLMENT },
    },
    jsonOnly: true,
  },
  { method: 'GET', path: '/device/v1/admissions/{id}', input: { type: 'object' }, device: true },
  {
    method: 'POST',
    path: '/device/v1/admissions/{id}/approve',
    input: {
      type: 'object',
      properties: {
        document: {
          type: 'object',
          properties: {
            purpose: { enum: ['countersign-admission'] },
            admission_id: { type: 'string' },
            device_id: { type: 'string' },
            new_device_id: { type: 'string' },
            new_public_key: JWK,
            new_device_name: { type: 'string', maxLength: 120 },
            new_device_platform: { enum: ['web', 'cli', 'toaster'] },
            authy_id: { type: 'integer' },
            app_id: { enum: [null, 1, 2] },
            signed_at: { type: 'integer' },
          },
        },
        signature: { type: 'string', maxLength: 200 },
        assertion: credential({
          clientDataJSON: B64U_TEXT,
          authenticatorData: B64U_TEXT,
          signature: B64U_TEXT,
        }),
      },
    },
    device: true,
    jsonOnly: true,
  },
  { method: 'POST', path: '/device/v1/admissions/{id}/deny', input: { type: 'object' }, device: true },
  { method: 'GET', path: '/device/v1/admissions/{id}/status', input: { type: 'object' }, device: true },
];

// ——— The world the requests are aimed at ———

let clock: TestClock;
let server: TestServer;
let keyA = '';
let keyB = '';
/** Ids and uuids that exist, so that generated requests also reach past the "not found" checks. */
const known = { userA: '', userB: '', uuid: '', deviceId: '' };
let device: TestDevice;
let tables: string[] = [];
let document: OpenApiDocument;
let contract: Contract;
let requests = 0;
let started = 0;
/** How many answers of each status the run produced: a run that only ever meets 401s proves little. */
const statuses = new Map<number, number>();

async function registerKnownUsers(): Promise<void> {
  known.userA = String(await registerUser(server, keyA, '2125550171', 'fuzz-a@example.com'));
  known.userB = String(await registerUser(server, keyB, '2125550172', 'fuzz-b@example.com'));
}

beforeAll(async () => {
  clock = testClock(Date.now());
  server = await startTestServer({ clock });
  keyA = (await server.createApp({ name: 'Fuzz Bank' })).apiKey;
  keyB = (await server.createApp({ name: 'Other Bank', profile: 'strict' })).apiKey;
  await registerKnownUsers();
  const link = await fetch(`${server.url}${P}/users/${known.userA}/enrollments`, {
    method: 'POST',
    headers: { 'x-authy-api-key': keyA },
  });
  device = await enrollWithLink(
    server,
    ((await link.json()) as { enrollment: { url: string } }).enrollment.url,
  );
  known.deviceId = device.id;
  // A request that is already final, so long polls and event streams on it answer at once.
  const created = await fetch(`${server.url}${OT}/users/${known.userA}/approval_requests`, {
    method: 'POST',
    headers: { 'x-authy-api-key': keyA, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'Fuzz', seconds_to_expire: 1 }),
  });
  known.uuid = ((await created.json()) as { approval_request: { uuid: string } }).approval_request.uuid;
  clock.advance(2_000);
  await fetch(`${server.url}${OT}/approval_requests/${known.uuid}`, { headers: { 'x-authy-api-key': keyA } });
  // From here the clock stands still: nothing expires behind a request's back, signed calls stay fresh.
  tables = await dataTables(server.db);
  document = await fetchDocument(server);
  contract = createContract(document);
  started = performance.now();
});

afterAll(async () => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const spread = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.info(
    `fuzz: ${requests} requests in ${seconds} s (seed ${SEED}, ${RUNS} runs per route): ${spread.join(' ')}`,
  );
  await server.close();
});

// ——— Arbitraries ———

const ODD_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'True',
  'NaN',
  '1e309',
  '-0',
  '0x10',
  '１２３４５６７',
  '١٢٣٤٥٦٧',
  '\u0000',
  '\r\n',
  '\u202e\u2066',
  '\ud800',
  '../../../etc/passwd',
  "' OR 1=1 --",
  '#{7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '%00',
  '😀'.repeat(60),
];

/**
 * Characters display text may not hold (D11), written out here: bidirectional controls, zero-width and
 * other invisible characters, line and paragraph separators, and unpaired surrogates, high and low.
 */
const REFUSED_CHARACTERS = [
  '\u061c',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\u2061',
  '\u2062',
  '\u2063',
  '\u2064',
  '\ufeff',
  '\u180e',
  '\u00ad',
  '\u034f',
  '\u3164',
  '\u{e0041}',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
];
/** One refused character: from the list, or any C0 or C1 control. */
const refusedCharacter = fc.oneof(
  fc.constantFrom(...REFUSED_CHARACTERS),
  fc.integer({ min: 0x00, max: 0x1f }).map((cp) => String.fromCharCode(cp)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((cp) => String.fromCharCode(cp)),
);
/** Text that is not in Unicode NFC: a letter and a combining mark NFC would compose. */
const notNfc = fc.constantFrom('e\u0301', 'A\u030a', 'o\u0308', '\u1100\u1161', 'C\u0327');
/** Display text that must be refused: ordinary text of any script around one refused piece. */
const refusedText = fc
  .tuple(
    fc.constantFrom('', 'Pay ', 'مرحبا ', 'שלום ', '转账 ', '👩‍💻 '),
    fc.oneof(refusedCharacter, notNfc),
    fc.constantFrom('', ' Bob', ' 500 €', ' ❤️'),
  )
  .map(([before, refused, after]) => `${before}${refused}${after}`);

const oddString = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  refusedText,
);
const hugeString = fc
  .tuple(fc.constantFrom('a', '9', 'é', '😀', '[', '\u0000'), fc.integer({ min: 201, max: 6_000 }))
  .map(([unit, n]) => unit.repeat(n));

/** A value of the wrong kind, or the right kind gone wrong. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 53), Number.MAX_VALUE),
  oddString,
  hugeString,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(oddString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

function valid(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((s) => valid(s, depth)));
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string': {
      const maxLength = Math.min(schema.maxLength ?? 40, 60);
      const minLength = Math.min(schema.minLength ?? 0, maxLength);
      if (schema.pattern !== undefined && !schema.pattern.includes('\\u0000')) {
        return fc
          .stringMatching(new RegExp(schema.pattern), { size: 'xsmall' })
          .filter((s) => s.length <= (schema.maxLength ?? 1000));
      }
      return fc.string({ minLength, maxLength, unit: 'grapheme' });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', '1', '0', 'true'));
    case 'array':
      return fc.array(value(schema.items ?? {}, depth + 1), {
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return objectOf(schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** What a key of a generated object can be: the schema's own, or one an attacker would try. */
const strayKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'api_key',
    'status',
    'app_id',
    'user_id',
    'device_id',
    'expires_at',
    'success',
    'polluted',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

function objectOf(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const declared =
    names.length === 0
      ? fc.constant<Array<[string, unknown]>>([])
      : fc
          .subarray(names)
          .chain((chosen) =>
            chosen.length === 0
              ? fc.constant<Array<[string, unknown]>>([])
              : fc.tuple(
                  ...chosen.map((n) =>
                    value(properties[n] ?? {}, depth + 1).map((v) => [n, v] as [string, unknown]),
                  ),
                ),
          );
  const additional =
    typeof schema.additionalProperties === 'object'
      ? value(schema.additionalProperties, depth + 1)
      : fc.jsonValue({ maxDepth: 1 });
  const extra = fc.array(fc.tuple(strayKey, depth > 2 ? fc.jsonValue({ maxDepth: 1 }) : additional), {
    maxLength: typeof schema.additionalProperties === 'object' ? 4 : 2,
  });
  // `Object.fromEntries` makes own properties, `__proto__` included, as JSON.parse would.
  return fc.tuple(declared, extra).map(([a, b]) => Object.fromEntries([...a, ...b]));
}

/** A value for a schema: usually well-formed, sometimes hostile, at every depth. */
function value(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 3) return hostile;
  return fc.oneof({ weight: 3, arbitrary: valid(schema, depth) }, { weight: 1, arbitrary: hostile });
}

/**
 * Percent-encodes the UTF-8 of any string. A lone surrogate, which `encodeURIComponent` refuses and
 * `Buffer` would turn into U+FFFD, goes as the three bytes of its generalised UTF-8 form (`%ED%A0%80`):
 * the only way a form or a URL can carry one.
 */
function pct(text: string): string {
  let out = '';
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    const bytes =
      cp >= 0xd800 && cp <= 0xdfff
        ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        : Buffer.from(char, 'utf8');
    for (const byte of bytes) {
      const ascii = String.fromCharCode(byte);
      out += /[A-Za-z0-9_.~-]/.test(ascii) ? ascii : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Rack-style form encoding, brackets and all (`details[a]=1`, `logos[][res]=low`). */
function formEncode(params: unknown, prefix = ''): string[] {
  if (params === null || params === undefined) return [pct(prefix)];
  if (Array.isArray(params)) return params.flatMap((item) => formEncode(item, `${prefix}[]`));
  if (typeof params === 'object') {
    return Object.entries(params).flatMap(([k, v]) => formEncode(v, prefix === '' ? k : `${prefix}[${k}]`));
  }
  return [`${pct(prefix)}=${pct(String(params))}`];
}

const bracketJunk = fc.constantFrom(
  'details[__proto__][polluted]=1',
  'details[constructor][prototype][polluted]=1',
  'user[email][]=a&user[email][]=b',
  'logos[][res]=low&logos[][res]=med&logos[][url]=https://x',
  `a${'[]['.repeat(40)}=1`,
  `details${'[a]'.repeat(30)}=1`,
  'message=a&message=b',
  'api_key[]=x',
  '%5B%5D=1&=2&&&=',
  'details[a=1',
  'force=True&force=False',
);

/** Path parameters: known ids (the caller's, the other app's), nothing, junk, and very long ones. */
const pathValue = fc.oneof(
  fc.constant(() => known.userA),
  fc.constant(() => known.userB),
  fc.constant(() => known.uuid),
  fc.constant(() => known.uuid.toUpperCase()),
  fc.constant(() => known.deviceId),
  fc.integer({ min: -5, max: 2 ** 40 }).map((n) => () => String(n)),
  fc.constantFrom('2147483647', '2147483648', '4294967296', '9007199254740993').map((s) => () => s),
  oddString.map((s) => () => pct(s)),
  fc.constantFrom('%', '%zz', '..', '%2e%2e', '%00', '%2F', '-1', '0', '1.5').map((s) => () => s),
  fc.integer({ min: 150, max: 400 }).map((n) => () => '9'.repeat(n)),
);

type KeyChoice = 'header' | 'query' | 'none' | 'wrong' | 'other';
const ACCEPTS = [
  undefined,
  'application/json',
  '*/*',
  'text/html',
  'text/event-stream',
  'x/y;q=0',
  'garbage',
];
const RAW_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/JSON',
  '',
];

interface Wire {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function requestFor(op: Operation): fc.Arbitrary<Wire> {
  const params = objectOf(op.input, 0);
  return fc
    .record({
      params,
      junk: fc.option(bracketJunk, { freq: 4 }),
      placement: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('query', 'json', 'form', 'split') },
        { weight: 1, arbitrary: fc.constant('raw') },
      ),
      raw: fc.tuple(fc.constantFrom(...RAW_TYPES), fc.oneof(oddString, fc.json(), hugeString)),
      pathValues: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
      key: fc.oneof(
        { weight: 6, arbitrary: fc.constant<KeyChoice>('header') },
        { weight: 4, arbitrary: fc.constantFrom<KeyChoice>('query', 'none', 'wrong', 'other') },
      ),
      signed: fc.oneof(
        { weight: 3, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      accept: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(undefined, 'application/json', '*/*') },
        { weight: 1, arbitrary: fc.constantFrom(...ACCEPTS) },
      ),
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(op.method) },
        fc.constantFrom('PUT', 'PATCH', 'DELETE'),
      ),
    })
    .map(({ params, junk, placement, raw, pathValues, key, signed, accept, method }) => {
      let n = 0;
      const path = op.path.replace(/\{[a-z]+\}/g, () => (pathValues[n++] ?? (() => '1'))());
      const query: string[] = [];
      const headers: Record<string, string> = {};
      let body: string | undefined;
      const where = op.jsonOnly === true && placement !== 'raw' ? 'json' : placement;
      if (where === 'query' || (where === 'split' && op.method === 'GET')) query.push(...formEncode(params));
      else if (where === 'json') {
        body = JSON.stringify(params);
        headers['content-type'] = 'application/json';
      } else if (where === 'form' || where === 'split') {
        const pairs = formEncode(params);
        const half = where === 'split' ? Math.floor(pairs.length / 2) : 0;
        query.push(...pairs.slice(0, half));
        body = [...pairs.slice(half), ...(junk === null ? [] : [junk])].join('&');
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else {
        body = typeof raw[1] === 'string' ? raw[1] : '';
        if (raw[0] !== '') headers['content-type'] = raw[0];
      }
      if (junk !== null && where !== 'form' && where !== 'split' && op.jsonOnly !== true) query.push(junk);
      if (key === 'header') headers['x-authy-api-key'] = keyA;
      if (key === 'wrong') headers['x-authy-api-key'] = 'f'.repeat(48);
      if (key === 'other') headers['x-authy-api-key'] = keyB;
      if (key === 'query') query.push(`api_key=${keyA}`);
      if (accept !== undefined) headers.accept = accept;
      const url = query.length === 0 ? path : `${path}?${query.join('&')}`;
      if (op.device === true && signed) {
        Object.assign(headers, signedHeaders(device, method, url, body ?? '', { timestamp: clock.now() }));
      }
      return { method, path: url, headers, ...(body !== undefined && { body }) };
    })
    .filter((w) => w.path.length < 12_000 && Buffer.byteLength(w.body ?? '') < 60_000);
}

// ——— Sending and judging ———

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Sends through node:http (bodies on GETs, any method); an event stream is cut once its head arrived. */
function send(wire: Wire): Promise<Answer> {
  requests += 1;
  return new Promise((resolve, reject) => {
    const headers = {
      ...wire.headers,
      ...(wire.body !== undefined && { 'content-length': String(Buffer.byteLength(wire.body)) }),
    };
    const request = http.request(
      `${server.url}${wire.path}`,
      { method: wire.method, headers },
      (response) => {
        const contentType = String(response.headers['content-type'] ?? '');
        if (contentType.startsWith('text/event-stream')) {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, contentType, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.setTimeout(10_000, () =>
      request.destroy(new Error(`no answer in 10 s: ${wire.method} ${wire.path}`)),
    );
    request.on('error', reject);
    request.end(wire.body);
  });
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function judge(wire: Wire, answer: Answer): void {
  const what = `${wire.method} ${wire.path.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(200);
  expect(answer.status, what).toBeLessThan(500);
  if (answer.contentType.startsWith('text/event-stream')) {
    expect(answer.status, what).toBe(200);
    return;
  }
  expect(answer.contentType, what).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(answer.text, what).toBe(JSON.stringify(body));
  expect(body, what).toHaveProperty('success');
  if (answer.status >= 400) {
    expect(body.success, what).toBe(false);
    expect(typeof body.message, what).toBe('string');
    expect(body.error_code, what).toMatch(/^600\d\d$/);
    expect((body.errors as { message?: unknown } | undefined)?.message, what).toBe(body.message);
  } else {
    expect(body.success === true || body.success === 'true', what).toBe(true);
  }
}

async function fuzz(op: Operation): Promise<void> {
  await registerKnownUsers();
  await fc.assert(
    fc.asyncProperty(requestFor(op), async (wire) => {
      // Messages queued by an earlier request are sent and removed in the background: let that finish.
      await server.app.messages.drain();
      const before = await rowCounts(server.db, tables);
      const answer = await send(wire);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      judge(wire, answer);
      contract.conforms(`${op.method} ${op.path}`, {
        status: answer.status,
        headers: { 'content-type': answer.contentType },
        text: answer.text,
      });
      if (answer.status >= 400) {
        expect(
          await rowCounts(server.db, tables),
          `refused, yet wrote: ${wire.method} ${wire.path}`,
        ).toStrictEqual(before);
      }
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}

/** Where a route shows text to a person (D11): each field as the parameters that carry it and its name. */
interface DisplayRoute {
  method: 'GET' | 'POST';
  path: () => string;
  /** Parameters of a call that would otherwise pass validation. */
  base: () => Record<string, unknown>;
  fields: readonly ((text: string) => { params: Record<string, unknown>; field: string })[];
  /** A device route, sent unsigned and as JSON only. */
  device?: boolean;
}

const DEVICE_ENROLLMENT = {
  public_key: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) },
  platform: 'cli',
  proof: 'A'.repeat(86),
};

const DISPLAY_ROUTES: readonly DisplayRoute[] = [
  {
    method: 'POST',
    path: () => `${OT}/users/${known.userA}/approval_requests`,
    base: () => ({ message: 'Pay' }),
    fields: [
      (text) => ({ params: { message: text }, field: 'message' }),
      (text) => ({ params: { details: { Payee: text } }, field: 'details[Payee]' }),
      (text) => ({ params: { details: { [text]: 'Bob' } }, field: 'details' }),
      (text) => ({ params: { hidden_details: { ip: text } }, field: 'hidden_details[ip]' }),
      (text) => ({ params: { hidden_details: { [text]: '10.0.0.1' } }, field: 'hidden_details' }),
    ],
  },
  {
    method: 'POST',
    path: () => `${P}/users/${known.userA}/register_activity`,
    base: () => ({ type: 'banned' }),
    fields: [
      (text) => ({ params: { data: { reason: text } }, field: 'data[reason]' }),
      (text) => ({ params: { data: { [text]: 'fraud' } }, field: 'data' }),
    ],
  },
  {
    method: 'POST',
    path: () => `${P}/users/${known.userA}/secret`,
    base: () => ({}),
    fields: [(text) => ({ params: { label: text }, field: 'label' })],
  },
  ...(['sms', 'call'] as const).map(
    (channel): DisplayRoute => ({
      method: 'GET',
      path: () => `${P}/${channel}/${known.userA}`,
      base: () => ({ force: 'true' }),
      fields: [(text) => ({ params: { action_message: text }, field: 'action_message' })],
    }),
  ),
  {
    method: 'POST',
    path: () => `${P}/phones/verification/start`,
    base: () => ({ country_code: '1', phone_number: '2125550171', via: 'sms' }),
    fields: [(text) => ({ params: { custom_message: text }, field: 'custom_message' })],
  },
  {
    method: 'POST',
    path: () => '/device/v1/enrollments',
    base: () => ({ token: 'A'.repeat(43), ...DEVICE_ENROLLMENT }),
    fields: [(text) => ({ params: { name: text }, field: 'name' })],
    device: true,
  },
  {
    method: 'POST',
    path: () => '/device/v1/admission-claims',
    base: () => ({ token: 'A'.repeat(43), ...DEVICE_ENROLLMENT }),
    fields: [(text) => ({ params: { name: text }, field: 'name' })],
    device: true,
  },
  {
    method: 'POST',
    path: () => '/device/v1/phone-enrollments/6f1d3c1e-6a55-4a8b-9a0e-5d8f1e2c3b4a/complete',
    base: () => ({ code: '000000', ...DEVICE_ENROLLMENT }),
    fields: [(text) => ({ params: { name: text }, field: 'name' })],
    device: true,
  },
];

/** A call of `route` with refused text in one of its display fields, as JSON or as a form (or query). */
function refusedDisplayCall(route: DisplayRoute): fc.Arbitrary<{ wire: Wire; field: string }> {
  return fc
    .record({
      place: fc.constantFrom(...route.fields),
      text: refusedText,
      form: route.device === true ? fc.constant(false) : fc.boolean(),
    })
    .map(({ place, text, form }) => {
      const { params, field } = place(text);
      const merged = { ...route.base(), ...params };
      const headers: Record<string, string> = route.device === true ? {} : { 'x-authy-api-key': keyA };
      if (!form) {
        headers['content-type'] = 'application/json';
        return {
          wire: { method: route.method, path: route.path(), headers, body: JSON.stringify(merged) },
          field,
        };
      }
      const encoded = formEncode(merged).join('&');
      if (route.method === 'GET')
        return { wire: { method: 'GET', path: `${route.path()}?${encoded}`, headers }, field };
      headers['content-type'] = 'application/x-www-form-urlencoded';
      return { wire: { method: route.method, path: route.path(), headers, body: encoded }, field };
    });
}

async function refuseDisplayText(route: DisplayRoute): Promise<void> {
  await fc.assert(
    fc.asyncProperty(refusedDisplayCall(route), async ({ wire, field }) => {
      const before = await rowCounts(server.db, tables);
      const answer = await send(wire);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      judge(wire, answer);
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      const what = `${wire.method} ${wire.path.slice(0, 200)} ${wire.body ?? ''} → ${answer.text.slice(0, 300)}`;
      expect(answer.status, what).toBe(400);
      expect(body.error_code, what).toBe('60004');
      expect(String(body.message), what).toMatch(
        new RegExp(
          `^Invalid parameter: ${field.replace(/[[\]]/g, '\\$&')} - .*(is not allowed|holds an unpaired surrogate \\(U\\+D[89A-F][0-9A-F]{2}\\)|is not in Unicode NFC)$`,
        ),
      );
      expect(await rowCounts(server.db, tables), `refused, yet wrote: ${what}`).toStrictEqual(before);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}

/** The Authy API routes and their extensions, read from the OpenAPI document of the running service. */
function documentedRoutes(): Operation[] {
  const paths = document.paths as unknown as Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string; schema: Schema; required?: boolean }>;
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    if (!/^\/(protected|onetouch)\//.test(path)) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      const body = operation.requestBody?.content['application/json']?.schema;
      const input: Schema = body ?? {
        type: 'object',
        properties: Object.fromEntries(query.map((p) => [p.name, p.schema])),
        required: query.filter((p) => p.required === true).map((p) => p.name),
      };
      operations.push({ method: method.toUpperCase(), path, input });
    }
  }
  return operations;
}

describe('fuzzing every route from its schema (R64)', () => {
  it('the OpenAPI document lists the Authy routes, and every device route of the protocol is in the fuzz table and the document', async () => {
    const documented = documentedRoutes();
    expect(documented.length).toBeGreaterThanOrEqual(20);
    // R34, R38: no route of an app changes a request once it is made; only a device's signed answer does.
    expect(
      documented
        .filter((o) => o.path.includes('approval_requests'))
        .map((o) => `${o.method} ${o.path}`)
        .sort(),
    ).toEqual([
      'GET /onetouch/json/approval_requests/{uuid}',
      'GET /onetouch/json/approval_requests/{uuid}/events',
      'POST /onetouch/json/users/{id}/approval_requests',
    ]);
    const protocol = readFileSync(join(import.meta.dirname, '../../../../docs/device-protocol.md'), 'utf8');
    const routes = new Set(
      [...protocol.matchAll(/\b(GET|POST|DELETE) +(\/device\/v1\/[^\s`)]*)/g)].map(
        ([, method, path]) => `${method} ${path?.replace(/\{[A-Z]+\}/g, (p) => p.toLowerCase())}`,
      ),
    );
    expect(routes.size).toBeGreaterThanOrEqual(11);
    expect([...routes].sort()).toEqual(DEVICE_ROUTES.map((o) => `${o.method} ${o.path}`).sort());
    const deviceDocumented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/device/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(deviceDocumented.sort()).toEqual([...routes].sort());
  });

  it(
    'every documented API route: never a 5xx, always the envelope or the success shape, nothing written when refused',
    async () => {
      for (const op of documentedRoutes()) await fuzz(op);
    },
    ROUTE_TIMEOUT_MS * 21,
  );

  it(
    'every device route, signed and unsigned: the same properties',
    async () => {
      for (const op of DEVICE_ROUTES) await fuzz(op);
    },
    ROUTE_TIMEOUT_MS * DEVICE_ROUTES.length,
  );

  it(
    'text a person is shown (D11) with a refused character, an unpaired surrogate or not in NFC, as JSON or a form: 400 60004 naming the field, nothing written',
    async () => {
      for (const route of DISPLAY_ROUTES) await refuseDisplayText(route);
    },
    ROUTE_TIMEOUT_MS * DISPLAY_ROUTES.length,
  );
});
