import { createECDH, createHash, randomUUID } from 'node:crypto';
import type { PublicJwk } from '@countersign/protocol';
import type { Account, PendingRequest } from '../../src/index.js';
import { verifiesWithNode } from './node-verify.js';

/** What the fake service saw: every call, and the answers it accepted. */
export interface FakeService {
  readonly origin: string;
  /** A link token the service accepts once. */
  readonly token: string;
  readonly calls: { method: string; path: string; headers: Headers; body: string }[];
  readonly answers: { document: Record<string, unknown>; signature: string; assertion?: unknown }[];
  /** The passkey each device registered (D14), as it was sent. */
  readonly passkeys: Map<string, unknown>;
  readonly requests: PendingRequest[];
  /** Devices by id with their public key. */
  readonly devices: Map<string, PublicJwk>;
  /** What `GET /device/v1/push-key` answers with as `public_key`. */
  pushKey: unknown;
  /** Each device's push subscription, as the body of its last `POST /device/v1/push-subscription`. */
  readonly pushSubscriptions: Map<string, unknown>;
  /** The status to fail the next call with, once. */
  failNext?: { status: number; message: string };
  /** Events to stream to the next `GET /device/v1/events`, as raw text chunks. */
  events: string[];
  /** Whether the event stream stays open after `events` (until the call's signal aborts). */
  keepEventsOpen: boolean;
  fetch: typeof fetch;
}

/** A VAPID public key as the service serves it: B64U of an uncompressed P-256 point. */
export const PUSH_KEY = ((): string => {
  const vapid = createECDH('prime256v1');
  vapid.setPrivateKey(Buffer.alloc(32, 7));
  return vapid.getPublicKey().toString('base64url');
})();

export const ACCOUNT: Account = {
  app_id: 1,
  app_name: 'Countersign Bank',
  authy_id: 42,
  totp: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', digits: 7, period: 30, algorithm: 'SHA1' },
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refuse = (status: number, message: string) =>
  json(status, { message, success: false, errors: { message }, error_code: '60000' });

/**
 * An in-memory stand-in for the device API that checks what the protocol doc demands — proofs, the
 * signed-request headers (against its own rebuilding of the signed string), nonces and the clock window —
 * independently of the library's own code.
 */
export function fakeService(now: () => number, origin = 'https://cs.example.com'): FakeService {
  const seenNonces = new Set<string>();
  const service: FakeService = {
    origin,
    token: Buffer.alloc(32, 9).toString('base64url'),
    calls: [],
    answers: [],
    passkeys: new Map(),
    requests: [],
    devices: new Map(),
    pushKey: PUSH_KEY,
    pushSubscriptions: new Map(),
    events: [],
    keepEventsOpen: false,
    fetch: async (input, init) => {
      init?.signal?.throwIfAborted(); // as fetch does
      const url = new URL(String(input));
      const method = init?.method ?? 'GET';
      const headers = new Headers(init?.headers);
      const bodyBytes = init?.body instanceof Uint8Array ? init.body : new Uint8Array(0);
      const body = new TextDecoder().decode(bodyBytes);
      const path = url.pathname + url.search;
      service.calls.push({ method, path, headers, body });
      if (service.failNext !== undefined) {
        const { status, message } = service.failNext;
        service.failNext = undefined;
        return refuse(status, message);
      }
      const parsed = body === '' ? undefined : (JSON.parse(body) as Record<string, unknown>);

      if (method === 'POST' && path === '/device/v1/enrollments') {
        const jwk = parsed?.public_key as PublicJwk;
        const statement = `{"public_key":{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"},"purpose":"countersign-enrollment","token":"${service.token}"}`;
        if (parsed?.token !== service.token || !verifiesWithNode(jwk, statement, String(parsed.proof))) {
          return refuse(400, 'Invalid enrollment');
        }
        const deviceId = randomUUID();
        service.devices.set(deviceId, jwk);
        return json(200, { device_id: deviceId, accounts: [ACCOUNT], success: true });
      }

      if (method === 'GET' && path === '/device/v1/push-key') {
        return json(200, { public_key: service.pushKey, success: true });
      }

      // Every other call is signed.
      const deviceId = headers.get('countersign-device') ?? '';
      const timestamp = headers.get('countersign-timestamp') ?? '';
      const nonce = headers.get('countersign-nonce') ?? '';
      const jwk = service.devices.get(deviceId);
      const signed = [
        'countersign-device-request',
        method,
        path,
        timestamp,
        nonce,
        createHash('sha256').update(bodyBytes).digest('base64url'),
      ].join('\n');
      if (
        jwk === undefined ||
        Math.abs(Number(timestamp) - now()) > 60_000 ||
        seenNonces.has(`${deviceId}:${nonce}`) ||
        !verifiesWithNode(jwk, signed, headers.get('countersign-signature') ?? '')
      ) {
        return refuse(401, 'Unauthorized');
      }
      seenNonces.add(`${deviceId}:${nonce}`);

      if (method === 'GET' && path === '/device/v1/accounts')
        return json(200, { accounts: [ACCOUNT], success: true });
      if (method === 'GET' && path === '/device/v1/requests') {
        return json(200, { requests: service.requests, success: true });
      }
      const answer = /^\/device\/v1\/requests\/([^/]+)\/answer$/.exec(path);
      if (method === 'POST' && answer !== null) {
        const document = parsed?.document as Record<string, unknown>;
        const signature = String(parsed?.signature);
        service.answers.push({
          document,
          signature,
          ...(parsed?.assertion !== undefined && { assertion: parsed.assertion }),
        });
        return json(200, { status: document.decision, success: true });
      }
      if (method === 'GET' && path === '/device/v1/passkey/options') {
        return json(200, { options: { challenge: 'Y2hhbGxlbmdl', rp: { id: 'localhost' } }, success: true });
      }
      if (method === 'POST' && path === '/device/v1/passkey') {
        service.passkeys.set(deviceId, parsed?.credential);
        return json(200, { credential_id: 'credential-1', success: true });
      }
      if (method === 'GET' && path === '/device/v1/devices') {
        return json(200, {
          devices: [...service.devices.keys()].map((id) => ({
            device_id: id,
            name: 'CLI',
            platform: 'cli',
            created_at: '2026-11-26T12:00:00.000Z',
            last_seen_at: null,
            current: id === deviceId,
          })),
          success: true,
        });
      }
      if (method === 'POST' && path === '/device/v1/push-subscription') {
        service.pushSubscriptions.set(deviceId, parsed);
        return json(200, { success: true });
      }
      const revoke = /^\/device\/v1\/devices\/([^/]+)$/.exec(path);
      if (method === 'DELETE' && revoke !== null) {
        service.devices.delete(decodeURIComponent(revoke[1] ?? ''));
        return json(200, { success: true });
      }
      if (method === 'GET' && path === '/device/v1/events') {
        const { events: chunks, keepEventsOpen } = service;
        const signal = init?.signal;
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
              if (!keepEventsOpen) controller.close();
              // As fetch does: aborting the call errors its body.
              signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
            },
          }),
          { status: 200, headers: { 'content-type': 'text/event-stream' } },
        );
      }
      return refuse(404, 'Not found');
    },
  };
  return service;
}
