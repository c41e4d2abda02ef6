import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamApproval } from '../approvals/approval-stream.routes.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import { type OpenStreams, openEventStream } from '../http/event-stream.js';
import { formOf } from '../http/form-body.js';
import { sendPage } from '../http/send-page.js';
import { BankError } from '../lib/bank-error.js';
import type { SessionService } from '../sessions/session.service.js';
import {
  CONFIRM_EVENTS,
  confirmPage,
  confirmPushAnnouncement,
  confirmPushStatus,
  landingPage,
  PHONE_READY,
  PHONE_READY_ANNOUNCEMENT,
  phoneReady,
  SETUP_EVENTS,
  securityPage,
  setupPage,
} from './account.pages.js';
import type { AccountService } from './account.service.js';
import type { ConfirmationService } from './confirmation.service.js';
import type { EnrollmentWatcher } from './enrollment-watcher.js';
import { maskedPhone } from './registration.js';
import { registerPage, verifyPhonePage } from './registration.pages.js';
import type { RegistrationService } from './registration.service.js';
import { readRegistration } from './registration-form.js';
import {
  ensureSession,
  originOf,
  setSessionCookie,
  signedIn,
  signedInOnly,
  visitorOf,
} from './request-context.routes.js';

export interface AccountRouteDeps {
  readonly accounts: AccountService;
  readonly registrations: RegistrationService;
  readonly sessions: SessionService;
  readonly confirmations: ConfirmationService;
  readonly tracker: ApprovalTracker;
  readonly enrollments: EnrollmentWatcher;
  readonly streams: OpenStreams;
}

/**
 * The front page; registration with its texted code; "Security" with the customer's devices; and "Set up
 * your authenticator", which shows an enrollment link only to a session confirmed moments ago (the password
 * typed again, or a push approved on a phone already set up), with their event streams.
 */
