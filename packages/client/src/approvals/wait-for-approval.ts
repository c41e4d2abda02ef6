import { CountersignError } from '../countersign-error.js';
import { abortScope } from '../http/abort-scope.js';
import type { RequestOptions } from '../http/request-options.js';
import { sleep } from '../http/sleep.js';
import type { ApprovalRequest } from './approval-request.js';
import { type GetApprovalRequestOptions, MAX_WAIT_SECONDS } from './get-approval-request.js';

/** How often a service with neither streams nor long polls is asked, and the pause before a retry. */
export const POLL_INTERVAL_MS = 1000;

/** Options of `waitForApproval`. */
export interface WaitForApprovalOptions {
  /**
   * How long to wait, in milliseconds. When it passes, the request is returned as it stands (pending); an
   * answer given later still counts, so read it again or keep waiting.
   */
  readonly timeout: number;
  /** Stops waiting: the promise rejects with the signal's reason and every connection is closed. */
  readonly signal?: AbortSignal | undefined;
  /** Called with the request as first read, then each time its status changes. */
  readonly onUpdate?: ((request: ApprovalRequest) => void) | undefined;
}

/** What `waitForApproval` needs of a client: reading a request's status, and its event stream. */
export interface ApprovalSource {
  getApprovalRequest(uuid: string, options?: GetApprovalRequestOptions): Promise<ApprovalRequest>;
  approvalEvents(uuid: string, options?: RequestOptions): AsyncIterable<ApprovalRequest>;
}

/** How the service is followed: the best it offers first. */
type Mode = 'stream' | 'long-poll' | 'poll';

/** A refusal of the stream that means "no streams here" (a plain Authy service), not a failure. */
function streamUnavailable(error: unknown): boolean {
  if (!(error instanceof CountersignError)) return false;
  if (error.code === 'unexpected_response') return true;
  return error.code === 'api_error' && (error.status === 404 || error.status === 405 || error.status === 501);
}

/** A failure worth another try after a pause: the service is unreachable, slow, busy or broken for now. */
function transient(error: unknown): error is CountersignError {
  if (!(error instanceof CountersignError)) return false;
  if (error.code === 'network_error' || error.code === 'timeout') return true;
  return (
    error.code === 'api_error' && error.status !== undefined && (error.status === 429 || error.status >= 500)
  );
}

/**
 * Waits until an approval request is final (`approved`, `denied` or `expired`) and returns it, or returns it
 * still pending once `timeout` has passed.
 *
 * It follows the request the best way the service offers: the event stream (Countersign); else a long poll
 * (`?wait=`), when the stream route answers 404; else plain polling once a second, when a long poll comes
 * back pending at once (a plain Authy service ignores `wait`). A dropped connection, a timeout or a 5xx/429
 * is retried after a pause; any other refusal (an unknown uuid: `60049`) rejects.
 *
 * @throws CountersignError as `getApprovalRequest` does; the caller's abort reason when `signal` aborts.
 * @throws TypeError when `timeout` is not a number of milliseconds from 0 to 2147483647.
 */
export async function waitForApproval(
  client: ApprovalSource,
  uuid: string,
  options: WaitForApprovalOptions,
): Promise<ApprovalRequest> {
  const scope = abortScope(options.signal, options.timeout);
  const { signal } = scope;
  let last: ApprovalRequest | undefined;
  /** Records a read; true when the request is final. */
  const seen = (request: ApprovalRequest): boolean => {
    if (request.status !== last?.status) options.onUpdate?.(request);
    last = request;
    return request.status !== 'pending';
  };
  try {
    let mode: Mode = 'stream';
    let pauseMs = 0;
    for (;;) {
      if (pauseMs > 0) await sleep(pauseMs, signal);
      pauseMs = POLL_INTERVAL_MS;
      try {
        if (mode === 'stream') {
          try {
            for await (const request of client.approvalEvents(uuid, { signal })) {
              if (seen(request)) return request;
            }
            // The stream ended with the request still pending (the service restarted): open it again.
          } catch (error) {
            if (!streamUnavailable(error)) throw error;
            mode = 'long-poll';
            pauseMs = 0;
          }
        } else {
          const wait =
            mode === 'long-poll' ? Math.min(MAX_WAIT_SECONDS, Math.floor(scope.remaining() / 1000)) : 0;
          const started = Date.now();
          const request = await client.getApprovalRequest(uuid, { wait, signal });
          if (seen(request)) return request;
          // A long poll that comes back pending long before its wait: the service ignores `wait`.
          if (wait > 0 && Date.now() - started < (wait * 1000) / 2) mode = 'poll';
          // A long poll that ran its course goes again at once; less than a second left waits it out.
          else if (wait > 0) pauseMs = 0;
        }
      } catch (error) {
        if (!transient(error) || signal.aborted) throw error;
        pauseMs = Math.max(POLL_INTERVAL_MS, (error.retryAfter ?? 0) * 1000);
      }
    }
  } catch (error) {
    if (!scope.expired) throw error;
    return last ?? (await client.getApprovalRequest(uuid, { signal: options.signal }));
  } finally {
    scope.dispose();
  }
}
