import type { FastifyReply, FastifyRequest } from 'fastify';
import { type OpenStreams, openEventStream } from '../http/event-stream.js';
import type { SafeHtml } from '../views/html.js';
import type { Approval } from './approval.js';
import { stateKey } from './approval-parts.js';
import type { ApprovalTracker } from './approval-tracker.js';

/** How a page shows one state of an approval: its new markup and what the live region says. */
export interface ApprovalView {
  render(approval: Approval, trouble: boolean): SafeHtml;
  announce(approval: Approval, trouble: boolean): string;
}

/**
 * Streams an approval to the page that shows it: a `state` event now and on every change, each carrying
 * the markup the server rendered (escaped like any page), until the approval is final. The page never
 * polls; the bank learns the answer once from the service and tells every open page.
 */
export function streamApproval(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { tracker: ApprovalTracker; uuid: string; open: OpenStreams; view: ApprovalView },
): void {
  const { tracker, uuid, view } = options;
  let unsubscribe = () => {};
  const stream = openEventStream(request, reply, options.open, () => unsubscribe());
  const send = (approval: Approval, trouble: boolean) =>
    stream.sendState({
      key: stateKey(approval, trouble),
      final: approval.status !== 'pending',
      html: view.render(approval, trouble).text,
      announce: view.announce(approval, trouble),
    });
  unsubscribe = tracker.subscribe(uuid, send);
  const current = tracker.find(uuid);
  if (current !== undefined) send(current, tracker.inTrouble(uuid));
}
