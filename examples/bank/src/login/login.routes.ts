import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account.service.js';
import { readLogin } from '../accounts/registration-form.js';
import {
  clearSessionCookie,
  ensureSession,
  originOf,
  setSessionCookie,
} from '../accounts/request-context.routes.js';
import { streamApproval } from '../approvals/approval-stream.routes.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import type { OpenStreams } from '../http/event-stream.js';
import { formOf } from '../http/form-body.js';
import { sendPage } from '../http/send-page.js';
import { BankError } from '../lib/bank-error.js';
import type { Session } from '../sessions/session.js';
import type { SessionService } from '../sessions/session.service.js';
import { loginPage, loginPushAnnouncement, loginPushStatus, secondFactorPage } from './login.pages.js';
import type { LoginService } from './login.service.js';

export interface LoginRouteDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly login: LoginService;
  readonly tracker: ApprovalTracker;
  readonly streams: OpenStreams;
}

/** A login whose password was right and whose second factor is still to come. */
interface HalfwayLogin {
  readonly session: Session;
  readonly account: Account;
}

function halfway(request: FastifyRequest): HalfwayLogin | undefined {
  const { bankSession: session, account } = request;
  return session !== undefined && account !== undefined && !session.signedIn
    ? { session, account }
    : undefined;
}

/** Logging in: the password, then a push approval, a TOTP code or an SMS code; and logging out. */
export function registerLoginRoutes(fastify: FastifyInstance, deps: LoginRouteDeps): void {
  const { accounts, sessions, login, tracker, streams } = deps;

  /** The second-factor page as it stands for this login, with an optional problem or message. */
  const secondFactor = (
    reply: FastifyReply,
    { session, account }: HalfwayLogin,
    extra: { error?: BankError; message?: string } = {},
  ) => {
    const approval = login.pushOf(account, session.loginApproval);
    const push = approval === undefined ? undefined : { approval, trouble: tracker.inTrouble(approval.uuid) };
    return sendPage(
      reply,
      secondFactorPage(session.csrfToken, account.email, { ...extra, ...(push !== undefined && { push }) }),
      extra.error?.status ?? 200,
    );
  };

  /** Runs a step of the second factor; a `BankError` shows on the same page. */
  const step = async (
    request: FastifyRequest,
    reply: FastifyReply,
    run: (login: HalfwayLogin) => Promise<FastifyReply>,
  ): Promise<FastifyReply> => {
    const current = halfway(request);
    if (current === undefined) return reply.redirect('/login', 303);
    try {
      return await run(current);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      return secondFactor(reply, halfway(request) ?? current, { error });
    }
  };

  const finish = (request: FastifyRequest, reply: FastifyReply, { session, account }: HalfwayLogin) => {
    setSessionCookie(request, reply, sessions.signIn(session, account.id));
    return reply.redirect('/transfers', 303);
  };

  fastify.get('/login', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    return sendPage(reply, loginPage(ensureSession(request, reply, sessions).csrfToken));
  });

  fastify.post('/login', async (request, reply) => {
    const form = formOf(request);
    try {
      const { email, password } = readLogin(form);
      const account = await accounts.checkPassword(email, password);
      setSessionCookie(request, reply, sessions.passwordAccepted(request.bankSession, account.id));
      return reply.redirect('/login/verify', 303);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      const csrf = ensureSession(request, reply, sessions).csrfToken;
      return sendPage(reply, loginPage(csrf, { values: { email: form.email ?? '' }, error }), error.status);
    }
  });

  fastify.get('/login/verify', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    const current = halfway(request);
    return current === undefined ? reply.redirect('/login', 303) : secondFactor(reply, current);
  });

  fastify.post('/login/push', (request, reply) =>
    step(request, reply, async ({ session, account }) => {
      const approval = await login.requestPush(account, originOf(request));
      sessions.setLoginApproval(session, approval.uuid);
      return reply.redirect('/login/verify', 303);
    }),
  );

  fastify.get('/login/push/events', async (request, reply) => {
    const current = halfway(request);
    const approval = current && login.pushOf(current.account, current.session.loginApproval);
    if (current === undefined || approval === undefined) throw new BankError('not_found');
    const csrf = current.session.csrfToken;
    streamApproval(request, reply, {
      tracker,
      uuid: approval.uuid,
      open: streams,
      view: {
        render: (next, trouble) => loginPushStatus(next, trouble, csrf),
        announce: loginPushAnnouncement,
      },
    });
  });

  fastify.post('/login/push/complete', (request, reply) =>
    step(request, reply, async (current) => {
      const approval = login.pushOf(current.account, current.session.loginApproval);
      if (approval?.status === 'approved') return finish(request, reply, current);
      if (approval?.status === 'pending') {
        return secondFactor(reply, current, { message: 'Not approved yet. Approve it on your phone first.' });
      }
      return secondFactor(reply, current);
    }),
  );

  fastify.post('/login/code', (request, reply) =>
    step(request, reply, async (current) => {
      await login.verifyCode(current.account, formOf(request).code ?? '');
      return finish(request, reply, current);
    }),
  );

  fastify.post('/login/sms', (request, reply) =>
    step(request, reply, async (current) => {
      const cellphone = await login.sendSms(current.account);
      return secondFactor(reply, current, {
        message: `We texted a code to ${cellphone || 'your phone'}. Enter it below.`,
      });
    }),
  );

  fastify.post('/logout', async (request, reply) => {
    if (request.bankSession !== undefined) sessions.end(request.bankSession);
    clearSessionCookie(reply);
    return reply.redirect('/login', 303);
  });
}
