// User verification with passkeys (D14), at the protocol: a device written from docs/device-protocol.md
// (node:crypto keys) registers a passkey made by Chromium's virtual platform authenticator, and its answers
// carry that passkey's assertions over the answer document's hash. The real service checks them with
// @simplewebauthn/server against its PUBLIC_URL.
import { answerChallenge, canonicalJson } from '@countersign/protocol';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserVerification } from '../../src/apps/app.js';
import { PasskeyRepository } from '../../src/devices/passkey.repository.js';
import { openPhone } from '../support/browser.js';
import { call, type TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import {
  addVirtualAuthenticator,
  assertPasskey,
  createPasskey,
  type PasskeySuite,
  startPasskeySuite,
  virtualCredentials,
} from '../support/webauthn.js';

let server: TestServer;
let browser: Browser;
/** The origin the browser and the passkeys know the service by: its PUBLIC_URL. */
let origin: string;
let phones = 0;
const contexts: BrowserContext[] = [];

let suite: PasskeySuite | undefined;

beforeAll(async () => {
  suite = await startPasskeySuite();
  ({ server, browser, origin } = suite);
}, 60_000);

afterAll(() => suite?.close(contexts));

interface Setup {
  key: string;
  appId: number;
  authyId: number;
  device: TestDevice;
  /** A page at the service's origin whose virtual authenticator holds the device's passkey. */
  page: Page;
  authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
  credentialId: string | null;
}

/** An app with the setting, a user, a device enrolled by its link, and (unless `passkey` is false) its passkey. */
async function setUp(userVerification: UserVerification, { passkey = true } = {}): Promise<Setup> {
  const app = await server.createApp({ name: 'Euro Bank', userVerification });
  phones += 1;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: 'u@example.com', cellphone: `509-555-${2000 + phones}`, country_code: '1' } },
  });
  const authyId = (user.body.user as { id: number }).id;
  const link = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.apiKey,
  });
  const device = await enrollWithLink(server, (link.body.enrollment as { url: string }).url);
  const { context, page } = await openPhone(browser);
  contexts.push(context);
  await page.goto(`${origin}/healthz`);
  const authenticator = await addVirtualAuthenticator(page);
  let credentialId: string | null = null;
  if (passkey) credentialId = await registerPasskey(device, page);
  return { key: app.apiKey, appId: app.id, authyId, device, page, authenticator, credentialId };
}

/** Registers a passkey of the page's authenticator for the device, as the authenticator does after enrolling. */
async function registerPasskey(device: TestDevice, page: Page): Promise<string> {
  const options = await deviceCall(server, device, 'GET', '/device/v1/passkey/options');
  expect(options.status, options.text).toBe(200);
  const credential = await createPasskey(page, options.body.options);
  const registered = await deviceCall(server, device, 'POST', '/device/v1/passkey', { credential });
  expect(registered.status, registered.text).toBe(200);
  expect(registered.body).toEqual({ credential_id: credential.id, success: true });
  return String(credential.id);
}

async function newRequest(s: Setup, message = 'Transfer €500 to Bob'): Promise<PendingRequest> {
  const created = await call(server, 'POST', `/onetouch/json/users/${s.authyId}/approval_requests`, {
    key: s.key,
    json: { message, details: { Amount: '€500' }, seconds_to_expire: 120 },
  });
  expect(created.status, created.text).toBe(200);
  const uuid = (created.body.approval_request as { uuid: string }).uuid;
  const listed = await deviceCall(server, s.device, 'GET', '/device/v1/requests');
  const request = (listed.body.requests as Array<PendingRequest & { user_verification: string }>).find(
    (r) => r.uuid === uuid,
  );
  if (request === undefined) throw new Error(`request ${uuid} is not listed for the device`);
  return request;
}

/** The passkey's assertion over `challenge`. */
function assertion(s: Setup, challenge: string) {
  return assertPasskey(s.page, { challenge, rpId: 'localhost', credentialId: s.credentialId ?? '' });
}

function answer(s: Setup, uuid: string, body: object) {
  return deviceCall(server, s.device, 'POST', `/device/v1/requests/${uuid}/answer`, body);
}

async function statusOf(s: Setup, uuid: string) {
  const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: s.key });
  return response.body.approval_request as { status: string; receipt?: string };
}

async function receiptOf(s: Setup, uuid: string) {
  const { receipt } = await statusOf(s, uuid);
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(String(receipt), jwks, { audience: String(s.appId), subject: uuid });
  return payload as Record<string, unknown>;
}

/** Why the service's last 60031 refusal was made, as its security log line says (never the client). */
function lastRefusalReason(): string {
  const lines = server.logs
    .map((line) => JSON.parse(line) as { msg?: string; code?: string; reason?: string })
    .filter((line) => line.msg === 'security event' && line.code === '60031');
  return lines.at(-1)?.reason ?? '';
}

