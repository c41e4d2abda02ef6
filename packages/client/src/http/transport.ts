/** Where and how the client calls the service; fixed when the client is made. */
export interface Transport {
  /** The service's base URL without a trailing slash, e.g. `https://countersign.example.com`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly fetch: typeof fetch;
  /** How long one call may take before it fails with `timeout` (a long poll adds its wait). */
  readonly timeoutMs: number;
}

/** A value sent in the query string; `undefined` is left out. */
export type QueryValue = string | number | boolean | undefined;

/** One call to the Authy API. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path from the base URL, segments already encoded, e.g. `/protected/json/users/42/status`. */
  readonly path: string;
  /** Sent in the query string (GET parameters). */
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as a JSON body (POST parameters); a POST without one sends `{}`. */
  readonly body?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal | undefined;
  /** How long the service may hold the answer on purpose (a long poll), added to the timeout. */
  readonly holdMs?: number;
}

/** `encodeURIComponent` of an id or token for a path segment. */
export function pathSegment(value: string | number, name: string): string {
  const text = String(value);
  if (text === '') throw new TypeError(`${name} is empty`);
  return encodeURIComponent(text);
}
