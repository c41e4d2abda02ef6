/**
 * What you see is what you sign (D11, R28, R58, R63): every text a device or a person is shown — a
 * request's message, details and hidden details (keys and values), an activity's data, an authenticator
 * label, SMS text, a device's name — is refused with 400 / 60004 naming the field when it holds a
 * bidirectional control, an invisible or control character, an unpaired surrogate, or is not in NFC;
 * nothing is written. Ordinary text of every script, and emoji, are accepted and stored exactly.
 */
import { canonicalJson, revealInvisible } from '@countersign/protocol';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { newKeyPair, signText, tokenOf } from '../support/test-device.js';
import { expectAuthyError, invalidParameter, OT, P, type Req, registerUser, send } from './helpers.js';

/** One text of each kind D11 refuses, and the problem the service names. */
const REFUSED: readonly { what: string; text: string; problem: string; formProblem?: string }[] = [
  {
    what: 'a right-to-left override (the payee that reads "Amount: $9,000.00")',
    text: 'mallory \u202e00.000,9$ :tnuomA\u202c',
    problem: 'U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control) is not allowed',
  },
  {
    what: 'a first strong isolate',
    text: 'Bob\u2068',
    problem: 'U+2068 FIRST STRONG ISOLATE (a bidirectional control) is not allowed',
  },
  {
    what: 'an Arabic letter mark',
    text: '\u061cAhmed',
    problem: 'U+061C ARABIC LETTER MARK (a bidirectional control) is not allowed',
  },
  {
    what: 'a right-to-left mark',
    text: 'Bob\u200f',
    problem: 'U+200F RIGHT-TO-LEFT MARK (a bidirectional control) is not allowed',
  },
  {
    what: 'a zero width space',
    text: 'pay\u200bpal',
    problem: 'U+200B ZERO WIDTH SPACE (an invisible character) is not allowed',
  },
  {
    what: 'a zero width joiner outside an emoji',
    text: 'bo\u200db',
    problem: 'U+200D ZERO WIDTH JOINER (an invisible character) is not allowed',
  },
  {
    what: 'a zero width no-break space',
    text: '\ufeffBob',
    problem: 'U+FEFF ZERO WIDTH NO-BREAK SPACE (an invisible character) is not allowed',
  },
  {
    what: 'a soft hyphen',
    text: 'Bo\u00adb',
    problem: 'U+00AD SOFT HYPHEN (an invisible character) is not allowed',
  },
  {
    what: 'a Mongolian vowel separator',
    text: 'Bob\u180e',
    problem: 'U+180E MONGOLIAN VOWEL SEPARATOR (an invisible character) is not allowed',
  },
  {
    what: 'an invisible times',
    text: '2\u20623',
    problem: 'U+2062 INVISIBLE TIMES (an invisible character) is not allowed',
  },
  {
    what: 'a Hangul filler (default ignorable)',
    text: 'Bob\u3164',
    problem: 'U+3164 HANGUL FILLER (an invisible character) is not allowed',
  },
  { what: 'a C0 control', text: 'Bob\u0007', problem: 'U+0007 (a control character) is not allowed' },
  {
    what: 'an escape sequence',
    text: 'Bob\u001bc',
    problem: 'U+001B ESCAPE (a control character) is not allowed',
  },
  {
    what: 'a C1 control',
    text: 'Bob\u0085',
    problem: 'U+0085 NEXT LINE (a control character) is not allowed',
  },
  {
    what: 'a line separator',
    text: 'Bob\u2028Alice',
    problem: 'U+2028 LINE SEPARATOR (a line or paragraph separator) is not allowed',
  },
  {
    what: 'an unpaired surrogate',
    text: 'x\ud800y',
    problem: 'holds an unpaired surrogate (U+D800)',
    // In a form the surrogate travels as its three bytes, which are not UTF-8.
    formProblem: 'holds an unpaired surrogate (U+DCED)',
  },
  { what: 'text not in NFC', text: 'Cafe\u0301', problem: 'is not in Unicode NFC' },
];

