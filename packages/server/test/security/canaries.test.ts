/**
 * Secrets canaries (R2, R24, R65, R66, R67, R85): real secrets are planted through the API the way apps and
 * devices use it, then looked for, in plain, hex and base64, in every log line the service wrote and in the
 * bytes of its store.
 */
import { randomBytes } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/messaging/messaging-provider.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  signText,
  type TestDevice,
} from '../support/test-device.js';
import { startReceiver } from '../webhooks/receiver.js';
import { base32Bytes, type Canary, canary, leaks, storeBytes } from './support.js';

const MASTER_KEY = 'a'.repeat(32) + 'b'.repeat(32);
const sent: OutgoingMessage[] = [];
let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

/** Secrets that must appear neither in logs nor in the store. */
const secrets: Canary[] = [];
/** Personal data that the store holds but logs must not (R85: phone numbers and emails masked). */
const personal: Canary[] = [];

/** The code in the last message sent to `to`. */
function lastCode(to: string, digits: number): string {
  const message = sent.filter((m) => m.to === to).at(-1);
  const code = message?.body.match(new RegExp(`\\b\\d{${digits}}\\b`))?.[0];
  if (code === undefined) throw new Error(`no ${digits}-digit code was sent to ${to}`);
  return code;
}

async function register(key: string, cellphone: string, email: string, inQuery = false): Promise<number> {
  const user = { email, cellphone, country_code: '1' };
  const response = inQuery
    ? await call(
        server,
        'POST',
        `/protected/json/users/new?user[email]=${encodeURIComponent(email)}&user[cellphone]=${cellphone}&user[country_code]=1`,
        { key },
      )
    : await call(server, 'POST', '/protected/json/users/new', { key, json: { user } });
  expect(response.status, response.text).toBe(200);
  personal.push(canary(`email ${email}`, email), canary(`phone ${cellphone}`, cellphone));
  return (response.body.user as { id: number }).id;
}

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    env: { COUNTERSIGN_MASTER_KEY: MASTER_KEY, COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32' },
    messaging: {
      name: 'capture',
      send: async (message) => {
        sent.push(message);
      },
    },
  });
  secrets.push(canary('master key', MASTER_KEY, Buffer.from(MASTER_KEY, 'hex')));

  // Two apps; eight-digit codes make SMS codes long enough to search for.
  const bank = await server.createApp({
    name: 'Canary Bank',
    tokenLength: 8,
    callbackUrl: `${receiver.url}/hook`,
  });
  const other = await server.createApp({ name: 'Other Bank', profile: 'strict' });
  for (const [name, created] of [
    ['bank', bank],
    ['other', other],
  ] as const) {
    secrets.push(canary(`${name} API key`, created.apiKey, Buffer.from(created.apiKey, 'hex')));
    secrets.push(
      canary(
        `${name} webhook secret`,
        created.webhookSecret,
        Buffer.from(created.webhookSecret.slice('whsec_'.length), 'base64'),
      ),
    );
  }
  const rotated = await server.app.services.apps.rotateKey(bank.id, 3600);
  if (rotated === undefined) throw new Error('no rotation');
  secrets.push(canary('rotated API key', rotated.apiKey, Buffer.from(rotated.apiKey, 'hex')));

  const alice = await register(bank.apiKey, '2015550141', 'alice.canary@example.com');
  const bob = await register(bank.apiKey, '2015550142', 'bob.canary@example.com', true);
  const carol = await register(other.apiKey, '2015550143', 'carol.canary@example.com');

  // TOTP seeds, as a third-party authenticator app gets them.
  for (const [key, id] of [
    [bank.apiKey, alice],
    [bank.apiKey, bob],
    [other.apiKey, carol],
  ] as const) {
    const secret = await call(server, 'POST', `/protected/json/users/${id}/secret`, { key });
    expect(secret.status, secret.text).toBe(200);
    const base32 = new URL(secret.body.otpauth_url as string).searchParams.get('secret') ?? '';
    secrets.push(canary(`TOTP seed of ${id}`, base32, base32Bytes(base32)));
  }

  // SMS and voice codes: sent, verified once, reused, and a wrong one.
  for (const channel of ['sms', 'call'] as const) {
    const response = await call(server, 'GET', `/protected/json/${channel}/${alice}?force=true`, {
      key: bank.apiKey,
    });
    expect(response.status, response.text).toBe(200);
    const code = lastCode('+12015550141', 8);
    secrets.push(canary(`${channel} code`, code, undefined, true));
    for (let i = 0; i < 2; i++) {
      await call(server, 'GET', `/protected/json/verify/${code}/${alice}`, { key: bank.apiKey });
    }
    // The authy npm client puts the key in the query string (D10).
    await call(server, 'GET', `/protected/json/verify/${code}/${alice}?api_key=${bank.apiKey}`, {});
  }

  // Phone verification with a long code, checked the way Authy's curl samples do: in the query string.
  const started = await call(
    server,
    'POST',
    '/protected/json/phones/verification/start?via=sms&country_code=1&phone_number=2015550144&code_length=10',
    { key: bank.apiKey },
  );
  expect(started.status, started.text).toBe(200);
  const verification = lastCode('+12015550144', 10);
  secrets.push(canary('phone verification code', verification, undefined, true));
  personal.push(canary('verified phone', '2015550144'));
  const checked = await call(
    server,
    'GET',
    `/protected/json/phones/verification/check?country_code=1&phone_number=2015550144&verification_code=${verification}`,
    { key: bank.apiKey },
  );
  expect(checked.status, checked.text).toBe(200);
  const custom = String(4_000_000_000 + randomBytes(3).readUIntBE(0, 3));
  await call(
    server,
    'POST',
    `/protected/json/phones/verification/start?via=sms&country_code=1&phone_number=2015550145&custom_code=${custom}`,
    { key: bank.apiKey },
  );
  secrets.push(canary('custom verification code', custom, undefined, true));

  // Hidden details, in a JSON body and in the query string (the Postman collection sends them there).
  const hiddenJson = `hidden-json-${randomBytes(12).toString('hex')}`;
  const hiddenQuery = `hidden-query-${randomBytes(12).toString('hex')}`;
  secrets.push(canary('hidden detail (JSON)', hiddenJson), canary('hidden detail (query)', hiddenQuery));
  const approval = await call(server, 'POST', `/onetouch/json/users/${alice}/approval_requests`, {
    key: bank.apiKey,
    json: { message: 'Pay 10 EUR', details: { To: 'Shop' }, hidden_details: { ref: hiddenJson } },
  });
  expect(approval.status, approval.text).toBe(200);
  const byQuery = await call(
    server,
    'POST',
    `/onetouch/json/users/${alice}/approval_requests?message=Login&hidden_details[ref]=${hiddenQuery}`,
    { key: bank.apiKey },
  );
  expect(byQuery.status, byQuery.text).toBe(200);

  // A device enrolled by link answers both; its private key never leaves it.
  const link = await call(server, 'POST', `/protected/json/users/${alice}/enrollments`, { key: bank.apiKey });
  const url = (link.body.enrollment as { url: string }).url;
  secrets.push(canary('enrollment token', url.split('#enroll=')[1] ?? ''));
  const device = await enrollWithLink(server, url);
  plantDeviceKey(device);
  const pending = (await deviceCall(server, device, 'GET', '/device/v1/requests')).body
    .requests as PendingRequest[];
  expect(pending).toHaveLength(2);
  for (const request of pending) {
    const answered = await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${request.uuid}/answer`,
      answerFor(device, request, 'approved'),
    );
    expect(answered.status, answered.text).toBe(200);
  }
  await receiver.waitFor(2, 10_000);
  expect(receiver.deliveries).toHaveLength(2);

  // A device enrolled by phone and code: the code goes by SMS, the key stays on the device.
  const phoneStart = await call(server, 'POST', '/device/v1/phone-enrollments', {
    json: { country_code: '1', phone_number: '2015550142' },
  });
  expect(phoneStart.status, phoneStart.text).toBe(200);
  const enrollmentId = phoneStart.body.enrollment_id as string;
  await server.app.messages.drain();
  const phoneCode = lastCode('+12015550142', 6);
  secrets.push(canary('device enrollment code', phoneCode, undefined, true));
  const { publicJwk, privateKey } = newKeyPair();
  const completed = await call(server, 'POST', `/device/v1/phone-enrollments/${enrollmentId}/complete`, {
    json: {
      code: phoneCode,
      public_key: publicJwk,
      name: 'Second phone',
      platform: 'cli',
      proof: signText(
        privateKey,
        canonicalJson({
          purpose: 'countersign-phone-enrollment',
          enrollment_id: enrollmentId,
          code: phoneCode,
          public_key: publicJwk,
        }),
      ),
    },
  });
  expect(completed.status, completed.text).toBe(200);
  plantDeviceKey({ privateKey });
}, 60_000);

function plantDeviceKey(device: Pick<TestDevice, 'privateKey'>): void {
  const d = (device.privateKey.export({ format: 'jwk' }) as { d: string }).d;
  secrets.push(canary('device private key', d, Buffer.from(d, 'base64url')));
  const pkcs8 = device.privateKey.export({ format: 'der', type: 'pkcs8' });
  secrets.push(canary('device private key (PKCS #8)', pkcs8.toString('base64'), pkcs8));
}

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe('secrets canaries', () => {
  it('the search is sound: over twenty secrets were planted, and a canary is found in text and in bytes', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(20);
    for (const secret of secrets) expect(secret.forms.length, secret.what).toBeGreaterThanOrEqual(3);
    const sample = secrets[0] as Canary;
    expect(leaks(`x ${sample.forms[0]} y`, [sample])).not.toEqual([]);
    expect(leaks(Buffer.from(`\u0000${sample.forms.at(-1)}\u0000`), [sample])).not.toEqual([]);
  });

  it('no secret — TOTP seed, code, API key, webhook secret, hidden detail, device key — is in any log line (R85)', () => {
    const logs = server.logs.join('');
    expect(server.logs.length).toBeGreaterThan(30);
    expect(leaks(logs, secrets)).toEqual([]);
  });

  it('no full phone number or email is in any log line, however the client sent it (R85)', () => {
    expect(leaks(server.logs.join(''), personal)).toEqual([]);
  });

  it('no secret is in the store’s bytes in plain, hex or base64: seeds, webhook secrets and hidden details are sealed, keys and codes hashed (R2, R65, R66, R67)', async () => {
    const bytes = await storeBytes(server.db, server.config.databaseUrl);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(leaks(bytes, secrets)).toEqual([]);
  });

  it('the store does hold the data that is not secret (so the search reads the right bytes)', async () => {
    const bytes = await storeBytes(server.db, server.config.databaseUrl);
    expect(leaks(bytes, personal).length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from('Pay 10 EUR'))).toBe(true);
  });
});
