import { CountersignError } from '../countersign-error.js';
import type { AbortScope } from './abort-scope.js';
import type { ApiRequest, Transport } from './transport.js';
import { isJsonObject } from './wire.js';

/** The URL of a call: base URL, path and query; the key never goes in it. */
function urlOf(transport: Transport, request: ApiRequest): string {
  const url = new URL(`${transport.baseUrl}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.href;
}

/** Sends a call under `scope`; a failure to get an answer becomes what `fetchFailure` says. */
export async function sendRequest(
  transport: Transport,
  request: ApiRequest,
  scope: AbortScope,
  accept: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept, 'x-authy-api-key': transport.apiKey };
  let body: string | undefined;
  if (request.method === 'POST') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body ?? {});
  }
  try {
    return await transport.fetch(urlOf(transport, request), {
      method: request.method,
      headers,
      body,
      signal: scope.signal,
      // Not followed: the API key header would go along to wherever a redirect points.
      redirect: 'manual',
    });
  } catch (caught) {
    throw fetchFailure(caught, scope, transport);
  }
}

/**
 * What to throw when fetching or reading an answer failed: the caller's own abort reason as it is (as `fetch`
 * does), `timeout` when the scope's time limit passed, `network_error` otherwise.
 */
export function fetchFailure(caught: unknown, scope: AbortScope, transport: Transport): unknown {
  const origin = new URL(transport.baseUrl).origin;
  if (scope.callerAborted) return scope.signal.reason;
  if (scope.expired) {
    return new CountersignError('timeout', `${origin} did not answer in time`, { cause: caught });
  }
  const why =
    caught instanceof Error && caught.cause instanceof Error ? caught.cause.message : String(caught);
  return new CountersignError('network_error', `could not reach ${origin}: ${why}`, { cause: caught });
}

/** `JSON.parse`, or `undefined` for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  return value !== null && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/**
 * The `api_error` for a refusal: the Authy envelope
 * `{"message","success":false,"errors":{"message",…fields},"error_code"}` read as far as it goes.
 */
export function refusal(response: Response, body: unknown): CountersignError {
  const envelope = isJsonObject(body) ? body : {};
  const message =
    typeof envelope.message === 'string' && envelope.message !== ''
      ? envelope.message
      : `the service refused (HTTP ${response.status})`;
  const code = envelope.error_code;
  const errors = isJsonObject(envelope.errors) ? envelope.errors : {};
  const fields = Object.fromEntries(
    Object.entries(errors).filter(
      (entry): entry is [string, string] => entry[0] !== 'message' && typeof entry[1] === 'string',
    ),
  );
  return new CountersignError('api_error', message, {
    errorCode: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    status: response.status,
    fields,
    retryAfter: retryAfterOf(response.headers),
    body,
  });
}
