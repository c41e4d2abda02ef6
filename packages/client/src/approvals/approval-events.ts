import { readEventStream, type ServerSentEvent } from '@countersign/protocol';
import { CountersignError } from '../countersign-error.js';
import { openStream } from '../http/open-stream.js';
import type { RequestOptions } from '../http/request-options.js';
import { parseJson } from '../http/send-request.js';
import type { Transport } from '../http/transport.js';
import { isJsonObject } from '../http/wire.js';
import { type ApprovalRequest, readApprovalRequest } from './approval-request.js';
import { approvalRequestPath } from './get-approval-request.js';

/**
 * `GET /onetouch/json/approval_requests/{uuid}/events` (Countersign): the request as it stands, then again
 * each time its status changes; the iteration ends after a final status, when the service ends the stream.
 * Leaving the loop early (or aborting `signal`) closes the connection.
 *
 * Nothing is sent before the first `next()`. A service without streams refuses with a 404 `api_error`.
 *
 * @throws CountersignError `api_error` (unknown uuid: `60049`, 404), `network_error`, `timeout` (until the
 *   stream opens), `unexpected_response`; or the caller's abort reason.
 */
export async function* approvalEvents(
  transport: Transport,
  uuid: string,
  options: RequestOptions = {},
): AsyncGenerator<ApprovalRequest, void, undefined> {
  const stream = await openStream(transport, {
    method: 'GET',
    path: `${approvalRequestPath(uuid)}/events`,
    signal: options.signal,
  });
  const events = readEventStream(stream.body);
  try {
    for (;;) {
      let next: IteratorResult<ServerSentEvent>;
      try {
        next = await events.next();
      } catch (caught) {
        throw stream.failure(caught);
      }
      if (next.done === true) return;
      if (next.value.type !== 'status') continue;
      const body = parseJson(next.value.data);
      if (!isJsonObject(body)) {
        throw new CountersignError('unexpected_response', 'a status event is not a JSON object');
      }
      yield readApprovalRequest(body);
    }
  } finally {
    // Ends the reader too when the caller left the loop while it was suspended: that closes the connection.
    await events.return(undefined);
    await stream.close();
  }
}
