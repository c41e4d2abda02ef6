import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreUnavailable } from '../db/store-unavailable.js';
import { AuthyError } from '../errors/authy-error.js';
import { isVerifyUrl, twilioEnvelope } from './twilio-envelope.js';

/** The envelope of the request's route family: Twilio's on `/v2` (the Verify v2 API), Authy's elsewhere. */
function bodyOf(request: FastifyRequest, error: AuthyError): object {
  return isVerifyUrl(request.url) ? twilioEnvelope(error) : error.toBody();
}

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
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = fromFramework(error) ?? new AuthyError('60002');
  reply.status(known.status).send(bodyOf(request, known));
}

const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'Invalid request: the headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'Invalid request: it took too long to arrive' },
};

/** Node's own record of the response in progress on a connection; its default handler checks it too. */
type HttpSocket = Socket & { _httpMessage?: { headersSent: boolean } | null };

/**
 * What the HTTP parser refuses before any route runs (a malformed request line, headers or URL over the
 * size limit, a request whose headers or body took too long) gets the Authy envelope too (R89), then the
 * connection closes. Given to Fastify as `clientErrorHandler`.
 */
export function sendClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = CLIENT_ERRORS[error.code ?? ''] ?? {
    status: 400,
    message: 'Invalid request: it is not well-formed HTTP',
  };
  const body = JSON.stringify(new AuthyError('60002', { status, message }).toBody());
  // A request answered before its body arrived (refused as busy) has had its answer: a second would be garbage.
  const answered = (socket as HttpSocket)._httpMessage?.headersSent === true;
  if (socket.writable && !answered) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * The one place that turns errors into responses: the Authy envelope, or Twilio's on the Verify v2 routes
 * (`/v2`), never a stack trace (R89).
 */
export function installErrorHandling(fastify: FastifyInstance): void {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof AuthyError ? error : fromFramework(error);
    if (known === undefined && isStoreUnavailable(error)) {
      // The database is away (restarting, failing over): nothing was accepted, and a retry may succeed.
      request.log.warn({ err: error }, 'store unavailable');
      const unavailable = new AuthyError('60000', { status: 503, message: 'Service unavailable' });
      return reply.status(503).header('retry-after', '1').send(bodyOf(request, unavailable));
    }
    if (known === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      const internal = new AuthyError('60000', { status: 500, message: 'Internal server error' });
      return reply.status(500).send(bodyOf(request, internal));
    }
    if (known.status >= 500) request.log.warn({ code: known.code }, known.message);
    // R84: who tried what and from where; the app id is on the request's logger once its key was accepted.
    if (known.event !== undefined) {
      request.log.warn(
        {
          event: known.event,
          code: known.code,
          status: known.status,
          reason: known.reason ?? known.message,
          ip: request.ip,
        },
        'security event',
      );
    }
    return reply.status(known.status).headers(known.headers).send(bodyOf(request, known));
  });
  fastify.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request);
    const error =
      allowed.length > 0
        ? new AuthyError('60002', {
            status: 405,
            message: `Method not allowed: this path answers ${allowed.join(', ')}`,
            headers: { allow: allowed.join(', ') },
          })
        : isVerifyUrl(request.url)
          ? new AuthyError('20404', {
              message: `The requested resource ${request.url.split('?')[0]} was not found`,
            })
          : new AuthyError('60000', { status: 404, message: 'Not found' });
    return reply.status(error.status).headers(error.headers).send(bodyOf(request, error));
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The methods the request's path answers when its own method is not one of them (none: a 404), asked of
 * the router itself, so that its rules on slashes and lengths hold. A route of the request's method that
 * found nothing (a static file missing) is a 404 too.
 */
function allowedMethods(request: FastifyRequest): string[] {
  const path = request.url.split('?')[0] ?? '';
  const answers = (method: string) => request.server.findRoute({ method, url: path }) !== null;
  return answers(request.method) ? [] : METHODS.filter(answers);
}
