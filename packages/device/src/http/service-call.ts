import { utf8 } from '@countersign/protocol';
import { DeviceError, type DeviceErrorCode } from '../device-error.js';
import { signedRequestHeaders } from '../protocol/signed-request.js';

/** Who signs a call: the enrolled device's id and private key, at the clock's time. */
export interface Signer {
  deviceId: string;
  privateKey: CryptoKey;
  now(): number;
}

/** One call to the service's device API. */
export interface ServiceCall {
  fetch: typeof fetch;
  /** The service's origin, e.g. `https://countersign.example.com`. */
  server: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with `/device/v1/`. */
  path: string;
  /** Sent as JSON; nothing is sent when `undefined`. */
  body?: unknown;
  /** Present for every call but the three enrollment calls. */
  signer?: Signer;
  /** A deadline or the caller's abort; none for a stream meant to stay open. */
  signal?: AbortSignal;
  accept?: string;
}

const CODES: Record<number, DeviceErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  429: 'rate_limited',
};

/**
 * Sends one call (signed when a signer is given) and returns the response if it is a 2xx. Failures become a
 * `DeviceError`: `network_error` when the service cannot be reached, otherwise a code per HTTP status.
 */
export async function send(call: ServiceCall): Promise<Response> {
  // The body is encoded once: the signature covers exactly the bytes that are sent.
  const body = call.body === undefined ? new Uint8Array(0) : utf8(JSON.stringify(call.body));
  const headers: Record<string, string> = { accept: call.accept ?? 'application/json' };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.signer !== undefined) {
    Object.assign(
      headers,
      await signedRequestHeaders(call.signer.privateKey, call.signer.deviceId, {
        method: call.method,
        pathWithQuery: call.path,
        timestamp: call.signer.now(),
        body,
      }),
    );
  }
  let response: Response;
  try {
    response = await call.fetch(`${call.server}${call.path}`, {
      method: call.method,
      headers,
      ...(call.body !== undefined && { body }),
      ...(call.signal !== undefined && { signal: call.signal }),
    });
  } catch (caught) {
    const reason: unknown = call.signal?.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    if (call.signal?.aborted === true && !timedOut) throw caught; // the caller's own abort, not a failure
    const why =
      caught instanceof Error && caught.cause instanceof Error ? caught.cause.message : String(caught);
    throw new DeviceError('network_error', `could not reach ${call.server}: ${why}`, { cause: caught });
  }
  if (response.ok) return response;
  const message = await refusalMessage(response);
  const code = CODES[response.status] ?? 'server_error';
  throw new DeviceError(code, `the service refused (${response.status}): ${message}`, {
    status: response.status,
  });
}

/** Sends one call and returns its JSON body, unchecked: a reader in `read-wire.ts` checks it. */
export async function sendJson(call: ServiceCall): Promise<unknown> {
  const response = await send(call);
  try {
    return await response.json();
  } catch (caught) {
    throw new DeviceError('unexpected_response', 'the service answered with something that is not JSON', {
      cause: caught,
    });
  }
}

/** The `message` of an Authy error envelope, or the status text. */
async function refusalMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'message' in parsed &&
      typeof parsed.message === 'string'
    ) {
      return parsed.message;
    }
  } catch {
    // Not JSON: fall back to the status text.
  }
  return response.statusText || 'no reason given';
}
