import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../approvals/origin-details.js';
import { formOf } from '../http/form-body.js';
import { BankError } from '../lib/bank-error.js';
import type { Session } from '../sessions/session.js';
import type { IssuedSession, SessionService } from '../sessions/session.service.js';
import type { Visitor } from '../views/layout.js';
import type { Account } from './account.js';
import type { AccountService } from './account.service.js';

export const SESSION_COOKIE = 'bank_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session the cookie names, loaded before every route. */
    bankSession: Session | undefined;
    /** The account of that session once its password was right (signed in or not). */
    account: Account | undefined;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The cookie's value from the request's `Cookie` header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** A session cookie: never readable by script, not sent on cross-site subrequests or posts, Secure over https. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, issued: IssuedSession): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${issued.cookieValue}; Path=/; HttpOnly; SameSite=Lax${secure}`,
  );
  request.bankSession = issued.session;
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

/** The request's session, starting an anonymous one (with its cookie) when there is none. */
export function ensureSession(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionService,
): Session {
  if (request.bankSession !== undefined) return request.bankSession;
  const issued = sessions.start();
  setSessionCookie(request, reply, issued);
  return issued.session;
}

/** The signed-in customer and their session; routes reach this only behind `signedInOnly`. */
export function signedIn(request: FastifyRequest): { session: Session; account: Account } {
  const { bankSession: session, account } = request;
  if (session === undefined || account === undefined || !session.signedIn) throw new BankError('forbidden');
  return { session, account };
}

/** Where the request comes from, for the details of the approvals it asks for. */
export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/** The header's view of the visitor. */
export function visitorOf(request: FastifyRequest): Visitor {
  const session = request.bankSession;
  return session?.signedIn === true && request.account !== undefined
    ? { email: request.account.email, csrfToken: session.csrfToken }
    : {};
}

/** A `preHandler` that sends visitors who are not signed in to the login page. */
export async function signedInOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.bankSession?.signedIn !== true || request.account === undefined) {
    await reply.redirect('/login', 303);
  }
}

/**
 * Loads the session and its account before every route, and refuses every POST that does not carry the
 * session's CSRF token or that a browser marks as cross-site.
 */
export function installRequestContext(
  fastify: FastifyInstance,
  services: { sessions: SessionService; accounts: AccountService },
): void {
  fastify.decorateRequest('bankSession', undefined);
  fastify.decorateRequest('account', undefined);
  fastify.addHook('onRequest', async (request) => {
    const session = services.sessions.load(cookieValue(request.headers.cookie, SESSION_COOKIE));
    request.bankSession = session;
    request.account = session?.accountId == null ? undefined : services.accounts.find(session.accountId);
  });
  fastify.addHook('preHandler', async (request) => {
    if (request.method !== 'POST') return;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new BankError('forbidden');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && hostOf(origin) !== request.host) {
      throw new BankError('forbidden');
    }
    const session = request.bankSession;
    if (session === undefined || !services.sessions.csrfMatches(session, formOf(request)._csrf)) {
      throw new BankError('forbidden');
    }
  });
}