/** Text that must be accepted and stored exactly: every script, accents in NFC, emoji. */
const ACCEPTED: readonly string[] = [
  'Caf\u00e9 Müller, São Paulo — 10 €',
  'تحويل ٥٠٠ دولار إلى أحمد',
  'העברה של 500 ש״ח לדוד',
  '向李明转账 500 元',
  'Ελληνικά, русский, हिन्दी',
  '❤️ 👍🏽 🇳🇱 #️⃣',
  '👩‍💻 🏳️‍🌈',
];

/**
 * Percent-encodes text as a form would, a lone surrogate included: as the three bytes of its generalised
 * UTF-8 form (`%ED%A0%80`), the only way a form can carry one.
 */
function formText(text: string): string {
  let out = '';
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    const bytes =
      cp >= 0xd800 && cp <= 0xdfff
        ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        : [...Buffer.from(char, 'utf8')];
    for (const byte of bytes) {
      const ascii = String.fromCharCode(byte);
      out += /[A-Za-z0-9_.~-]/.test(ascii) ? ascii : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Every table a refused request must leave alone (counters of usage and rate aside). */
const TABLES = [
  'users',
  'app_users',
  'otp_codes',
  'approval_requests',
  'phone_verifications',
  'activities',
  'outbox',
  'devices',
  'enrollments',
  'phone_enrollments',
  'webhook_events',
] as const;

async function snapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of TABLES) rows[table] = await db.selectFrom(table).selectAll().execute();
  return rows;
}

let server: TestServer;
let key: string;
let userId: number;
const PHONE = '201-555-0123';
/** A body for the link enrollment that would succeed but for its name. */
let linkEnrollment: (name: string) => Record<string, unknown>;
/** A started phone enrollment and a body for its completion that is well formed but for its name. */
let phoneEnrollment: { id: string; body: (name: string) => Record<string, unknown> };

beforeAll(async () => {
  server = await startTestServer();
  key = (await server.createApp({ name: 'Display Bank' })).apiKey;
  userId = await registerUser(server, key, PHONE, 'alice@example.com');

  const link = await send(server, { method: 'POST', path: `${P}/users/${userId}/enrollments`, key });
  expect(link.status, link.text).toBe(200);
  const token = tokenOf((link.body.enrollment as { url: string }).url);
  const device = newKeyPair();
  const proof = signText(
    device.privateKey,
    canonicalJson({ purpose: 'countersign-enrollment', token, public_key: device.publicJwk }),
  );
  linkEnrollment = (name) => ({ token, public_key: device.publicJwk, name, platform: 'cli', proof });

  const started = await send(server, {
    method: 'POST',
    path: '/device/v1/phone-enrollments',
    json: { country_code: '1', phone_number: PHONE },
  });
  expect(started.status, started.text).toBe(200);
  // The enrollment's code goes out through the message queue: sent now, so that no test's before-and-after
  // snapshot sees the worker write the outbox in between (CI, PostgreSQL run).
  await server.app.messages.drain();
  const id = started.body.enrollment_id as string;
  phoneEnrollment = {
    id,
    body: (name) => ({
      code: '000000',
      public_key: device.publicJwk,
      name,
      platform: 'cli',
      proof: signText(
        device.privateKey,
        canonicalJson({
          purpose: 'countersign-phone-enrollment',
          enrollment_id: id,
          code: '000000',
          public_key: device.publicJwk,
        }),
      ),
    }),
  };
});
afterAll(() => server.close());

/** Where a person is shown text: the request that carries `text` there, and the field the refusal names. */
interface Place {
  where: string;
  request: (text: string) => Req;
  /** The field named, and how the problem is put for it. */
  field: string;
  isKey?: boolean;
}

const approvals = () => `${OT}/users/${userId}/approval_requests`;

