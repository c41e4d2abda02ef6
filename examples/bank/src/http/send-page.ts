import type { FastifyReply } from 'fastify';
import type { SafeHtml } from '../views/html.js';

/** Sends a rendered page. Pages hold sessions' CSRF tokens and account data: never cached. */
export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page.text);
}
