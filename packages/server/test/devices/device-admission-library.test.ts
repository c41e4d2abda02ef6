// `@countersign/device` adds a device from another against the real service, in process: the holding
// device's Wallet opens the link, a second Wallet claims it, both show one code, the holder approves (with
// its passkey where the app requires it), and the new device answers a request under its own key.
import { type Device, DeviceError, memoryStorage, Wallet } from '@countersign/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserVerification } from '../../src/apps/app.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { SoftwarePasskey } from '../support/software-passkey.js';

let server: TestServer;
let phone = 5_095_551_400;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** A link of the service as the harness reaches it (it learns its port after PUBLIC_URL). */
const here = (url: string) => {
  const parsed = new URL(url);
  return `${server.url}${parsed.pathname}${parsed.hash}`;
};

async function holding(userVerification: UserVerification) {
  const app = await server.createApp({ name: 'Wallet Bank', userVerification });
  phone += 1;
  const user = await call(server, 'POST', '/protected/json/users/new', {
    key: app.apiKey,
    json: { user: { email: `w${phone}@example.com`, cellphone: String(phone), country_code: '1' } },
  });
  const authyId = (user.body.user as { id: number }).id;
  const link = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.apiKey,
  });
  const wallet = new Wallet({ storage: memoryStorage(), name: 'Old phone', platform: 'web' });
  const { account } = await wallet.enrollWithLink(here((link.body.enrollment as { url: string }).url));
  return { app, authyId, wallet, holder: await wallet.device(account.id) };
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeviceError) return error.code;
    throw error;
  }
  throw new Error('expected a DeviceError');
}

/** A passkey for the holder, registered as the authenticator's Screen lock panel does. */
async function withPasskey(holder: Device) {
  const passkey = new SoftwarePasskey(server.config.publicUrl);
  const options = await holder.passkeyOptions();
  await holder.registerPasskey(passkey.register(options as { challenge: string; rp: { id: string } }));
  const rpId = new URL(server.config.publicUrl).hostname;
  return (challenge: string) => Promise.resolve(passkey.assert(challenge, rpId));
}

describe('@countersign/device: a device added from another', () => {
  it('the new wallet holds the same app under its own key and answers its requests', async () => {
    const { app, authyId, holder } = await holding('off');
    const opened = await holder.startAdmission();
    expect(opened.url).toMatch(/\/authenticator\/#admit=[A-Za-z0-9_-]{43}$/);

    const joining = new Wallet({ storage: memoryStorage(), name: 'New laptop', platform: 'cli' });
    const { id, claim } = await joining.claimAdmission(here(opened.url));
    // Listed only once approved.
    expect(await joining.accounts()).toEqual([]);
    const seen = await holder.waitForClaim(opened.id, { intervalMs: 50 });
    expect(seen.status).toBe('claimed');
    expect(seen.new_device?.name).toBe('New laptop');
    expect(seen.new_device?.code).toBe(claim.code);

    // The holder signs nothing unless the claimed key gives the code the user checked.
    const otherCode = claim.code === '000000' ? '000001' : '000000';

    expect(await errorCode(holder.approveAdmission(opened.id, { code: otherCode }))).toBe('conflict');
    expect(await holder.approveAdmission(opened.id, { code: claim.code })).toEqual({ uv: false });
    const { outcome, account } = await joining.waitForAdmission(id, { intervalMs: 50 });
    expect(outcome.status).toBe('approved');
    expect(account?.kind === 'countersign' && account.apps).toEqual([
      { app_id: app.id, app_name: 'Wallet Bank', authy_id: authyId },
    ]);
    const newDevice = await joining.device(id);
    expect((await newDevice.enrollment())?.device_id).toBe(claim.device_id);
    expect((await holder.devices()).map((d) => d.device_id)).toContain(claim.device_id);

    const created = await call(server, 'POST', `/onetouch/json/users/${authyId}/approval_requests`, {
      key: app.apiKey,
      json: { message: 'Sign in', seconds_to_expire: 120 },
    });
    const uuid = (created.body.approval_request as { uuid: string }).uuid;
    const { requests } = await joining.pending();
    const request = requests.find((r) => r.request.uuid === uuid)?.request;
    if (request === undefined) throw new Error('the new device does not see the request');
    expect(await newDevice.answer(request, 'approved')).toEqual({ status: 'approved' });
    const status = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key: app.apiKey });
    const receipt = (status.body.approval_request as { receipt: string }).receipt;
    const payload = JSON.parse(Buffer.from(receipt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      device_id: string;
    };
    expect(payload.device_id).toBe(claim.device_id);
  });

  it('where the app requires user verification, the holder approves with its passkey', async () => {
    const { holder } = await holding('required');
    const verifyUser = await withPasskey(holder);
    const opened = await holder.startAdmission();
    const joining = new Wallet({ storage: memoryStorage(), name: 'New phone', platform: 'web' });
    const { id } = await joining.claimAdmission(here(opened.url));
    expect((await holder.admissionStatus(opened.id)).user_verification).toBe('required');
    expect(await errorCode(holder.approveAdmission(opened.id))).toBe('forbidden');
    expect(await holder.approveAdmission(opened.id, { verifyUser })).toEqual({ uv: true });
    expect((await joining.waitForAdmission(id, { intervalMs: 50 })).outcome.status).toBe('approved');
  });

  it('a denied admission leaves the new wallet as it was, and its link is spent', async () => {
    const { holder } = await holding('off');
    const opened = await holder.startAdmission();
    const joining = new Wallet({ storage: memoryStorage(), name: 'New phone', platform: 'web' });
    const { id } = await joining.claimAdmission(here(opened.url));
    await holder.denyAdmission(opened.id);
    expect((await joining.waitForAdmission(id, { intervalMs: 50 })).outcome).toEqual({ status: 'denied' });
    expect(await joining.accounts()).toEqual([]);
    expect(await errorCode(joining.claimAdmission(here(opened.url)))).toBe('bad_request');
    expect(await errorCode(joining.claimAdmission(`${server.url}/authenticator/#enroll=x`))).toBe(
      'invalid_link',
    );
  });
});
