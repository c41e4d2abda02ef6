import { requestSigningString } from '@countersign/protocol';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { Device } from './device.js';
import type { DeviceRepository } from './device.repository.js';
import { toKeyObject, verifySignature } from './device-key.js';

/** How far a signed request's timestamp may be from the service's clock (R37). */
export const REQUEST_WINDOW_MS = 60_000;
/** How stale a device's "last seen" time may be. */
const LAST_SEEN_PRECISION_MS = 60_000;

export interface SignedRequest {
  method: string;
  /** The path with its query string, exactly as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One answer for every way a signed request can fail, so failures tell an attacker nothing (R37). */
export const deviceUnauthorized = () =>
  new AuthyError('60031', {
    status: 401,
    message: 'Could not verify the device signature',
    event: 'authn_login_fail',
  });

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Checks a device's signed request: live device, fresh timestamp, unused nonce, valid signature. */
export async function authenticateDevice(
  repository: DeviceRepository,
  clock: Clock,
  request: SignedRequest,
): Promise<Device> {
  const deviceId = header(request, 'countersign-device');
  const timestamp = header(request, 'countersign-timestamp');
  const nonce = header(request, 'countersign-nonce');
  const signature = header(request, 'countersign-signature');
  if (deviceId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) {
    throw deviceUnauthorized();
  }
  if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || deviceId.length > 64)
    throw deviceUnauthorized();
  const now = clock.now();
  if (Math.abs(now - Number(timestamp)) > REQUEST_WINDOW_MS) throw deviceUnauthorized();
  const device = await repository.find(deviceId);
  if (device === undefined || device.revokedAt !== null) throw deviceUnauthorized();
  const signed = requestSigningString({
    method: request.method,
    pathWithQuery: request.url,
    timestamp,
    nonce,
    body: request.body,
  });
  if (!verifySignature(toKeyObject(device.publicKey), signed, signature)) throw deviceUnauthorized();
  // The nonce is spent only once the signature proved the device sent it.
  if (!(await repository.useNonce(device.id, nonce, Number(timestamp) + 2 * REQUEST_WINDOW_MS)))
    throw deviceUnauthorized();
  // "Last seen" is shown to a minute: a device busy answering does not write it on every request.
  if (device.lastSeenAt === null || now - device.lastSeenAt >= LAST_SEEN_PRECISION_MS) {
    await repository.touch(device.id, now);
  }
  return device;
}
