import type { FastifyInstance } from 'fastify';
import { type OpenStreams, openEventStream } from '../http/event-stream.js';
import { formOf } from '../http/form-body.js';
import { sendPage } from '../http/send-page.js';
import { BankError } from '../lib/bank-error.js';
import type { SessionService } from '../sessions/session.service.js';
import {
  landingPage,
  PHONE_READY,
  PHONE_READY_ANNOUNCEMENT,
  phoneReady,
  registerPage,
  SETUP_EVENTS,
  setupPage,
} from './account.pages.js';
import type { AccountService } from './account.service.js';
import type { EnrollmentWatcher } from './enrollment-watcher.js';
import { readRegistration } from './registration-form.js';
import {
  ensureSession,
  setSessionCookie,
  signedIn,
  signedInOnly,
  visitorOf,
} from './request-context.routes.js';

export interface AccountRouteDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly enrollments: EnrollmentWatcher;
  readonly streams: OpenStreams;
}

/** The front page, registration, and "Set up your authenticator" with its event stream. */
export function registerAccountRoutes(fastify: FastifyInstance, deps: AccountRouteDeps): void {
  const { accounts, sessions, enrollments, streams } = deps;

  fastify.get('/', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    return sendPage(reply, landingPage({}));
  });

  fastify.get('/register', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    return sendPage(reply, registerPage(ensureSession(request, reply, sessions).csrfToken));
  });

  fastify.post('/register', async (request, reply) => {
    const { password: _never, ...values } = formOf(request);
    try {
      const account = await accounts.register(readRegistration(formOf(request)));
      // Creating the account signs the customer in: they set up their second factor next.
      setSessionCookie(request, reply, sessions.signIn(request.bankSession, account.id));
      return reply.redirect('/setup', 303);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      const csrf = ensureSession(request, reply, sessions).csrfToken;
      return sendPage(reply, registerPage(csrf, { values, error }), error.status);
    }
  });

  fastify.get('/setup', { preHandler: signedInOnly }, async (request, reply) => {
    const { account } = signedIn(request);
    return sendPage(reply, setupPage(visitorOf(request), await accounts.authenticatorSetup(account)));
  });

  // One event, once the phone is enrolled: the setup page turns into "Your phone is ready" by itself.
  fastify.get(SETUP_EVENTS, async (request, reply) => {
    const { account } = signedIn(request);
    let unwatch = () => {};
    const stream = openEventStream(request, reply, streams, () => unwatch());
    unwatch = enrollments.watch(account.authyId, () =>
      stream.sendState({
        key: PHONE_READY,
        final: true,
        html: phoneReady().text,
        announce: PHONE_READY_ANNOUNCEMENT,
      }),
    );
  });
}
