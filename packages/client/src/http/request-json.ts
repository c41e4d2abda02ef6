import { CountersignError } from '../countersign-error.js';
import { abortScope } from './abort-scope.js';
import { fetchFailure, parseJson, refusal, sendRequest } from './send-request.js';
import type { ApiRequest, Transport } from './transport.js';
import { isJsonObject, type JsonObject } from './wire.js';

/**
 * Makes one API call and returns its body. Success is a 2xx whose JSON body has a truthy `success` (the
 * token check answers `"success":"true"`, a string); anything else throws.
 *
 * @throws CountersignError `api_error` (with `errorCode`, `status`, `fields`), `network_error`, `timeout`,
 *   `unexpected_response`; or the caller's abort reason.
 */
export async function requestJson(transport: Transport, request: ApiRequest): Promise<JsonObject> {
  const scope = abortScope(request.signal, transport.timeoutMs + (request.holdMs ?? 0));
  try {
    const response = await sendRequest(transport, request, scope, 'application/json');
    let text: string;
    try {
      text = await response.text();
    } catch (caught) {
      throw fetchFailure(caught, scope, transport);
    }
    const body = parseJson(text);
    if (!response.ok) throw refusal(response, body);
    if (!isJsonObject(body)) {
      throw new CountersignError('unexpected_response', 'the answer is not a JSON object', {
        status: response.status,
      });
    }
    if (!body.success) throw refusal(response, body);
    return body;
  } finally {
    scope.dispose();
  }
}
