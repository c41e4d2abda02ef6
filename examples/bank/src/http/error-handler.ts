import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { BankError } from '../lib/bank-error.js';
import { errorPage } from '../views/error-page.js';
import type { Visitor } from '../views/layout.js';
import { sendPage } from './send-page.js';

/**
 * The one place that turns errors into pages: the customer reads what happened, never a stack trace.
 * `visitorOf` says who is asking (the page's header shows it); the accounts feature knows, not this layer.
 */
export function installErrorHandling(
  fastify: FastifyInstance,
  visitorOf: (request: FastifyRequest) => Visitor,
): void {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    let known: BankError;
    if (error instanceof BankError) known = error;
    else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      known = new BankError('bad_request');
    } else {
      request.log.error({ err: error }, 'unhandled error');
      known = new BankError('internal');
    }
    if (known.status >= 500) request.log.warn({ code: known.code }, known.message);
    return sendPage(reply, errorPage(visitorOf(request), known), known.status);
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendPage(reply, errorPage(visitorOf(request), new BankError('not_found')), 404),
  );
}
