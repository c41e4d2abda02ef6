import { appApi } from '../app/app-api.js';
import { approvalEvents } from '../approvals/approval-events.js';
import { createApprovalRequest } from '../approvals/create-approval-request.js';
import { getApprovalRequest, MAX_WAIT_SECONDS } from '../approvals/get-approval-request.js';
import { waitForApproval } from '../approvals/wait-for-approval.js';
import { createEnrollment } from '../enrollments/create-enrollment.js';
import { MAX_TIME_LIMIT_MS } from '../http/abort-scope.js';
import type { Transport } from '../http/transport.js';
import { phonesApi } from '../phones/phones-api.js';
import { type ReceiptKeySet, receiptKeySet } from '../receipts/receipt-key-set.js';
import { verifyReceiptWith } from '../receipts/verify-receipt.js';
import { registrationsApi } from '../registrations/registrations-api.js';
import { tokensApi } from '../tokens/tokens-api.js';
import { usersApi } from '../users/users-api.js';
import type { CountersignClient } from './countersign-client.js';

/** How to reach the service. */
export interface ClientOptions {
  /**
   * The service's base URL, e.g. `http://localhost:8080` or `https://api.authy.com`; a path prefix is kept.
   * Redirects are not followed, so the key never travels to another host.
   */
  readonly baseUrl: string | URL;
  /** The app's API key (`countersign apps create`). */
  readonly apiKey: string;
  /** The fetch to use; the global one by default. */
  readonly fetch?: typeof fetch | undefined;
  /** How long one call may take before it fails with `timeout`; 10 000 ms by default. A long poll adds its wait. */
  readonly timeoutMs?: number | undefined;
}

/** How long one call may take unless `timeoutMs` says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

function baseUrlOf(value: string | URL): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`createClient: baseUrl ${String(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('createClient: baseUrl must be an http: or https: URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('createClient: baseUrl must not carry a query, a fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Makes a client of one service for one app.
 *
 * ```ts
 * const countersign = createClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.AUTHY_API_KEY });
 * ```
 *
 * @throws TypeError when the base URL is not an http(s) URL, the key is empty, or `timeoutMs` is not positive.
 */
export function createClient(options: ClientOptions): CountersignClient {
  const { apiKey, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('createClient: apiKey is empty');
  if (
    typeof timeoutMs !== 'number' ||
    !(timeoutMs > 0 && timeoutMs <= MAX_TIME_LIMIT_MS - MAX_WAIT_SECONDS * 1000)
  ) {
    throw new TypeError('createClient: timeoutMs must be a positive number of milliseconds');
  }
  const fetchImpl = options.fetch ?? fetch;
  const transport: Transport = {
    baseUrl: baseUrlOf(options.baseUrl),
    apiKey,
    // Called unbound: some fetch implementations refuse to run as a method of another object.
    fetch: (input, init) => fetchImpl(input, init),
    timeoutMs,
  };
  let keySet: ReceiptKeySet | undefined;
  const client: CountersignClient = {
    users: usersApi(transport),
    tokens: tokensApi(transport),
    app: appApi(transport),
    phones: phonesApi(transport),
    registrations: registrationsApi(transport),
    createEnrollment: (authyId, requestOptions) => createEnrollment(transport, authyId, requestOptions),
    createApprovalRequest: (authyId, request, requestOptions) =>
      createApprovalRequest(transport, authyId, request, requestOptions),
    getApprovalRequest: (uuid, getOptions) => getApprovalRequest(transport, uuid, getOptions),
    approvalEvents: (uuid, requestOptions) => approvalEvents(transport, uuid, requestOptions),
    waitForApproval: (uuid, waitOptions) => waitForApproval(client, uuid, waitOptions),
    verifyReceipt: (receipt, checks) => {
      keySet ??= receiptKeySet({
        jwksUrl: `${transport.baseUrl}/.well-known/jwks.json`,
        fetch: transport.fetch,
      });
      return verifyReceiptWith(receipt, keySet, checks);
    },
  };
  return client;
}
