// Adding a device from one the user holds (docs/device-protocol.md, "Adding a device from another"), at the
// protocol: devices written from the doc with node:crypto (support/test-device.ts) against the real service.
import { admissionChallenge, admissionCode, canonicalJson } from '@countersign/protocol';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserVerification } from '../../src/apps/app.js';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';
import { SoftwarePasskey } from '../support/software-passkey.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  newKeyPair,
  type PendingRequest,
  signText,
  type TestDevice,
} from '../support/test-device.js';

let server: TestServer;
let phone = 4155553100;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Tenant {
  key: string;
  id: number;
}

interface Held {
  app: Tenant;
  /** The user's phone number, which registers the same user with another app (D8). */
  phone: string;
  authyId: number;
  holder: TestDevice;
}

async function tenant(server: TestServer, userVerification: UserVerification = 'off'): Promise<Tenant> {
  const created = await server.createApp({ name: 'Admission Bank', userVerification });
  return { key: created.apiKey, id: created.id };
}

async function register(server: TestServer, app: Tenant, number = nextPhone()): Promise<number> {
  const response = await call(server, 'POST', '/protected/json/users/new', {
    key: app.key,
    json: { user: { email: `u${number}@example.com`, cellphone: number, country_code: 1 } },
  });
  return (response.body.user as { id: number }).id;
}

async function enroll(server: TestServer, app: Tenant, authyId: number, name = 'Old phone') {
  const link = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, { key: app.key });
  return enrollWithLink(server, (link.body.enrollment as { url: string }).url, name);
}

/** An app with the setting, a user of it, and the device the user holds, enrolled by the app's link. */
async function held(s: TestServer = server, userVerification: UserVerification = 'off'): Promise<Held> {
  const app = await tenant(s, userVerification);
  const number = nextPhone();
  const authyId = await register(s, app, number);
  return { app, phone: number, authyId, holder: await enroll(s, app, authyId) };
}

async function start(s: TestServer, holder: TestDevice, timestamp?: number) {
  const started = await deviceCall(s, holder, 'POST', '/device/v1/admissions', undefined, {
    ...(timestamp !== undefined && { timestamp }),
  });
  expect(started.status, started.text).toBe(200);
  const admission = started.body.admission as { id: string; url: string; expires_at: string };
  const token = /#admit=([A-Za-z0-9_-]{43})$/.exec(admission.url)?.[1];
  if (token === undefined) throw new Error(`no token in ${admission.url}`);
  return { ...admission, token };
}

/** A new device's claim of the link with a key pair of its own; `sign` may sign another document. */
function claimBody(
  token: string,
  key = newKeyPair(),
  options: { name?: string; signed?: Record<string, unknown> } = {},
) {
  const name = options.name ?? 'New phone';
  const document = options.signed ?? {
    purpose: 'countersign-admission-claim',
    token,
    public_key: key.publicJwk,
    name,
    platform: 'web',
  };
  return {
    key,
    body: {
      token,
      public_key: key.publicJwk,
      name,
      platform: 'web',
      proof: signText(key.privateKey, canonicalJson(document)),
    },
  };
}

async function claim(s: TestServer, token: string, key = newKeyPair()) {
  const { body } = claimBody(token, key);
  const claimed = await call(s, 'POST', '/device/v1/admission-claims', { json: body });
  expect(claimed.status, claimed.text).toBe(200);
  return {
    admissionId: claimed.body.admission_id as string,
    code: claimed.body.code as string,
    /** The new device, under the id its approval will give it. */
    device: { id: claimed.body.device_id as string, privateKey: key.privateKey, publicJwk: key.publicJwk },
  };
}

interface AdmissionJson {
  id: string;
  status: string;
  authy_id: number;
  app_id: number | null;
  user_verification: string;
  new_device: {
    device_id: string;
    public_key: Record<string, string>;
    name: string;
    platform: string;
    code: string;
  } | null;
}

