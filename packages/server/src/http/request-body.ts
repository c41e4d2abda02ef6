import type { IncomingMessage } from 'node:http';
import sjson from 'secure-json-parse';
import { AuthyError } from '../errors/authy-error.js';
import { parseForm } from './form-parser.js';

export const BODY_LIMIT = 64 * 1024;

/** Parses JSON the way every route does: prototype keys refused, only an object at the top. */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new AuthyError('60002', { message: 'Invalid request: the body is not valid JSON' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AuthyError('60002', { message: 'Invalid request: the JSON body must be an object' });
  }
  return value as Record<string, unknown>;
}

/** Parses a body by its media type; only JSON and form encoding are accepted (R57). */
export function parseBody(contentType: string | undefined, text: string): Record<string, unknown> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return parseJsonObject(text);
  if (type === 'application/x-www-form-urlencoded' || (type === '' && text.trim() === ''))
    return parseForm(text);
  throw new AuthyError('60002', { status: 415, message: 'Unsupported media type: send JSON or a form' });
}

/**
 * The rest of an oversized body is never read, so the answer closes the connection: a paused socket with
 * unread bytes would otherwise stay open (and hold up shutdown) until the request timeout.
 */
const bodyTooLarge = () =>
  new AuthyError('60002', {
    status: 413,
    message: 'Request body is too large',
    headers: { connection: 'close' },
  });

/**
 * Reads the body of a GET. The `authy` npm client sends its parameters as a form body on GETs and
 * authy-client sends `{}` as JSON; the framework does not parse bodies on GET, so this does.
 */
export async function readGetBody(raw: IncomingMessage): Promise<Record<string, unknown>> {
  const length = raw.headers['content-length'];
  if ((length === undefined || length === '0') && raw.headers['transfer-encoding'] === undefined) return {};
  if (length !== undefined && Number(length) > BODY_LIMIT) throw bodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw bodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return parseBody(raw.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
}