const UV_REQUIRED = {
  message: 'This approval needs user verification: approve with this device’s passkey',
  success: false,
  errors: { message: 'This approval needs user verification: approve with this device’s passkey' },
  error_code: '60031',
};
const UV_REFUSED = {
  message: 'Could not verify the user verification assertion',
  success: false,
  errors: { message: 'Could not verify the user verification assertion' },
  error_code: '60031',
};

describe('user verification with passkeys (D14)', () => {
  it('required: an approval without an assertion is refused (403 60031) and the request stays pending; with the passkey’s assertion it is approved, and the receipt says uv: true and holds the assertion', async () => {
    const s = await setUp('required');
    const request = await newRequest(s);
    expect(request).toMatchObject({ user_verification: 'required' });

    const bare = answerFor(s.device, request, 'approved');
    const refused = await answer(s, request.uuid, bare);
    expect([refused.status, refused.body]).toEqual([403, UV_REQUIRED]);
    expect((await statusOf(s, request.uuid)).status).toBe('pending');

    const signed = answerFor(s.device, request, 'approved');
    const passkey = await assertion(s, answerChallenge(signed.document as never));
    const accepted = await answer(s, request.uuid, { ...signed, assertion: passkey });
    expect([accepted.status, accepted.body]).toEqual([200, { status: 'approved', success: true }]);

    const receipt = await receiptOf(s, request.uuid);
    expect(receipt).toMatchObject({ status: 'approved', uv: true, answer: signed.document });
    expect(receipt.uv_missing).toBeUndefined();
    const held = receipt.passkey as Record<string, string>;
    expect(Object.keys(held).sort()).toEqual([
      'authenticator_data',
      'client_data_json',
      'credential_id',
      'public_key',
      'signature',
    ]);
    expect(held.credential_id).toBe(s.credentialId);
    // What the passkey signed: this answer document's hash, at the service's origin, with the user verified.
    const clientData = JSON.parse(Buffer.from(held.client_data_json ?? '', 'base64url').toString('utf8'));
    expect(clientData).toMatchObject({
      type: 'webauthn.get',
      origin,
      challenge: Buffer.from(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(signed.document))),
      ).toString('base64url'),
    });
    const flags = Buffer.from(held.authenticator_data ?? '', 'base64url')[32] ?? 0;
    expect(flags & 0x04).toBe(0x04);
  });

  it('required: a denial needs no passkey, and its receipt says why uv is false', async () => {
    const s = await setUp('required');
    const request = await newRequest(s);
    const denied = await answer(s, request.uuid, answerFor(s.device, request, 'denied'));
    expect([denied.status, denied.body]).toEqual([200, { status: 'denied', success: true }]);
    expect(await receiptOf(s, request.uuid)).toMatchObject({ uv: false, uv_missing: 'denial' });
  });

  it('a forged assertion is refused (401 60031) and changes nothing: a bad signature, a challenge that is not the answer’s hash, one made for another answer', async () => {
    const s = await setUp('required');
    const request = await newRequest(s);
    const signed = answerFor(s.device, request, 'approved');
    const good = await assertion(s, answerChallenge(signed.document as never));
    const response = good.response as Record<string, string>;
    const signature = Buffer.from(response.signature ?? '', 'base64url');
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    const badSignature = { ...good, response: { ...response, signature: signature.toString('base64url') } };
    const otherChallenge = await assertion(s, Buffer.alloc(32, 7).toString('base64url'));
    const later = answerFor(s.device, request, 'approved', { signed_at: Date.now() + 1000 });
    const forAnother = await assertion(s, answerChallenge(later.document as never));

    const cases = [
      [badSignature, /^the assertion’s signature does not verify$/],
      [otherChallenge, /^Unexpected authentication response challenge/],
      [forAnother, /^Unexpected authentication response challenge/],
    ] as const;
    for (const [forged, reason] of cases) {
      const refused = await answer(s, request.uuid, { ...signed, assertion: forged });
      expect([refused.status, refused.body]).toEqual([401, UV_REFUSED]);
      expect(lastRefusalReason()).toMatch(reason);
    }
    // An assertion of another passkey than the device's is refused too.
    const stranger = await setUp('required');
    const theirs = await assertion(stranger, answerChallenge(signed.document as never));
    const refused = await answer(s, request.uuid, { ...signed, assertion: theirs });
    expect([refused.status, refused.body]).toEqual([401, UV_REFUSED]);
    expect(lastRefusalReason()).toBe('not the device’s passkey');
    expect((await statusOf(s, request.uuid)).status).toBe('pending');

    // The genuine one still works: nothing above moved the passkey's counter.
    const accepted = await answer(s, request.uuid, { ...signed, assertion: good });
    expect([accepted.status, accepted.body]).toEqual([200, { status: 'approved', success: true }]);
  });

  it('a replayed assertion is refused: the signature counter must grow, and an assertion is bound to its one answer', async () => {
    const s = await setUp('required');
    const first = await newRequest(s, 'First transfer');
    const second = await newRequest(s, 'Second transfer');
    const firstAnswer = answerFor(s.device, first, 'approved');
    const secondAnswer = answerFor(s.device, second, 'approved');
    // Made in this order, the second request's assertion carries the lower counter.
    const forSecond = await assertion(s, answerChallenge(secondAnswer.document as never));
    const forFirst = await assertion(s, answerChallenge(firstAnswer.document as never));
    const [credential] = await virtualCredentials(s.authenticator);
    expect(credential?.signCount).toBeGreaterThan(1);

    const accepted = await answer(s, first.uuid, { ...firstAnswer, assertion: forFirst });
    expect(accepted.status, accepted.text).toBe(200);
    // Valid signature and challenge, but a counter the service has seen pass: a replay or a cloned passkey.
    const stale = await answer(s, second.uuid, { ...secondAnswer, assertion: forSecond });
    expect([stale.status, stale.body]).toEqual([401, UV_REFUSED]);
    expect(lastRefusalReason()).toMatch(/^Response counter value \d+ was lower than expected \d+$/);
    // The accepted assertion again, on another request's answer: its challenge is the first answer's hash.
    const reused = await answer(s, second.uuid, { ...secondAnswer, assertion: forFirst });
    expect([reused.status, reused.body]).toEqual([401, UV_REFUSED]);
    expect(lastRefusalReason()).toMatch(/^Unexpected authentication response challenge/);
    expect((await statusOf(s, second.uuid)).status).toBe('pending');

    // A fresh assertion with a higher counter is accepted.
    const fresh = await assertion(s, answerChallenge(secondAnswer.document as never));
    const approved = await answer(s, second.uuid, { ...secondAnswer, assertion: fresh });
    expect([approved.status, approved.body]).toEqual([200, { status: 'approved', success: true }]);
  });

  it('preferred: a device that registered no passkey (no WebAuthn) answers with its key alone and the receipt says uv: false, no_passkey; once it has a passkey, an approval needs it', async () => {
    const s = await setUp('preferred', { passkey: false });
    const request = await newRequest(s);
    expect(request).toMatchObject({ user_verification: 'preferred' });
    const approved = await answer(s, request.uuid, answerFor(s.device, request, 'approved'));
    expect([approved.status, approved.body]).toEqual([200, { status: 'approved', success: true }]);
    const receipt = await receiptOf(s, request.uuid);
    expect(receipt).toMatchObject({ uv: false, uv_missing: 'no_passkey' });
    expect(receipt.passkey).toBeUndefined();

    s.credentialId = await registerPasskey(s.device, s.page);
    const next = await newRequest(s);
    const refused = await answer(s, next.uuid, answerFor(s.device, next, 'approved'));
    expect([refused.status, refused.body]).toEqual([403, UV_REQUIRED]);
    const signed = answerFor(s.device, next, 'approved');
    const passkey = await assertion(s, answerChallenge(signed.document as never));
    const accepted = await answer(s, next.uuid, { ...signed, assertion: passkey });
    expect(accepted.status, accepted.text).toBe(200);
    expect(await receiptOf(s, next.uuid)).toMatchObject({ uv: true });
  });

  it('off: the device key alone answers, and the receipt says uv: false, not_requested', async () => {
    const s = await setUp('off', { passkey: false });
    const request = await newRequest(s);
    const approved = await answer(s, request.uuid, answerFor(s.device, request, 'approved'));
    expect(approved.status, approved.text).toBe(200);
    expect(await receiptOf(s, request.uuid)).toMatchObject({ uv: false, uv_missing: 'not_requested' });
  });

  it('of 20 concurrent acceptances of one counter value, exactly one advances the passkey’s counter', async () => {
    const s = await setUp('required');
    const passkeys = new PasskeyRepository(server.store);
    const stored = await passkeys.find(s.device.id);
    const next = (stored?.counter ?? 0) + 1;
    const won = await Promise.all(
      Array.from({ length: 20 }, () => passkeys.advanceCounter(s.device.id, next, Date.now())),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await passkeys.find(s.device.id))?.counter).toBe(next);
    expect(await passkeys.advanceCounter(s.device.id, next - 1, Date.now())).toBe(false);
  });

  it('a passkey registers once, and only with a challenge the service issued to this device', async () => {
    const s = await setUp('required', { passkey: false });
    const other = await setUp('required', { passkey: false });
    // Options issued to another device: their challenge does not verify for this one.
    const theirs = await deviceCall(server, other.device, 'GET', '/device/v1/passkey/options');
    const credential = await createPasskey(s.page, theirs.body.options);
    const refused = await deviceCall(server, s.device, 'POST', '/device/v1/passkey', { credential });
    expect([refused.status, refused.body.error_code, refused.body.message]).toEqual([
      400,
      '60034',
      'The passkey registration does not verify',
    ]);
    s.credentialId = await registerPasskey(s.device, s.page);
    const options = await deviceCall(server, s.device, 'GET', '/device/v1/passkey/options');
    const again = await createPasskey(s.page, options.body.options);
    const twice = await deviceCall(server, s.device, 'POST', '/device/v1/passkey', { credential: again });
    expect([twice.status, twice.body.message]).toEqual([400, 'This device has a passkey already']);
  });
});
