import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CountersignError, displayHash, verifyReceipt } from '../src/index.js';
import { sendJson, startFakeService } from './support/fake-service.js';
import {
  answerDocument,
  DISPLAYED,
  deviceKey,
  RECEIPT_UUID,
  receiptPayload,
  type ServiceKey,
  serviceKey,
  type TestDeviceKey,
  tamperPayload,
} from './support/receipt-factory.js';

let service: ServiceKey;
let otherService: ServiceKey;
let device: TestDeviceKey;
let receipt: string;

beforeAll(async () => {
  service = await serviceKey();
  otherService = await serviceKey();
  device = deviceKey();
  receipt = await service.sign(receiptPayload(device, answerDocument(device, displayHash(DISPLAYED))));
});

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

describe('verifyReceipt', () => {
  it('returns the payload of a genuine receipt, with every check passing', async () => {
    const payload = await verifyReceipt(receipt, {
      jwks: service.jwks,
      uuid: RECEIPT_UUID,
      audience: 3,
      displayed: DISPLAYED,
    });
    expect(payload).toMatchObject({ sub: RECEIPT_UUID, aud: '3', status: 'approved', device_id: device.id });
    expect(payload.answer).toMatchObject({ decision: 'approved', uuid: RECEIPT_UUID });
  });

  it('reports whether a passkey verified the user (D14), and why not; a receipt from before says uv false', async () => {
    const answer = answerDocument(device, displayHash(DISPLAYED));
    const verified = await service.sign(
      receiptPayload(device, answer, { uv: true, passkey: { credential_id: 'abc' } }),
    );
    expect(await verifyReceipt(verified, { jwks: service.jwks })).toMatchObject({
      uv: true,
      uv_missing: null,
    });
    const fallback = await service.sign(
      receiptPayload(device, answer, { uv: false, uv_missing: 'no_passkey' }),
    );
    expect(await verifyReceipt(fallback, { jwks: service.jwks })).toMatchObject({
      uv: false,
      uv_missing: 'no_passkey',
    });
    expect(await verifyReceipt(receipt, { jwks: service.jwks })).toMatchObject({
      uv: false,
      uv_missing: null,
    });
    const malformed = await service.sign(receiptPayload(device, answer, { uv: 'yes' }));
    expect(await outcome(verifyReceipt(malformed, { jwks: service.jwks }))).toBe('receipt_malformed');
  });

  it('refuses a receipt whose payload lost or changed a byte: the service signature no longer verifies', async () => {
    expect(await outcome(verifyReceipt(tamperPayload(receipt), { jwks: service.jwks }))).toBe(
      'receipt_signature_invalid',
    );
  });

  it('refuses a receipt under a key set that does not hold its key, or holds another key under its kid', async () => {
    expect(await outcome(verifyReceipt(receipt, { jwks: otherService.jwks }))).toBe(
      'receipt_signature_invalid',
    );
    const [own] = service.jwks.keys;
    const [other] = otherService.jwks.keys;
    const impostor = { keys: [{ ...other, kid: own?.kid }] };
    expect(await outcome(verifyReceipt(receipt, { jwks: impostor }))).toBe('receipt_signature_invalid');
  });

  it("refuses a receipt the service signed over another answer's device signature", async () => {
    const answer = answerDocument(device, displayHash(DISPLAYED));
    const other = answerDocument(device, displayHash(DISPLAYED), { signed_at: answer.signed_at + 1 });
    const forged = await service.sign(
      receiptPayload(device, answer, { device_signature: device.signAnswer(other) }),
    );
    expect(await outcome(verifyReceipt(forged, { jwks: service.jwks }))).toBe('device_signature_invalid');
  });

  it('refuses a receipt whose device key is not the one that signed the answer', async () => {
    const answer = answerDocument(device, displayHash(DISPLAYED));
    const forged = await service.sign(
      receiptPayload(device, answer, { device_public_key: deviceKey().publicJwk }),
    );
    expect(await outcome(verifyReceipt(forged, { jwks: service.jwks }))).toBe('device_signature_invalid');
  });

  it('refuses a genuine receipt of another request, app or display', async () => {
    const jwks = service.jwks;
    expect(
      await outcome(verifyReceipt(receipt, { jwks, uuid: '00000000-0000-4000-8000-000000000000' })),
    ).toBe('receipt_mismatch');
    expect(await outcome(verifyReceipt(receipt, { jwks, audience: '4' }))).toBe('receipt_mismatch');
    expect(
      await outcome(
        verifyReceipt(receipt, {
          jwks,
          displayed: { ...DISPLAYED, details: { ...DISPLAYED.details, 'US Dollar Amount': '5000' } },
        }),
      ),
    ).toBe('receipt_mismatch');
  });

  it("refuses a receipt whose status or request is not the device's answer", async () => {
    const answer = answerDocument(device, displayHash(DISPLAYED));
    const denied = await service.sign(receiptPayload(device, answer, { status: 'denied', reason: 'denied' }));
    expect(await outcome(verifyReceipt(denied, { jwks: service.jwks }))).toBe('receipt_mismatch');
    const elsewhere = await service.sign(
      receiptPayload(device, answer, { sub: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(await outcome(verifyReceipt(elsewhere, { jwks: service.jwks }))).toBe('receipt_mismatch');
  });

  it('accepts a denial for a wrong number-match code over an approving answer (number_mismatch)', async () => {
    const answer = answerDocument(device, displayHash(DISPLAYED), { number_match: '17' });
    const mismatch = await service.sign(
      receiptPayload(device, answer, { status: 'denied', reason: 'number_mismatch' }),
    );
    expect(await verifyReceipt(mismatch, { jwks: service.jwks })).toMatchObject({ status: 'denied' });
  });

  it('refuses what is not a Countersign receipt: another typ, another alg, not a JWS, missing fields', async () => {
    const payload = receiptPayload(device, answerDocument(device, displayHash(DISPLAYED)));
    const jwks = service.jwks;
    expect(await outcome(verifyReceipt(await service.sign(payload, { typ: 'JWT' }), { jwks }))).toBe(
      'receipt_malformed',
    );
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'countersign-receipt+jwt' })).toString(
      'base64url',
    );
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const mac = createHmac('sha256', 'secret').update(`${header}.${body}`).digest('base64url');
    expect(await outcome(verifyReceipt(`${header}.${body}.${mac}`, { jwks }))).toBe('receipt_malformed');
    expect(await outcome(verifyReceipt('not-a-jws', { jwks }))).toBe('receipt_malformed');
    const { device_public_key: _gone, ...incomplete } = payload;
    expect(await outcome(verifyReceipt(await service.sign(incomplete), { jwks }))).toBe('receipt_malformed');
  });

  it('fetches the key set from jwksUrl, and says so when it cannot', async () => {
    const keys = await startFakeService((request, response) => {
      if (request.url === '/.well-known/jwks.json') sendJson(response, 200, service.jwks);
      else sendJson(response, 500, { message: 'broken' });
    });
    try {
      await expect(
        verifyReceipt(receipt, { jwksUrl: `${keys.url}/.well-known/jwks.json` }),
      ).resolves.toMatchObject({
        sub: RECEIPT_UUID,
      });
      expect(await outcome(verifyReceipt(receipt, { jwksUrl: `${keys.url}/broken` }))).toBe(
        'unexpected_response',
      );
    } finally {
      await keys.close();
    }
    expect(await outcome(verifyReceipt(receipt, { jwksUrl: `${keys.url}/.well-known/jwks.json` }))).toBe(
      'network_error',
    );
  });

  it('misuse is a TypeError', async () => {
    await expect(verifyReceipt(42 as unknown as string, { jwks: service.jwks })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(verifyReceipt(receipt, {} as { jwks: never })).rejects.toBeInstanceOf(TypeError);
  });
});