async function view(s: TestServer, holder: TestDevice, id: string): Promise<AdmissionJson> {
  const seen = await deviceCall(s, holder, 'GET', `/device/v1/admissions/${id}`);
  expect(seen.status, seen.text).toBe(200);
  return seen.body.admission as AdmissionJson;
}

/** The holding device's admission document for what it was shown, signed; members may be overridden. */
function approval(
  holder: Pick<TestDevice, 'id' | 'privateKey'>,
  admission: AdmissionJson,
  overrides: Record<string, unknown> = {},
  signedAt = Date.now(),
) {
  const claimed = admission.new_device;
  if (claimed === null) throw new Error('not claimed');
  const document = {
    purpose: 'countersign-admission',
    admission_id: admission.id,
    device_id: holder.id,
    new_device_id: claimed.device_id,
    new_public_key: claimed.public_key,
    new_device_name: claimed.name,
    new_device_platform: claimed.platform,
    authy_id: admission.authy_id,
    app_id: admission.app_id,
    signed_at: signedAt,
    ...overrides,
  };
  return { document, signature: signText(holder.privateKey, canonicalJson(document)) };
}

function approve(s: TestServer, holder: TestDevice, id: string, body: object, timestamp?: number) {
  return deviceCall(s, holder, 'POST', `/device/v1/admissions/${id}/approve`, body, {
    ...(timestamp !== undefined && { timestamp }),
  });
}

/** Starts, claims and approves: the new device, admitted. */
async function admit(s: TestServer, h: Held) {
  const { token } = await start(s, h.holder);
  const claimed = await claim(s, token);
  const admission = await view(s, h.holder, claimed.admissionId);
  const approved = await approve(s, h.holder, claimed.admissionId, approval(h.holder, admission));
  expect(approved.status, approved.text).toBe(200);
  return claimed;
}

const LINK_REFUSED = {
  message: 'The admission link is invalid, used or expired',
  success: false,
  errors: { message: 'The admission link is invalid, used or expired' },
  error_code: '60034',
};
const NOT_FOUND = {
  message: 'Admission not found',
  success: false,
  errors: { message: 'Admission not found' },
  error_code: '60031',
};