const PLACES: readonly Place[] = [
  {
    where: 'an approval message',
    request: (t) => ({ method: 'POST', path: approvals(), key, json: { message: t } }),
    field: 'message',
  },
  {
    where: 'a details value',
    request: (t) => ({
      method: 'POST',
      path: approvals(),
      key,
      json: { message: 'Pay', details: { Payee: t } },
    }),
    field: 'details[Payee]',
  },
  {
    where: 'a details key',
    request: (t) => ({
      method: 'POST',
      path: approvals(),
      key,
      json: { message: 'Pay', details: { [t]: 'Bob' } },
    }),
    field: 'details',
    isKey: true,
  },
  {
    where: 'a hidden_details value',
    request: (t) => ({
      method: 'POST',
      path: approvals(),
      key,
      json: { message: 'Pay', hidden_details: { ip: t } },
    }),
    field: 'hidden_details[ip]',
  },
  {
    where: 'a hidden_details key',
    request: (t) => ({
      method: 'POST',
      path: approvals(),
      key,
      json: { message: 'Pay', hidden_details: { [t]: '10.0.0.1' } },
    }),
    field: 'hidden_details',
    isKey: true,
  },
  {
    where: 'a register_activity data value',
    request: (t) => ({
      method: 'POST',
      path: `${P}/users/${userId}/register_activity`,
      key,
      json: { type: 'banned', data: { reason: t } },
    }),
    field: 'data[reason]',
  },
  {
    where: 'a register_activity data key',
    request: (t) => ({
      method: 'POST',
      path: `${P}/users/${userId}/register_activity`,
      key,
      json: { type: 'banned', data: { [t]: 'fraud' } },
    }),
    field: 'data',
    isKey: true,
  },
  {
    where: 'an authenticator label (users/{id}/secret)',
    request: (t) => ({ method: 'POST', path: `${P}/users/${userId}/secret`, key, json: { label: t } }),
    field: 'label',
  },
  {
    where: 'an SMS action_message',
    request: (t) => ({
      method: 'GET',
      path: `${P}/sms/${userId}?force=true`,
      key,
      json: { action_message: t },
    }),
    field: 'action_message',
  },
  {
    where: 'a phone verification custom_message',
    request: (t) => ({
      method: 'POST',
      path: `${P}/phones/verification/start`,
      key,
      json: { country_code: '1', phone_number: PHONE, via: 'sms', custom_message: t },
    }),
    field: 'custom_message',
  },
  {
    where: 'a device name at link enrollment',
    request: (t) => ({ method: 'POST', path: '/device/v1/enrollments', json: linkEnrollment(t) }),
    field: 'name',
  },
  {
    where: 'a device name at phone enrollment',
    request: (t) => ({
      method: 'POST',
      path: `/device/v1/phone-enrollments/${phoneEnrollment.id}/complete`,
      json: phoneEnrollment.body(t),
    }),
    field: 'name',
  },
];

/** The problem a refusal states: about the value, or, for a key, about which key. */
const stated = (place: Place, text: string, problem: string) =>
  place.isKey === true ? `key "${revealInvisible(text)}": ${problem}` : problem;

