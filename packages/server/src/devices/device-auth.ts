import { type PublicJwk, requestSigningString } from '@countersign/protocol';
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

/** What checks a signed request's signer: its key, and the nonces it used. */
export interface RequestSigners<S extends { readonly id: string; readonly publicKey: PublicJwk }> {
  /** The live signer named by `Countersign-Device`, or `undefined` (unknown, revoked). */
  find(id: string): Promise<S | undefined>;
  /** Records a request nonce; `false` when the signer used it before (replay). */
  useNonce(id: string, nonce: string, expiresAt: number): Promise<boolean>;
}

/**
 * Checks a signed request (R37): a known signer, a fresh timestamp, a valid signature, an unused nonce.
 * Every failure is the one `deviceUnauthorized` answer.
 */
export async function verifySignedRequest<S extends { readonly id: string; readonly publicKey: PublicJwk }>(
  signers: RequestSigners<S>,
  clock: Clock,
  request: SignedRequest,
): Promise<S> {
  const deviceId = header(request, 'countersign-device');
  const timestamp = header(request, 'countersign-timestamp');
  const nonce = header(request, 'countersign-nonce');
  const signature = header(request, 'countersign-signature');
  if (deviceId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) {
    throw deviceUnauthorized();
  }
  if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || deviceId.length > 64)
    throw deviceUnauthorized();
  if (Math.abs(clock.now() - Number(timestamp)) > REQUEST_WINDOW_MS) throw deviceUnauthorized();
  const signer = await signers.find(deviceId);
  if (signer === undefined) throw deviceUnauthorized();
  const signed = requestSigningString({
    method: request.method,
    pathWithQuery: request.url,
    timestamp,
    nonce,
    body: request.body,
  });
  if (!verifySignature(toKeyObject(signer.publicKey), signed, signature)) throw deviceUnauthorized();
  // The nonce is spent only once the signature proved the device sent it.
  if (!(await signers.useNonce(signer.id, nonce, Number(timestamp) + 2 * REQUEST_WINDOW_MS)))
    throw deviceUnauthorized();
  return signer;
}

/** Checks a device's signed request: live device, fresh timestamp, unused nonce, valid signature. */
export async function authenticateDevice(
  repository: DeviceRepository,
  clock: Clock,
  request: SignedRequest,
): Promise<Device> {
  const device = await verifySignedRequest(
    {
      find: async (id) => {
        const found = await repository.find(id);
        return found === undefined || found.revokedAt !== null ? undefined : found;
      },
      useNonce: (id, nonce, expiresAt) => repository.useNonce(id, nonce, expiresAt),
    },
    clock,
    request,
  );
  // "Last seen" is shown to a minute: a device busy answering does not write it on every request.
  const now = clock.now();
  if (device.lastSeenAt === null || now - device.lastSeenAt >= LAST_SEEN_PRECISION_MS) {
    await repository.touch(device.id, now);
  }
  return device;
}
