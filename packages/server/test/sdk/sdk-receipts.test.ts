import { CountersignError, type ReceiptPayload, verifyReceipt } from '@countersign/client';
import { canonicalJson } from '@countersign/protocol';
import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { answerFor, signText } from '../support/test-device.js';
import { answer, pendingFor, type SdkSetup, setUp } from './sdk-support.js';

let server: TestServer;
let s: SdkSetup;
/** A real receipt of an approval, and the request it is of. */
let approved: { uuid: string; receipt: string };

beforeAll(async () => {
  server = await startTestServer();
  s = await setUp(server, { name: 'Receipt Bank' });
  const { uuid } = await s.client.createApprovalRequest(s.userId, {
    message: 'Transfer money to bob@example.com',
    details: { From: 'Checking', To: 'bob@example.com', 'US Dollar Amount': '500' },
  });
  await answer(server, s.device, uuid, 'approved');
  const final = await s.client.getApprovalRequest(uuid);
  if (final.receipt === undefined) throw new Error('no receipt');
  approved = { uuid, receipt: final.receipt };
});
afterAll(() => server.close());

/** The code verification failed with, or 'verified'. */
async function outcome(verify: Promise<unknown>): Promise<string> {
  try {
    await verify;
    return 'verified';
  } catch (error) {
    if (error instanceof CountersignError) return error.code;
    throw error;
  }
}

function payloadOf(receipt: string): ReceiptPayload {
  return JSON.parse(Buffer.from(receipt.split('.')[1] ?? '', 'base64url').toString('utf8')) as ReceiptPayload;
}

describe('verifyReceipt with real receipts', () => {
  it("verifies a real receipt: the service's signature, the device's signature, the request, the app and the display", async () => {
    const request = await s.client.getApprovalRequest(approved.uuid);
    const payload = await s.client.verifyReceipt(approved.receipt, {
      uuid: approved.uuid,
      audience: s.appId,
      displayed: { appName: request.appName ?? '', message: request.message ?? '', details: request.details },
    });
    expect(payload).toMatchObject({
      iss: server.config.publicUrl,
      sub: approved.uuid,
      aud: String(s.appId),
      status: 'approved',
      reason: null,
      device_id: s.device.id,
      device_public_key: s.device.publicJwk,
      // The app prefers user verification (D14); this device registered no passkey.
      uv: false,
      uv_missing: 'no_passkey',
    });
    expect(payload.answer).toMatchObject({
      purpose: 'countersign-answer',
      decision: 'approved',
      uuid: approved.uuid,
    });
  });

  it('verifies with the key set given directly or by URL, as an app without a client would', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    await expect(verifyReceipt(approved.receipt, { jwks, uuid: approved.uuid })).resolves.toMatchObject({
      status: 'approved',
    });
    await expect(
      verifyReceipt(approved.receipt, {
        jwksUrl: `${server.url}/.well-known/jwks.json`,
        uuid: approved.uuid,
      }),
    ).resolves.toMatchObject({ status: 'approved' });
  });

  it('verifies a real denial, reason included', async () => {
    const { uuid } = await s.client.createApprovalRequest(s.userId, { message: 'Log in' });
    await answer(server, s.device, uuid, 'denied', { reason: 'not_me' });
    const { receipt } = await s.client.getApprovalRequest(uuid);
    expect(await s.client.verifyReceipt(receipt ?? '', { uuid })).toMatchObject({
      status: 'denied',
      reason: 'not_me',
    });
  });

  it('refuses the receipt with one byte of its payload changed', async () => {
    const [header, body, signature] = approved.receipt.split('.');
    const bytes = Buffer.from(body ?? '', 'base64url');
    const at = bytes.indexOf('"status":"approved"') + '"status":"'.length;
    bytes[at] = 'b'.charCodeAt(0);
    const tampered = [header, bytes.toString('base64url'), signature].join('.');
    expect(await outcome(s.client.verifyReceipt(tampered))).toBe('receipt_signature_invalid');
  });

  it("refuses a receipt the service signed over the device's signature of another answer", async () => {
    // What a compromised service could produce: a genuine service signature, a device signature that is real
    // but of a different document (here: the same answer, denied).
    const payload = payloadOf(approved.receipt);
    const otherAnswer = { ...payload.answer, decision: 'denied', reason: 'denied' };
    const forged = await server.app.services.receipts.sign({
      ...payload,
      device_signature: signText(s.device.privateKey, canonicalJson(otherAnswer)),
    });
    expect(await outcome(s.client.verifyReceipt(forged, { uuid: approved.uuid }))).toBe(
      'device_signature_invalid',
    );
    // The service's signature alone is fine: it is the device's that fails.
    const unchanged = await server.app.services.receipts.sign({ ...payload });
    expect(await outcome(s.client.verifyReceipt(unchanged))).toBe('verified');
  });

  it("refuses a receipt of another request's answer, even with both signatures genuine", async () => {
    const { uuid } = await s.client.createApprovalRequest(s.userId, { message: 'Log in' });
    const pending = await pendingFor(server, s.device, uuid);
    const { document, signature } = answerFor(s.device, pending, 'approved');
    const payload = payloadOf(approved.receipt);
    const swapped = await server.app.services.receipts.sign({
      ...payload,
      answer: document,
      device_signature: signature,
    });
    expect(await outcome(s.client.verifyReceipt(swapped))).toBe('receipt_mismatch');
  });

  it("refuses under a key set that is not the service's", async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const stranger = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig' };
    const [own] = (
      (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    ).keys;
    for (const jwks of [{ keys: [stranger] }, { keys: [{ ...stranger, kid: own?.kid }] }]) {
      expect(await outcome(verifyReceipt(approved.receipt, { jwks }))).toBe('receipt_signature_invalid');
    }
    const elsewhere = await startTestServer();
    try {
      expect(
        await outcome(verifyReceipt(approved.receipt, { jwksUrl: `${elsewhere.url}/.well-known/jwks.json` })),
      ).toBe('receipt_signature_invalid');
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a genuine receipt checked against another request, app or display', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    expect(await outcome(s.client.verifyReceipt(approved.receipt, { uuid: other }))).toBe('receipt_mismatch');
    expect(await outcome(s.client.verifyReceipt(approved.receipt, { audience: s.appId + 1 }))).toBe(
      'receipt_mismatch',
    );
    const displayed = { appName: 'Receipt Bank', message: 'Transfer money to eve@example.com', details: {} };
    expect(await outcome(s.client.verifyReceipt(approved.receipt, { displayed }))).toBe('receipt_mismatch');
  });
});
