import { startAuthentication } from '@simplewebauthn/browser';

/** Where the console's JSON API lives. */
export const API = '/console/api';

/** The error codes the console acts on (docs/console-api.md). */
export const CODES = {
  /** A change refused: a viewer's, or one without the session's CSRF token. */
  refused: '60031',
  /** No session, or it ended. */
  signedOut: '60040',
  /** A dangerous change without a fresh passkey assertion. */
  stepUp: '60042',
  /** A passkey assertion that does not verify. */
  passkeyRefused: '60044',
} as const;

/** A refused call: the service's error envelope, or a network failure (`status` 0, no `code`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What the wrapper needs from the app: the session's CSRF token, and what to do when the session ends. */
interface ApiHooks {
  csrfToken: () => string | undefined;
  onSignedOut: () => void;
}

let hooks: ApiHooks = { csrfToken: () => undefined, onSignedOut: () => undefined };

/** Connects the wrapper to the app's session (once, at start). */
export function connectApi(next: ApiHooks): void {
  hooks = next;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = hooks.csrfToken();
  if (method !== 'GET' && token !== undefined) headers['x-csrf-token'] = token;
  try {
    return await fetch(`${API}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError('The service did not answer. Check your connection and try again.', 0, undefined);
  }
}

/** The envelope's message and code, or the status line when the body is not the envelope. */
async function errorOf(response: Response): Promise<ApiError> {
  let message = `The service answered ${response.status} ${response.statusText}`.trim();
  let code: string | undefined;
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null) {
      const envelope = body as { message?: unknown; error_code?: unknown };
      if (typeof envelope.message === 'string') message = envelope.message;
      if (typeof envelope.error_code === 'string') code = envelope.error_code;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(message, response.status, code);
}

/**
 * Asks for a fresh passkey assertion (the step-up a dangerous change needs). Throws what the service or the
 * browser refused; a cancelled prompt is the browser's `NotAllowedError`.
 */
async function stepUp(): Promise<void> {
  const { options } = await call<{ options: Parameters<typeof startAuthentication>[0]['optionsJSON'] }>(
    'POST',
    '/step-up/options',
    {},
    { retry: false },
  );
  const response = await startAuthentication({ optionsJSON: options });
  await call('POST', '/step-up', { response }, { retry: false });
}

/**
 * Calls the console API: JSON in and out, the session cookie, and the CSRF token on every change. A
 * dangerous change refused for want of a fresh passkey runs the step-up and is sent once more; an ended
 * session sends the operator to sign in. Anything else refused throws an `ApiError`.
 */
export async function call<T = unknown>(
  method: Method,
  path: string,
  body?: unknown,
  { retry = true }: { retry?: boolean } = {},
): Promise<T> {
  const response = await send(method, path, body);
  if (response.ok) {
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  const error = await errorOf(response);
  if (error.status === 401 && error.code === CODES.signedOut) hooks.onSignedOut();
  if (retry && error.status === 403 && error.code === CODES.stepUp) {
    await stepUp();
    return call<T>(method, path, body, { retry: false });
  }
  throw error;
}

/** `GET path`, with `query`'s non-empty values as its query string. */
export function get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) search.set(name, value);
  const text = search.toString();
  return call<T>('GET', text === '' ? path : `${path}?${text}`);
}

/** What to tell the operator about a failure. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.name === 'NotAllowedError') {
    return 'The passkey prompt was cancelled or timed out.';
  }
  return error instanceof Error ? error.message : String(error);
}
