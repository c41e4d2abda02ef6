import type { FastifyInstance } from 'fastify';
import { formOf } from '../http/form-body.js';
import {
  ensureSession,
  setSessionCookie,
  signedIn,
  signedInOnly,
  visitorOf,
} from '../http/request-context.js';
import { sendPage } from '../http/send-page.js';
import { BankError } from '../lib/bank-error.js';
import type { SessionService } from '../sessions/session.service.js';
import { landingPage, registerPage, setupPage } from './account.pages.js';
import type { AccountService } from './account.service.js';
import { readRegistration } from './registration-form.js';

/** The front page, registration, and "Set up your authenticator". */
export function registerAccountRoutes(
  fastify: FastifyInstance,
  { accounts, sessions }: { accounts: AccountService; sessions: SessionService },
): void {
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
}
