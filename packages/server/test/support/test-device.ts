import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { call } from './harness.js';

/**
 * A device written from the protocol document alone, with node:crypto, so the service's side is tested
 * independently of packages/device.
 */
export interface TestDevice {
  id: string;
  publicJwk: Record<string, string>;
  privateKey: KeyObject;
  accounts: Array<{
    app_id: number;
    app_name: string;
    authy_id: number;
    totp: { secret: string; digits: number };
  }>;
}

export function newKeyPair(): { publicJwk: Record<string, string>; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' }, privateKey };
}

export function signText(privateKey: KeyObject, text: string): string {
  return sign('sha256', Buffer.from(text, 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  );
}

export function tokenOf(url: string): string {
  const token = /#enroll=([A-Za-z0-9_-]+)/.exec(url)?.[1];
  if (token === undefined) throw new Error(`no token in ${url}`);
  return token;
}

/** Enrolls a new key pair with an app's enrollment link. */
export async function enrollWithLink(
  server: { url: string },
  link: string,
  name = 'Test phone',
): Promise<TestDevice> {
  const { publicJwk, privateKey } = newKeyPair();
  const token = tokenOf(link);
  const proof = signText(
    privateKey,
    canonicalJson({ purpose: 'countersign-enrollment', token, public_key: publicJwk }),
  );
  const response = await call(server, 'POST', '/device/v1/enrollments', {
    json: { token, public_key: publicJwk, name, platform: 'cli', proof },
  });
  if (response.status !== 200) throw new Error(`enrollment failed: ${response.status} ${response.text}`);
  return {
    id: response.body.device_id as string,
    publicJwk,
    privateKey,
    accounts: response.body.accounts as TestDevice['accounts'],
  };
}

/** Headers of a signed device request (docs/device-protocol.md). */
export function signedHeaders(
  device: Pick<TestDevice, 'id' | 'privateKey'>,
  method: string,
  url: string,
  body = '',
  options: { timestamp?: number; nonce?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Date.now());
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  const bodyHash = createHash('sha256').update(body, 'utf8').digest('base64url');
  const text = ['countersign-device-request', method, url, timestamp, nonce, bodyHash].join('\n');
  return {
    'countersign-device': device.id,
    'countersign-timestamp': timestamp,
    'countersign-nonce': nonce,
    'countersign-signature': signText(device.privateKey, text),
  };
}

/** A signed call as a device makes it. */
export async function deviceCall(
  server: { url: string },
  device: Pick<TestDevice, 'id' | 'privateKey'>,
  method: string,
  path: string,
  json?: unknown,
  options: { timestamp?: number; nonce?: string } = {},
) {
  const body = json === undefined ? '' : JSON.stringify(json);
  const headers = signedHeaders(device, method, path, body, options);
  // `call` serialises `json` with JSON.stringify too, so the signed bytes are the sent bytes.
  return call(server, method, path, json === undefined ? { headers } : { headers, json });
}

export function displayHashOf(appName: string, message: string, details: Record<string, string>): string {
  return createHash('sha256')
    .update(canonicalJson({ app_name: appName, message, details }), 'utf8')
    .digest('base64url');
}

export interface PendingRequest {
  uuid: string;
  app_name: string;
  message: string;
  details: Record<string, string>;
  nonce: string;
  number_match_required: boolean;
}

/** The document and signature of an answer, with any field overridden after signing-time choices. */
export function answerFor(
  device: Pick<TestDevice, 'id' | 'privateKey'>,
  request: PendingRequest,
  decision: 'approved' | 'denied',
  overrides: Record<string, unknown> = {},
) {
  const document = {
    purpose: 'countersign-answer',
    uuid: request.uuid,
    decision,
    reason: decision === 'approved' ? null : 'denied',
    device_id: device.id,
    nonce: request.nonce,
    display_hash: displayHashOf(request.app_name, request.message, request.details),
    number_match: null,
    signed_at: Date.now(),
    ...overrides,
  };
  return { document, signature: signText(device.privateKey, canonicalJson(document)) };
}
