// A device written from docs/device-protocol.md with node:crypto (like the tests' device), and TOTP.
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { ok, request } from './http.mjs';

const signText = (privateKey, text) =>
  sign('sha256', Buffer.from(text, 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  );

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('base64url');

/** Enrolls a new P-256 key for one of an app's users through an enrollment link. */
export async function enrollDevice(base, apiKey, userId) {
  const link = await ok(base, 'POST', `/protected/json/users/${userId}/enrollments`, {
    headers: { 'x-authy-api-key': apiKey },
    json: {},
  });
  const token = /#enroll=([A-Za-z0-9_-]+)/.exec(link.enrollment.url)?.[1];
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty: 'EC', crv: 'P-256', x, y };
  const proof = signText(
    privateKey,
    canonicalJson({ purpose: 'countersign-enrollment', token, public_key: jwk }),
  );
  const enrolled = await ok(base, 'POST', '/device/v1/enrollments', {
    json: { token, public_key: jwk, name: 'Bench phone', platform: 'cli', proof },
  });
  const id = enrolled.device_id;

  const signed = (method, path, body = '') => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('base64url');
    const text = ['countersign-device-request', method, path, timestamp, nonce, sha256(body)].join('\n');
    return {
      'countersign-device': id,
      'countersign-timestamp': timestamp,
      'countersign-nonce': nonce,
      'countersign-signature': signText(privateKey, text),
    };
  };

  return {
    id,
    /** The requests waiting for this device, with the nonces its answers must carry. */
    async pending() {
      const path = '/device/v1/requests';
      return (await ok(base, 'GET', path, { headers: signed('GET', path) })).requests;
    },
    /**
     * A signed approval of a pending request, ready to send: method, path, headers and body (a device
     * request carries a fresh timestamp and nonce, so it must be sent within the service's window).
     */
    approval(pendingRequest) {
      const document = {
        purpose: 'countersign-answer',
        uuid: pendingRequest.uuid,
        decision: 'approved',
        reason: null,
        device_id: id,
        nonce: pendingRequest.nonce,
        display_hash: sha256(
          canonicalJson({
            app_name: pendingRequest.app_name,
            message: pendingRequest.message,
            details: pendingRequest.details,
          }),
        ),
        number_match: null,
        signed_at: Date.now(),
      };
      const body = JSON.stringify({ document, signature: signText(privateKey, canonicalJson(document)) });
      const path = `/device/v1/requests/${pendingRequest.uuid}/answer`;
      return {
        method: 'POST',
        path,
        headers: { ...signed('POST', path, body), 'content-type': 'application/json' },
        body,
      };
    },
    /** Signs and sends an approval; resolves with the response (its `at` is when it arrived). */
    approve(pendingRequest) {
      const { method, path, headers, body } = this.approval(pendingRequest);
      return request(base, method, path, { headers, body });
    },
  };
}

/** RFC 6238 TOTP (HMAC-SHA-1, 30 s steps) of a hex seed at `ms`, as the authenticator computes it. */
export function totp(seedHex, digits, ms = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const mac = createHmac('sha1', Buffer.from(seedHex, 'hex')).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}
