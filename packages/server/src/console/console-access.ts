import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/digest.js';
import { AuthyError } from '../errors/authy-error.js';
import { clientAddress } from '../http/client-address.js';
import type { ConsoleAccess } from '../operators/operator.js';
import type { ConsoleSession, OpenedSession } from '../operators/operator.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session a console route's access check found (`consoleSessionOf`). */
    consoleSession?: ConsoleSession & { readonly id: string };
  }
}

/** Methods that change nothing: every other one needs the session's CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);
const COOKIE = 'countersign_console';
/** Over HTTPS the cookie is `__Host-` prefixed: Secure, Path=/, no Domain — no other host can set it. */
const SECURE_COOKIE = `__Host-${COOKIE}`;

/** Where the console's cookie and origin rules come from: the service's public URL. */
export interface ConsoleSite {
  readonly origin: string;
  readonly secure: boolean;
}

export function consoleSite(publicUrl: string): ConsoleSite {
  const url = new URL(publicUrl);
  return { origin: url.origin, secure: url.protocol === 'https:' };
}

const cookieName = (site: ConsoleSite) => (site.secure ? SECURE_COOKIE : COOKIE);

/** The session id the request's cookie holds, if any. */
export function sessionIdOf(request: FastifyRequest, site: ConsoleSite): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  const name = cookieName(site);
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, ending with the session. */
export function setSessionCookie(
  reply: FastifyReply,
  site: ConsoleSite,
  session: OpenedSession,
  now: number,
): void {
  const maxAge = Math.max(0, Math.ceil((session.expiresAt - now) / 1000));
  reply.header(
    'set-cookie',
    `${cookieName(site)}=${session.id}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${site.secure ? '; Secure' : ''}`,
  );
}

export function clearSessionCookie(reply: FastifyReply, site: ConsoleSite): void {
  reply.header(
    'set-cookie',
    `${cookieName(site)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${site.secure ? '; Secure' : ''}`,
  );
}

const foreign = () =>
  new AuthyError('60031', { message: 'The request did not come from the console', event: 'authz_fail' });

/**
 * Refuses a request that a browser says comes from another site: an `Origin` other than the service's, or
 * `Sec-Fetch-Site: cross-site`. A request without either (a script, curl) is judged by its CSRF token.
 */
export function refuseForeignOrigin(request: FastifyRequest, site: ConsoleSite): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== site.origin) throw foreign();
  if (request.headers['sec-fetch-site'] === 'cross-site') throw foreign();
}

/**
 * The access check of a console route (docs/console-api.md): a live session (401 / 60040); on any method
 * that may change something, a same-site origin and the session's CSRF token (403 / 60031); for a change,
 * an admin (403 / 60031 — a viewer is refused by the server, not only by hidden buttons); for a dangerous
 * change, a passkey assertion in the last minutes (403 / 60042). A `passive` request (the live feed)
 * does not count as activity for the idle timeout.
 */
export function consoleAccess(access: ConsoleAccess, { passive = false }: { passive?: boolean } = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    const { operators } = request.server.services;
    const site = request.server.consoleSite;
    const id = sessionIdOf(request, site);
    const session = id === undefined ? undefined : await operators.session(id, !passive);
    if (id === undefined || session === undefined) throw new AuthyError('60040');
    if (!SAFE_METHODS.has(request.method)) {
      refuseForeignOrigin(request, site);
      const token = request.headers['x-csrf-token'];
      if (typeof token !== 'string' || !constantTimeEqual(token, operators.csrfToken(id))) throw foreign();
    }
    if (access !== 'read' && session.operator.role !== 'admin') {
      throw new AuthyError('60031', {
        message: 'A viewer can see everything and change nothing',
        event: 'authz_fail',
      });
    }
    if (access === 'dangerous' && !operators.isFresh(session)) throw new AuthyError('60042');
    request.consoleSession = { ...session, id };
  };
}

/** The session a console route's access check found; calling it from a route without one is a bug. */
export function consoleSessionOf(request: FastifyRequest): ConsoleSession & { readonly id: string } {
  const session = request.consoleSession;
  if (session === undefined) throw new TypeError('consoleSessionOf: the route has no consoleAccess check');
  return session;
}

/** Where a console change came from, as the audit log records it: the client's address. */
export function auditSourceOf(request: FastifyRequest): string {
  return clientAddress(request.ip);
}
