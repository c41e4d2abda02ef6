import type { FastifyInstance, FastifyRequest } from 'fastify';
import { signedIn, signedInOnly, visitorOf } from '../accounts/request-context.routes.js';
import { streamApproval } from '../approvals/approval-stream.routes.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import type { OpenStreams } from '../http/event-stream.js';
import { formOf } from '../http/form-body.js';
import { sendPage } from '../http/send-page.js';
import { BankError } from '../lib/bank-error.js';
import type { Transfer } from './transfer.js';
import { transferAnnouncement, transferPage, transferStatus, transfersPage } from './transfer.pages.js';
import type { TransferService } from './transfer.service.js';
import { readTransfer } from './transfer-form.js';

export interface TransferRouteDeps {
  readonly transfers: TransferService;
  readonly tracker: ApprovalTracker;
  readonly streams: OpenStreams;
}

type WithId = { Params: { id: string } };

/** The signed-in customer's transfer named in the path; any other reads as not found. */
function transferOf(request: FastifyRequest<WithId>, transfers: TransferService): Transfer {
  const { id } = request.params;
  if (!/^\d{1,12}$/.test(id)) throw new BankError('not_found');
  return transfers.find(signedIn(request).account, Number(id));
}

/** Transfers: the form and history, one transfer's live status, and its event stream. */
export function registerTransferRoutes(fastify: FastifyInstance, deps: TransferRouteDeps): void {
  const { transfers, tracker, streams } = deps;

  fastify.get('/transfers', { preHandler: signedInOnly }, async (request, reply) => {
    const { session, account } = signedIn(request);
    const visitor = { ...visitorOf(request), csrfToken: session.csrfToken };
    return sendPage(reply, transfersPage(visitor, transfers.history(account)));
  });

  fastify.post('/transfers', { preHandler: signedInOnly }, async (request, reply) => {
    const { session, account } = signedIn(request);
    const { _csrf, ...values } = formOf(request);
    try {
      const transfer = await transfers.request(account, readTransfer(values));
      return reply.redirect(`/transfers/${transfer.id}`, 303);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      const visitor = { ...visitorOf(request), csrfToken: session.csrfToken };
      return sendPage(
        reply,
        transfersPage(visitor, transfers.history(account), { values, error }),
        error.status,
      );
    }
  });

  fastify.get<WithId>('/transfers/:id', { preHandler: signedInOnly }, async (request, reply) => {
    const { session } = signedIn(request);
    const transfer = transferOf(request, transfers);
    const trouble = tracker.inTrouble(transfer.approval.uuid);
    const visitor = { ...visitorOf(request), csrfToken: session.csrfToken };
    return sendPage(reply, transferPage(visitor, transfer, trouble));
  });

  // "Send again" after a mistyped number: the same transfer as a new request. A second click, or a transfer
  // that cannot be sent again, shows the transfer as it stands.
  fastify.post<WithId>('/transfers/:id/again', { preHandler: signedInOnly }, async (request, reply) => {
    const transfer = transferOf(request, transfers);
    try {
      await transfers.sendAgain(signedIn(request).account, transfer.id);
    } catch (error) {
      if (!(error instanceof BankError && error.code === 'cannot_resend')) throw error;
    }
    return reply.redirect(`/transfers/${transfer.id}`, 303);
  });

  fastify.get<WithId>('/transfers/:id/events', async (request, reply) => {
    if (request.bankSession?.signedIn !== true) throw new BankError('forbidden');
    const { session } = signedIn(request);
    const transfer = transferOf(request, transfers);
    streamApproval(request, reply, {
      tracker,
      uuid: transfer.approval.uuid,
      open: streams,
      view: {
        render: (approval, trouble) => transferStatus({ ...transfer, approval }, trouble, session.csrfToken),
        announce: (approval, trouble) => transferAnnouncement({ ...transfer, approval }, trouble),
      },
    });
  });
}
