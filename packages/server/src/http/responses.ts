import { STATUS_CODES } from 'node:http';
import type { TSchema } from 'typebox';
import { type AuthyErrorCode, definitionOf } from '../errors/authy-error.js';

/** A refusal a route can answer: an Authy code, sent with its usual status unless another is given. */
export type Refusal = AuthyErrorCode | { readonly code: AuthyErrorCode; readonly status: number };

/** A code sent with a status other than its usual one (60002 is 413 for a body over the limit). */
export const refusal = (code: AuthyErrorCode, status: number): Refusal => ({ code, status });

/**
 * What any request at all can be refused with before a route runs: a malformed request (400), a method the
 * path does not answer (405, with `Allow`), a request too slow (408), headers too large (431).
 */
export const REQUEST_REFUSALS: readonly Refusal[] = [
  refusal('60002', 400),
  refusal('60002', 405),
  refusal('60002', 408),
  refusal('60002', 431),
];

/**
 * What any call of the API or of the device protocol can be refused with before its route runs, besides:
 * an `Accept` that rules out JSON (406), the service too busy (429), the database away (503).
 */
export const TRANSPORT_REFUSALS: readonly Refusal[] = [
  ...REQUEST_REFUSALS,
  refusal('60002', 406),
  '60003',
  refusal('60000', 503),
];

/** What a route that reads a body adds: not JSON or not an object (400), too large (413), another media type (415). */
export const BODY_REFUSALS: readonly Refusal[] = [
  refusal('60002', 400),
  refusal('60002', 413),
  refusal('60002', 415),
];

/** What every Authy API route adds: the key (R1), sandbox apps turned off (403), the per-app limit (R78). */
export const API_KEY_REFUSALS: readonly Refusal[] = ['60001', refusal('60031', 403), '60003'];

/**
 * What a path with parameters adds: a parameter over the router's length limit (414), or one that makes the
 * path one the router does not know (`..`, or the last one empty: 404 / 60000).
 */
export const PATH_REFUSALS: readonly Refusal[] = [refusal('60002', 414), refusal('60000', 404)];

/** Top-level keys some refusals add for the clients that look for them (spec 4.8). */
const EXTRA_KEYS: Partial<Record<AuthyErrorCode, Record<string, unknown>>> = {
  '60019': { token: { const: 'is invalid' } },
  '60020': { token: { const: 'is invalid' } },
};

/** Response headers some statuses carry. */
const HEADERS: Record<number, Record<string, unknown>> = {
  405: { Allow: { type: 'string', description: 'The methods this path answers' } },
  429: { 'Retry-After': { type: 'string', description: 'Seconds to wait before trying again, where known' } },
  503: { 'Retry-After': { type: 'string', description: 'Seconds to wait before trying again, where known' } },
};

/** The Authy envelope (spec 2.5) carrying one of `codes`. */
export function envelopeSchema(codes: readonly AuthyErrorCode[]): Record<string, unknown> {
  const extra = Object.assign({}, ...codes.map((code) => EXTRA_KEYS[code] ?? {}));
  return {
    type: 'object',
    required: ['message', 'success', 'errors', 'error_code'],
    properties: {
      message: { type: 'string' },
      ...extra,
      success: { type: 'boolean', const: false },
      errors: {
        type: 'object',
        required: ['message'],
        properties: { message: { type: 'string' } },
        additionalProperties: { type: 'string' },
        description: 'The message again, and each bad parameter with its problem',
      },
      error_code: { type: 'string', enum: [...codes] },
    },
    additionalProperties: { type: 'string', description: 'Each bad parameter with its problem' },
  };
}

/** A documented answer: its description, its body (by media type) and its headers. */
export interface DocumentedResponse {
  readonly description: string;
  readonly content: Record<string, { schema: unknown }>;
  readonly headers?: Record<string, unknown>;
}

/** A JSON success answer. */
export function success(description: string, schema: TSchema): DocumentedResponse {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * The `response` part of a route schema: the success answer (if any) and, for each status it can refuse
 * with, the envelope with the codes it carries there. These schemas document; they never serialize (the
 * service sends bodies with `JSON.stringify`, see `buildApp`).
 */
export function responses(
  ok: DocumentedResponse | null,
  refusals: readonly Refusal[],
  extra: Record<number, DocumentedResponse> = {},
): Record<number, DocumentedResponse> {
  const byStatus = new Map<number, AuthyErrorCode[]>();
  for (const r of refusals) {
    const { code, status } = typeof r === 'string' ? { code: r, status: definitionOf(r).status } : r;
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  }
  const documented: Record<number, DocumentedResponse> = { ...extra };
  if (ok !== null) documented[200] = ok;
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const sorted = codes.sort();
    documented[status] = {
      description: `${STATUS_CODES[status]}: ${sorted.map((c) => `\`${c}\` ${definitionOf(c).message}`).join('; ')}`,
      content: { 'application/json': { schema: envelopeSchema(sorted) } },
      ...(HEADERS[status] !== undefined && { headers: HEADERS[status] }),
    };
  }
  return documented;
}
