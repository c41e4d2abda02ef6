import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  addressAllowed,
  checkCallbackUrl,
  type EgressAllowList,
  EgressRefused,
  guardedLookup,
} from './ssrf-guard.js';

export interface CallbackRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface CallbackResponse {
  status: number;
  retryAfter: string | undefined;
}

/** Sends one callback; rejects on a refused address, a network error or a timeout. */
export type CallbackSender = (request: CallbackRequest) => Promise<CallbackResponse>;

/** Read at most this much of a receiver's answer: we only want its status. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs callbacks through the SSRF guard (R52): http(s) only, the resolved address checked at send time
 * and used for the connection, redirects never followed, bounded in time and in what is read back.
 */
export function createCallbackSender(allow: EgressAllowList, timeoutMs = 15_000): CallbackSender {
  const lookup = guardedLookup(allow);
  return (request) =>
    new Promise<CallbackResponse>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(request.url);
        checkCallbackUrl(url);
      } catch (error) {
        reject(error instanceof EgressRefused ? error : new EgressRefused('the callback URL is not a URL'));
        return;
      }
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      // An address written in the URL is never looked up, so it is checked here.
      if (isIP(literal) !== 0 && !addressAllowed(literal, literal, allow)) {
        reject(new EgressRefused(`callback address ${literal} is not allowed`));
        return;
      }
      const client = url.protocol === 'https:' ? https : http;
      const outgoing = client.request(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
          lookup,
          timeout: timeoutMs,
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) response.destroy();
          });
          const done = () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter:
                typeof response.headers['retry-after'] === 'string'
                  ? response.headers['retry-after']
                  : undefined,
            });
          response.on('end', done);
          response.on('close', done);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
}
