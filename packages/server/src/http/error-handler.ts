import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthyError } from '../errors/authy-error.js';

function fromFramework(error: FastifyError): AuthyError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AuthyError('60002', { status: 413, message: 'Request body is too large' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AuthyError('60002', { status: 415, message: 'Unsupported media type: send JSON or a form' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AuthyError('60002', { message: 'Invalid request: the content length is wrong' });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AuthyError('60002', { status: error.statusCode, message: 'Invalid request' });
  }
  return undefined;
}

/**
 * Errors the router raises before any route runs (a path parameter over the length limit, a malformed
 * escape in the URL). Given to Fastify as `frameworkErrors`, so these answers carry the envelope too.
 */
export function sendFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = fromFramework(error) ?? new AuthyError('60002');
  reply.status(known.status).send(known.toBody());
}

/** The one place that turns errors into responses: the Authy envelope, never a stack trace (R89). */
export function installErrorHandling(fastify: FastifyInstance): void {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof AuthyError ? error : fromFramework(error);
    if (known === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      const internal = new AuthyError('60000', { status: 500, message: 'Internal server error' });
      return reply.status(500).send(internal.toBody());
    }
    if (known.status >= 500) request.log.warn({ code: known.code }, known.message);
    return reply.status(known.status).headers(known.headers).send(known.toBody());
  });
  fastify.setNotFoundHandler((_request, reply) => {
    const error = new AuthyError('60000', { status: 404, message: 'Not found' });
    return reply.status(404).send(error.toBody());
  });
}