describe('a device added from one the user holds', () => {
  it('gets its own device id and the holder’s accounts, answers a request, and its receipt names it', async () => {
    const h = await held();
    const started = await start(server, h.holder);
    expect(started.url).toBe(`${server.config.publicUrl}/authenticator/#admit=${started.token}`);
    const key = newKeyPair();
    const claimed = await claim(server, started.token, key);
    expect(claimed.admissionId).toBe(started.id);
    // Both screens show the same code, each computing it from what it holds.
    expect(claimed.code).toMatch(/^[0-9]{6}$/);
    expect(claimed.code).toBe(admissionCode(started.id, key.publicJwk as never));

    // Before the approval the new device is nobody: its key opens nothing but its own wait.
    const early = await deviceCall(server, claimed.device, 'GET', '/device/v1/requests');
    expect(early.status).toBe(401);
    const waiting = await deviceCall(
      server,
      claimed.device,
      'GET',
      `/device/v1/admissions/${started.id}/status`,
    );
    expect(waiting.body).toEqual({ status: 'claimed', success: true });

    const admission = await view(server, h.holder, started.id);
    expect(admission).toEqual({
      id: started.id,
      status: 'claimed',
      expires_at: started.expires_at,
      authy_id: h.authyId,
      app_id: h.app.id,
      user_verification: 'off',
      new_device: {
        device_id: claimed.device.id,
        public_key: key.publicJwk,
        name: 'New phone',
        platform: 'web',
        code: claimed.code,
      },
    });
    const approved = await approve(server, h.holder, started.id, approval(h.holder, admission));
    expect(approved.body).toEqual({ status: 'approved', uv: false, success: true });

    const outcome = await deviceCall(
      server,
      claimed.device,
      'GET',
      `/device/v1/admissions/${started.id}/status`,
    );
    expect(outcome.body).toEqual({
      status: 'approved',
      device_id: claimed.device.id,
      accounts: h.holder.accounts,
      success: true,
    });

    // The app sees two devices, and the holder lists the new one beside itself.
    const status = await call(server, 'GET', `/protected/json/users/${h.authyId}/status`, { key: h.app.key });
    const detailed = (status.body.status as { detailed_devices: Array<{ device_id: string; name: string }> })
      .detailed_devices;
    expect(detailed.map((d) => d.device_id).sort()).toEqual([h.holder.id, claimed.device.id].sort());
    const listed = await deviceCall(server, h.holder, 'GET', '/device/v1/devices');
    expect((listed.body.devices as Array<{ device_id: string }>).map((d) => d.device_id).sort()).toEqual(
      [h.holder.id, claimed.device.id].sort(),
    );

    // It answers a request, and the receipt names it and carries its key.
    const created = await call(server, 'POST', `/onetouch/json/users/${h.authyId}/approval_requests`, {
      key: h.app.key,
      json: { message: 'Login from a new place', seconds_to_expire: 120 },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const pending = await deviceCall(server, claimed.device, 'GET', '/device/v1/requests');
    const request = (pending.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
    if (request === undefined) throw new Error('the new device does not see the request');
    const answered = await deviceCall(
      server,
      claimed.device,
      'POST',
      `/device/v1/requests/${uuid}/answer`,
      answerFor(claimed.device, request, 'approved'),
    );
    expect(answered.body).toEqual({ status: 'approved', success: true });
    const final = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: h.app.key });
    const receipt = (final.body.approval_request as { receipt: string }).receipt;
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as Parameters<
      typeof createLocalJWKSet
    >[0];
    expect(decodeProtectedHeader(receipt).alg).toBe('ES256');
    const payload = JSON.parse(
      new TextDecoder().decode((await compactVerify(receipt, createLocalJWKSet(jwks))).payload),
    ) as { device_id: string; device_public_key: unknown };
    expect(payload.device_id).toBe(claimed.device.id);
    expect(payload.device_public_key).toEqual(key.publicJwk);

    // The approval was recorded for the life of the account (R30), and no log line holds the token.
    const events = await server.db
      .selectFrom('security_events')
      .select(['type', 'device_id'])
      .where('user_id', '=', h.authyId)
      .orderBy('created_at')
      .execute();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['device.admission_started', 'device.admission_claimed', 'device.registered']),
    );
    expect(
      events.find((e) => e.type === 'device.registered' && e.device_id === claimed.device.id),
    ).toBeDefined();
    expect(server.logs.some((line) => line.includes(started.token))).toBe(false);
  });

  it('a link is claimed once: unknown, used and expired links get one answer', async () => {
    const clock = testClock(Date.now());
    const s = await startTestServer({ clock });
    try {
      const h = await held(s);
      const { token } = await start(s, h.holder, clock.now());
      await claim(s, token);
      const refusals = [];
      refusals.push(await call(s, 'POST', '/device/v1/admission-claims', { json: claimBody(token).body }));
      const unknown = 'A'.repeat(43);
      refusals.push(await call(s, 'POST', '/device/v1/admission-claims', { json: claimBody(unknown).body }));
      const late = await start(s, h.holder, clock.now());
      clock.advance(10 * 60_000);
      refusals.push(
        await call(s, 'POST', '/device/v1/admission-claims', { json: claimBody(late.token).body }),
      );
      for (const refused of refusals) {
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual(LINK_REFUSED);
      }
    } finally {
      await s.close();
    }
  });

  it('an approval after the admission expired is refused, and the new device learns it expired', async () => {
    const clock = testClock(Date.now());
    const s = await startTestServer({ clock });
    try {
      const h = await held(s);
      const { token, id } = await start(s, h.holder, clock.now());
      const claimed = await claim(s, token);
      const admission = await view(s, h.holder, id);
      clock.advance(10 * 60_000);
      const late = await approve(
        s,
        h.holder,
        id,
        approval(h.holder, admission, {}, clock.now()),
        clock.now(),
      );
      expect(late.status).toBe(410);
      const outcome = await deviceCall(
        s,
        claimed.device,
        'GET',
        `/device/v1/admissions/${id}/status`,
        undefined,
        {
          timestamp: clock.now(),
        },
      );
      expect(outcome.body).toEqual({ status: 'expired', success: true });
      const count = await s.db
        .selectFrom('devices')
        .select('id')
        .where('id', '=', claimed.device.id)
        .execute();
      expect(count).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('of 20 concurrent claims of one link exactly one wins', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    const claims = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(server, 'POST', '/device/v1/admission-claims', { json: claimBody(token).body }),
      ),
    );
    const won = claims.filter((c) => c.status === 200);
    expect(won).toHaveLength(1);
    for (const lost of claims.filter((c) => c.status !== 200)) expect(lost.body).toEqual(LINK_REFUSED);
    const admission = await view(server, h.holder, id);
    expect(admission.new_device?.device_id).toBe(won[0]?.body.device_id);
  });

  it('of 10 concurrent approvals exactly one creates the device', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    const claimed = await claim(server, token);
    const admission = await view(server, h.holder, id);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => approve(server, h.holder, id, approval(h.holder, admission))),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(r.status).toBe(409);
    const rows = await server.db
      .selectFrom('devices')
      .select('id')
      .where('id', '=', claimed.device.id)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('a claim whose proof does not verify under its key is refused and leaves the link claimable', async () => {
    const h = await held();
    const { token } = await start(server, h.holder);
    const key = newKeyPair();
    const other = newKeyPair();
    const forged = claimBody(token, key);
    forged.body.proof = signText(
      other.privateKey,
      canonicalJson({
        purpose: 'countersign-admission-claim',
        token,
        public_key: key.publicJwk,
        name: 'New phone',
        platform: 'web',
      }),
    );
    const wrongDocument = claimBody(token, key, {
      signed: { purpose: 'countersign-enrollment', token, public_key: key.publicJwk },
    });
    for (const body of [forged.body, wrongDocument.body]) {
      const refused = await call(server, 'POST', '/device/v1/admission-claims', { json: body });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('The proof of possession does not verify');
    }
    await claim(server, token, key);
  });

  it('only the holding device sees and approves its admission: not another user’s, nor another app’s (D8)', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    await claim(server, token);
    const admission = await view(server, h.holder, id);
    const stranger = (await held()).holder;
    // The same user, through another app's link.
    const otherApp = await tenant(server);
    const sameUser = await register(server, otherApp, h.phone);
    expect(sameUser).toBe(h.authyId);
    const otherAppsDevice = await enroll(server, otherApp, sameUser, 'Other app phone');
    for (const device of [stranger, otherAppsDevice]) {
      const seen = await deviceCall(server, device, 'GET', `/device/v1/admissions/${id}`);
      expect(seen.status).toBe(404);
      expect(seen.body).toEqual(NOT_FOUND);
      const approved = await approve(server, device, id, approval(device, admission));
      expect(approved.status).toBe(404);
      expect(approved.body).toEqual(NOT_FOUND);
      const denied = await deviceCall(server, device, 'POST', `/device/v1/admissions/${id}/deny`);
      expect(denied.status).toBe(404);
    }
    const unknown = await deviceCall(
      server,
      h.holder,
      'GET',
      '/device/v1/admissions/00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.body).toEqual(NOT_FOUND);
    expect((await view(server, h.holder, id)).status).toBe('claimed');
  });

  it('the new device gets exactly the holder’s scope: another app’s requests stay out of its reach (D8)', async () => {
    const h = await held();
    const otherApp = await tenant(server);
    expect(await register(server, otherApp, h.phone)).toBe(h.authyId);
    const claimed = await admit(server, h);
    const created = await call(server, 'POST', `/onetouch/json/users/${h.authyId}/approval_requests`, {
      key: otherApp.key,
      json: { message: 'Another app asks', seconds_to_expire: 120 },
    });
    expect(created.status).toBe(200);
    const pending = await deviceCall(server, claimed.device, 'GET', '/device/v1/requests');
    expect(pending.body).toEqual({ requests: [], success: true });
    const outcome = await deviceCall(
      server,
      claimed.device,
      'GET',
      `/device/v1/admissions/${claimed.admissionId}/status`,
    );
    expect((outcome.body.accounts as Array<{ app_id: number }>).map((a) => a.app_id)).toEqual([h.app.id]);
  });

  it('an approval is refused unless the holder signed this very admission', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    await claim(server, token);
    const admission = await view(server, h.holder, id);
    const good = approval(h.holder, admission);
    const badSignature = await approve(server, h.holder, id, {
      document: good.document,
      signature: signText(newKeyPair().privateKey, canonicalJson(good.document)),
    });
    expect(badSignature.status).toBe(401);
    expect(badSignature.body.message).toBe('Could not verify the admission signature');
    const otherKey = newKeyPair().publicJwk;
    const mutations: Array<[string, Record<string, unknown>]> = [
      ['new_public_key', { new_public_key: otherKey }],
      ['new_device_name', { new_device_name: 'Attacker' }],
      ['new_device_id', { new_device_id: '00000000-0000-4000-8000-000000000000' }],
      ['app_id', { app_id: null }],
      ['authy_id', { authy_id: h.authyId + 1 }],
      ['signed_at', { signed_at: Date.now() - 6 * 60_000 }],
      ['purpose', { purpose: 'countersign-answer' }],
    ];
    for (const [field, change] of mutations) {
      const refused = await approve(server, h.holder, id, approval(h.holder, admission, change));
      expect(refused.status, field).toBe(400);
      expect(refused.body.message, field).toMatch(new RegExp(`${field}$`));
    }
    expect((await view(server, h.holder, id)).status).toBe('claimed');
    // Nothing claimed: nothing to approve.
    const unclaimed = await start(server, h.holder);
    const early = await approve(
      server,
      h.holder,
      unclaimed.id,
      approval(h.holder, admission, { admission_id: unclaimed.id }),
    );
    expect(early.status).toBe(409);
  });

  it('the holder cannot let in its own key', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    await claim(server, token, { publicJwk: h.holder.publicJwk, privateKey: h.holder.privateKey });
    const admission = await view(server, h.holder, id);
    const refused = await approve(server, h.holder, id, approval(h.holder, admission));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/new_public_key$/);
  });

  it('a revoked holder can neither open nor approve an admission (R31)', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    await claim(server, token);
    const admission = await view(server, h.holder, id);
    const revoked = await deviceCall(server, h.holder, 'DELETE', `/device/v1/devices/${h.holder.id}`);
    expect(revoked.status).toBe(200);
    expect((await approve(server, h.holder, id, approval(h.holder, admission))).status).toBe(401);
    expect((await deviceCall(server, h.holder, 'POST', '/device/v1/admissions')).status).toBe(401);
  });

  it('a denied admission can no longer be claimed nor approved, and the new device learns it', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    const claimed = await claim(server, token);
    const admission = await view(server, h.holder, id);
    const denied = await deviceCall(server, h.holder, 'POST', `/device/v1/admissions/${id}/deny`);
    expect(denied.body).toEqual({ success: true });
    expect((await approve(server, h.holder, id, approval(h.holder, admission))).status).toBe(409);
    const outcome = await deviceCall(server, claimed.device, 'GET', `/device/v1/admissions/${id}/status`);
    expect(outcome.body).toEqual({ status: 'denied', success: true });
    const unclaimed = await start(server, h.holder);
    await deviceCall(server, h.holder, 'POST', `/device/v1/admissions/${unclaimed.id}/deny`);
    const late = await call(server, 'POST', '/device/v1/admission-claims', {
      json: claimBody(unclaimed.token).body,
    });
    expect(late.body).toEqual(LINK_REFUSED);
  });

  it('an id that is no admission’s is never looked up: a NUL byte is refused like any unknown id', async () => {
    const h = await held();
    const seen = await deviceCall(server, h.holder, 'GET', '/device/v1/admissions/%00');
    expect(seen.status).toBe(404);
    expect(seen.body).toEqual(NOT_FOUND);
    const waited = await deviceCall(server, h.holder, 'GET', '/device/v1/admissions/%00/status');
    expect(waited.status).toBe(401);
  });

  it('the status of an admission answers only the key that claimed it', async () => {
    const h = await held();
    const { token, id } = await start(server, h.holder);
    const claimed = await claim(server, token);
    const impostor = { id: claimed.device.id, privateKey: newKeyPair().privateKey };
    const refused = await deviceCall(server, impostor, 'GET', `/device/v1/admissions/${id}/status`);
    expect(refused.status).toBe(401);
    const holderAsks = await deviceCall(server, h.holder, 'GET', `/device/v1/admissions/${id}/status`);
    expect(holderAsks.status).toBe(401);
  });

  describe('with user verification (D14)', () => {
    async function withPasskey(setting: UserVerification) {
      const h = await held(server, setting);
      const passkey = new SoftwarePasskey(server.config.publicUrl);
      const options = await deviceCall(server, h.holder, 'GET', '/device/v1/passkey/options');
      const credential = passkey.register(options.body.options as { challenge: string; rp: { id: string } });
      const registered = await deviceCall(server, h.holder, 'POST', '/device/v1/passkey', { credential });
      expect(registered.status, registered.text).toBe(200);
      return { h, passkey, rpId: new URL(server.config.publicUrl).hostname };
    }

    it('required: an approval without an assertion is refused; one over the document’s hash is accepted', async () => {
      const { h, passkey, rpId } = await withPasskey('required');
      const { token, id } = await start(server, h.holder);
      const claimed = await claim(server, token);
      const admission = await view(server, h.holder, id);
      expect(admission.user_verification).toBe('required');
      const signed = approval(h.holder, admission);
      const bare = await approve(server, h.holder, id, signed);
      expect(bare.status).toBe(403);
      expect(bare.body.message).toBe(
        'This approval needs user verification: approve with this device’s passkey',
      );
      // An assertion over another document (another signing time) does not carry over.
      const other = approval(h.holder, admission, { signed_at: signed.document.signed_at - 1 });
      const moved = await approve(server, h.holder, id, {
        ...signed,
        assertion: passkey.assert(admissionChallenge(other.document as never), rpId),
      });
      expect(moved.status).toBe(401);
      const verified = await approve(server, h.holder, id, {
        ...signed,
        assertion: passkey.assert(admissionChallenge(signed.document as never), rpId),
      });
      expect(verified.body).toEqual({ status: 'approved', uv: true, success: true });
      const outcome = await deviceCall(server, claimed.device, 'GET', `/device/v1/admissions/${id}/status`);
      expect(outcome.body.status).toBe('approved');
    });

    it('required without a passkey: the holder cannot let a device in', async () => {
      const h = await held(server, 'required');
      const { token, id } = await start(server, h.holder);
      await claim(server, token);
      const refused = await approve(
        server,
        h.holder,
        id,
        approval(h.holder, await view(server, h.holder, id)),
      );
      expect(refused.status).toBe(403);
    });

    it('preferred: a holder with a passkey must use it; one without approves with its key', async () => {
      const { h } = await withPasskey('preferred');
      const { token, id } = await start(server, h.holder);
      await claim(server, token);
      const refused = await approve(
        server,
        h.holder,
        id,
        approval(h.holder, await view(server, h.holder, id)),
      );
      expect(refused.status).toBe(403);
      const plain = await held(server, 'preferred');
      await admit(server, plain);
    });
  });
});