export function registerAccountRoutes(fastify: FastifyInstance, deps: AccountRouteDeps): void {
  const { accounts, registrations, sessions, confirmations, tracker, enrollments, streams } = deps;

  fastify.get('/', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    return sendPage(reply, landingPage({}));
  });

  fastify.get('/register', async (request, reply) => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    const session = ensureSession(request, reply, sessions);
    // Back from "Verify your cellphone" to change the number: what was typed is kept (not the password).
    const pending = registrations.find(session.idHash);
    const values = pending && {
      email: pending.email,
      cellphone: pending.cellphone,
      country_code: pending.countryCode,
    };
    return sendPage(reply, registerPage(session.csrfToken, values === undefined ? {} : { values }));
  });

  fastify.post('/register', async (request, reply) => {
    const { password: _never, ...values } = formOf(request);
    const session = ensureSession(request, reply, sessions);
    try {
      await registrations.start(session.idHash, readRegistration(formOf(request)));
      return reply.redirect('/register/verify', 303);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      return sendPage(reply, registerPage(session.csrfToken, { values, error }), error.status);
    }
  });

  /**
   * A step of "Verify your cellphone" for the session's registration: `run` answers itself, or returns the
   * message to show on the page (`undefined`: none). A `BankError` shows on the page too.
   */
  const verifyStep = async (
    request: FastifyRequest,
    reply: FastifyReply,
    run: (sessionKey: string) => Promise<FastifyReply | string | undefined>,
  ): Promise<FastifyReply> => {
    if (request.bankSession?.signedIn === true) return reply.redirect('/transfers', 303);
    const session = request.bankSession;
    const pending = session === undefined ? undefined : registrations.find(session.idHash);
    if (session === undefined || pending === undefined) return reply.redirect('/register', 303);
    try {
      const done = await run(session.idHash);
      if (typeof done === 'object') return done;
      const current = registrations.find(session.idHash) ?? pending;
      return sendPage(
        reply,
        verifyPhonePage(session.csrfToken, current, done === undefined ? {} : { message: done }),
      );
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      const current = registrations.find(session.idHash) ?? pending;
      // The service refused the email or number itself: back to the form, beside its field.
      if (error.code === 'invalid_input' && !('code' in error.fields)) {
        const values = {
          email: current.email,
          cellphone: current.cellphone,
          country_code: current.countryCode,
        };
        return sendPage(reply, registerPage(session.csrfToken, { values, error }), error.status);
      }
      return sendPage(reply, verifyPhonePage(session.csrfToken, current, { error }), error.status);
    }
  };

  fastify.get('/register/verify', (request, reply) => verifyStep(request, reply, async () => undefined));

  fastify.post('/register/verify', (request, reply) =>
    verifyStep(request, reply, async (sessionKey) => {
      const account = await registrations.complete(sessionKey, formOf(request).code ?? '');
      // The phone's code and the password were given just now: signed in, and confirmed to add a device.
      setSessionCookie(request, reply, sessions.confirm(request.bankSession, account.id));
      return reply.redirect('/setup', 303);
    }),
  );

  fastify.post('/register/resend', (request, reply) =>
    verifyStep(request, reply, async (sessionKey) => {
      const sent = await registrations.resend(sessionKey);
      if (sent.verifiedAt !== null) return undefined;
      return `We texted a new code to ${maskedPhone(sent.countryCode, sent.cellphone)}.`;
    }),
  );

  fastify.get('/security', { preHandler: signedInOnly }, async (request, reply) => {
    const { account } = signedIn(request);
    return sendPage(reply, securityPage(visitorOf(request), account, await accounts.devices(account)));
  });

  /** "Confirm it’s you" as it stands for this session: the password, or its push to a phone already set up. */
  const confirmation = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: BankError; message?: string } = {},
  ) => {
    const { session, account } = signedIn(request);
    const approval = confirmations.approvalOf(account, session.confirmApproval);
    const push = approval && { approval, trouble: tracker.inTrouble(approval.uuid) };
    const canApprove = push !== undefined || (await accounts.enrolled(account));
    const visitor = { ...visitorOf(request), csrfToken: session.csrfToken };
    return sendPage(
      reply,
      confirmPage(visitor, { canApprove, ...extra, ...(push !== undefined && { push }) }),
      extra.error?.status ?? 200,
    );
  };

  /** The session is confirmed: a new session id, and the enrollment link next. */
  const confirmed = (request: FastifyRequest, reply: FastifyReply) => {
    const { session, account } = signedIn(request);
    setSessionCookie(request, reply, sessions.confirm(session, account.id));
    return reply.redirect('/setup', 303);
  };

  fastify.get('/setup', { preHandler: signedInOnly }, async (request, reply) => {
    const { session, account } = signedIn(request);
    if (!sessions.recentlyConfirmed(session)) return confirmation(request, reply);
    return sendPage(reply, setupPage(visitorOf(request), await accounts.authenticatorSetup(account)));
  });

  fastify.post('/setup/confirm', { preHandler: signedInOnly }, async (request, reply) => {
    try {
      await accounts.confirmPassword(signedIn(request).account, formOf(request).password ?? '');
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      return confirmation(request, reply, { error });
    }
    return confirmed(request, reply);
  });

  fastify.post('/setup/confirm/push', { preHandler: signedInOnly }, async (request, reply) => {
    const { session, account } = signedIn(request);
    try {
      const approval = await confirmations.request(account, originOf(request));
      sessions.setConfirmApproval(session, approval.uuid);
    } catch (error) {
      if (!(error instanceof BankError)) throw error;
      return confirmation(request, reply, { error });
    }
    return reply.redirect('/setup', 303);
  });

  fastify.get(CONFIRM_EVENTS, async (request, reply) => {
    const { session, account } = signedIn(request);
    const approval = confirmations.approvalOf(account, session.confirmApproval);
    if (approval === undefined) throw new BankError('not_found');
    streamApproval(request, reply, {
      tracker,
      uuid: approval.uuid,
      open: streams,
      view: {
        render: (next, trouble) => confirmPushStatus(next, trouble, session.csrfToken),
        announce: confirmPushAnnouncement,
      },
    });
  });

  fastify.post('/setup/confirm/complete', { preHandler: signedInOnly }, async (request, reply) => {
    const { session, account } = signedIn(request);
    const approval = confirmations.approvalOf(account, session.confirmApproval);
    if (approval?.status === 'approved') return confirmed(request, reply);
    if (approval?.status === 'pending') {
      return confirmation(request, reply, { message: 'Not approved yet. Approve it on your phone first.' });
    }
    return confirmation(request, reply);
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
