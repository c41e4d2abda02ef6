import { CountersignError } from '../countersign-error.js';
import { abortScope } from './abort-scope.js';
import { fetchFailure, parseJson, refusal, sendRequest } from './send-request.js';
import type { ApiRequest, Transport } from './transport.js';

/** An open `text/event-stream` answer. */
export interface OpenStream {
  readonly body: ReadableStream<Uint8Array>;
  /** What to throw for an error while reading the body: the caller's abort reason, or `network_error`. */
  failure(caught: unknown): unknown;
  /** Closes the connection if the body was not read to its end, and releases the caller's signal. */
  close(): Promise<void>;
}

/**
 * Opens a server-sent events stream. The client's timeout applies until the headers arrive; after that the
 * stream stays open until the service ends it or the caller's signal aborts.
 *
 * @throws CountersignError `api_error` for a refusal (a 404 from a service without streams among them),
 *   `unexpected_response` for a 2xx that is not an event stream, `network_error`, `timeout`; or the caller's
 *   abort reason.
 */
export async function openStream(transport: Transport, request: ApiRequest): Promise<OpenStream> {
  const scope = abortScope(request.signal, transport.timeoutMs);
  try {
    const response = await sendRequest(transport, request, scope, 'text/event-stream');
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw refusal(response, parseJson(text));
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.body === null || !/^text\/event-stream\b/i.test(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw new CountersignError('unexpected_response', 'the service did not answer with an event stream', {
        status: response.status,
      });
    }
    scope.clearLimit();
    const body = response.body;
    return {
      body,
      failure: (caught) => fetchFailure(caught, scope, transport),
      close: async () => {
        // A body that a reader holds was cancelled through that reader.
        if (!body.locked) await body.cancel().catch(() => undefined);
        scope.dispose();
      },
    };
  } catch (caught) {
    scope.dispose();
    throw caught;
  }
}