describe('display text is refused where a person is shown it (D11)', () => {
  for (const place of PLACES) {
    it.each(REFUSED)(
      `${place.where} with $what → 400 60004 naming ${place.field}, nothing written`,
      async (c) => {
        const before = await snapshot(server.db);
        const res = await send(server, place.request(c.text));
        expectAuthyError(res, invalidParameter(place.field, stated(place, c.text, c.problem)));
        expect(await snapshot(server.db)).toStrictEqual(before);
      },
    );
  }

  it('a form body and a query string are held to the same rule, a lone surrogate sent as its bytes included', async () => {
    for (const c of REFUSED) {
      const problem = c.formProblem ?? c.problem;
      const encoded = formText(c.text);
      const cases: [Req, string, string][] = [
        [{ method: 'POST', path: approvals(), key, form: `message=${encoded}` }, 'message', problem],
        [
          { method: 'POST', path: approvals(), key, form: `message=Pay&details[Payee]=${encoded}` },
          'details[Payee]',
          problem,
        ],
        [
          { method: 'POST', path: approvals(), key, form: `message=Pay&hidden_details[${encoded}]=1` },
          'hidden_details',
          // The key as the service decoded it.
          `key "${revealInvisible(formDecoded(c.text))}": ${problem}`,
        ],
        [
          { method: 'GET', path: `${P}/sms/${userId}?force=true&action_message=${encoded}`, key },
          'action_message',
          problem,
        ],
        [
          // A Rack list of hashes (`logos[][…]`) is rewritten before it is parsed: its key must survive that.
          { method: 'POST', path: approvals(), key, form: `message=Pay&logos[][${encoded}]=1` },
          // Refused for what it lacks; what matters is that it is read at all, not answered 500.
          'logos[0][res]',
          'Parameter is required',
        ],
        [
          // A character beyond U+FFFF (a surrogate pair) beside it, as the fuzzer once sent.
          { method: 'POST', path: approvals(), key, form: `message=Pay&logos[][%F3%93%B2%B5${encoded}]=1` },
          'logos[0][res]',
          'Parameter is required',
        ],
      ];
      for (const [req, field, expected] of cases) {
        const before = await snapshot(server.db);
        expectAuthyError(await send(server, req), invalidParameter(field, expected));
        expect(await snapshot(server.db)).toStrictEqual(before);
      }
    }
  });

  it('text not in NFC is refused, never normalised; its NFC form is accepted and stored as sent', async () => {
    const nfd = 'Cafe\u0301 de l’Ope\u0301ra';
    const nfc = nfd.normalize('NFC');
    expectAuthyError(
      await send(server, { method: 'POST', path: approvals(), key, json: { message: nfd } }),
      invalidParameter('message', 'is not in Unicode NFC'),
    );
    const created = await send(server, {
      method: 'POST',
      path: approvals(),
      key,
      json: { message: nfc, details: { Lieu: nfc } },
    });
    expect(created.status, created.text).toBe(200);
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const status = await send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });
    expect(status.body.approval_request).toMatchObject({ message: nfc, details: { Lieu: nfc } });
  });

  it('ordinary text of every script and emoji are accepted everywhere and stored exactly', async () => {
    for (const text of ACCEPTED) {
      const created = await send(server, {
        method: 'POST',
        path: approvals(),
        key,
        json: { message: text, details: { [text]: text }, hidden_details: { [text]: text } },
      });
      expect(created.status, `${text}: ${created.text}`).toBe(200);
      const uuid = (created.body.approval_request as { uuid: string }).uuid;
      const status = await send(server, { method: 'GET', path: `${OT}/approval_requests/${uuid}`, key });
      expect(status.body.approval_request).toMatchObject({
        message: text,
        details: { [text]: text },
        hidden_details: { [text]: text },
      });
      // The pending limit is per user: each accepted request is removed again.
      await server.db.deleteFrom('approval_requests').where('uuid', '=', uuid).execute();
      for (const place of PLACES.filter((p) => p.field === 'label' || p.field === 'data[reason]')) {
        const res = await send(server, place.request(text));
        expect(res.status, `${place.where} ${text}: ${res.text}`).toBe(200);
      }
    }
    // One of each SMS text: more would meet the SMS limits, which are not what this test is about.
    for (const place of PLACES.filter((p) => p.field.endsWith('_message'))) {
      const res = await send(server, place.request(ACCEPTED[1] ?? ''));
      expect(res.status, `${place.where}: ${res.text}`).toBe(200);
    }
    const form = await send(server, {
      method: 'POST',
      path: approvals(),
      key,
      form: `message=${formText(ACCEPTED[5] ?? '')}&details[${formText('Payé')}]=${formText('Zoë 👩‍💻')}`,
    });
    expect(form.status, form.text).toBe(200);
  });

  it('after every refusal the enrollment link still works, with a device name in any script or emoji', async () => {
    const res = await send(server, {
      method: 'POST',
      path: '/device/v1/enrollments',
      json: linkEnrollment('Zoë’s téléphone 📱 هاتف'),
    });
    expect(res.status, res.text).toBe(200);
    const names = await server.db.selectFrom('devices').select('name').execute();
    expect(names.map((d) => d.name)).toEqual(['Zoë’s téléphone 📱 هاتف']);
  });
});

/** `text` as the service reads it back from {@link formText}: a lone surrogate's three bytes as U+DCxx each. */
function formDecoded(text: string): string {
  return text.replace(/[\ud800-\udfff]/gu, (char) => {
    const cp = char.charCodeAt(0);
    const bytes = [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
    return String.fromCharCode(...bytes.map((byte) => 0xdc00 + byte));
  });
}
