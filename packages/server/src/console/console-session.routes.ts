import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AuthyError } from '../errors/authy-error.js';
import { clientAddress } from '../http/client-address.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { bodyOf, paramsOf } from '../http/request-input.js';
import type { Clock } from '../lib/clock.js';
import { OPERATOR_ROLES, type Operator, operatorActor } from '../operators/operator.js';
import { type ConsoleSession, OperatorSetupError } from '../operators/operator.service.js';
import {
  auditSourceOf,
  clearSessionCookie,
  consoleAccess,
  consoleSessionOf,
  refuseForeignOrigin,
  sessionIdOf,
  setSessionCookie,
} from './console-access.js';
import { Uuid } from './console-input.js';

const iso = (ms: number) => new Date(ms).toISOString();
const operatorJson = (operator: Operator) => ({
  id: operator.id,
  email: operator.email,
  role: operator.role,
});

/** A WebAuthn response as `@simplewebauthn/browser` sends it; its contents are checked by the verifier. */
const WebAuthnResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1024 }),
    rawId: Type.String({ maxLength: 1024 }),
    type: Type.Literal('public-key'),
    response: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 10 }),
  },
  { additionalProperties: true, maxProperties: 8 },
);
const Token = Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });

const setupOptionsBody = bodyOf(Type.Object({ token: Token }));
const setupBody = bodyOf(Type.Object({ token: Token, response: WebAuthnResponse }));
const assertionBody = bodyOf(Type.Object({ response: WebAuthnResponse }));
const registrationBody = bodyOf(Type.Object({ response: WebAuthnResponse }));
const recoveryBody = bodyOf(
  Type.Object({
    email: Type.String({ minLength: 3, maxLength: 254 }),
    code: Type.String({ minLength: 10, maxLength: 20 }),
  }),
);
const newOperatorBody = bodyOf(
  Type.Object({
    email: Type.String({ minLength: 3, maxLength: 254 }),
    role: Type.Union(OPERATOR_ROLES.map((role) => Type.Literal(role))),
  }),
);
const operatorParams = paramsOf(
  Type.Object({
    id: Uuid,
  }),
);

export interface ConsoleSessionRouteOptions {
  readonly clock: Clock;
  /** Counts sign-in attempts per client address. */
  readonly signInLimiter: RateLimiter;
}

/**
 * The console's sign-in, session and operator routes (docs/console-api.md): setup links, passkey and
 * recovery-code sign-in, step-up, more passkeys, sign-out, and the operators themselves.
 */
export function registerConsoleSessionRoutes(
  scope: FastifyInstance,
  { clock, signInLimiter }: ConsoleSessionRouteOptions,
): void {
  const { operators, audit } = scope.services;
  const site = scope.consoleSite;
  const hide = { schema: { hide: true } };

  /** The public POSTs: same-site only, and a bounded number of attempts per address. */
  const publicPost = async (request: FastifyRequest) => {
    refuseForeignOrigin(request, site);
    const wait = await signInLimiter.hit(`console-sign-in:${clientAddress(request.ip)}`, clock.now());
    if (wait > 0) {
      throw new AuthyError('60003', {
        headers: { 'retry-after': String(wait) },
        event: 'excess_rate_limit_exceeded',
      });
    }
  };

  const sessionJson = (session: ConsoleSession, id: string) => ({
    operator: operatorJson(session.operator),
    csrf_token: operators.csrfToken(id),
    expires_at: iso(session.expiresAt),
    idle_expires_at: iso(session.idleExpiresAt),
    fresh_until: session.freshUntil > clock.now() ? iso(session.freshUntil) : null,
  });

  scope.get('/console/api/session', hide, async (request) => {
    const id = sessionIdOf(request, site);
    const session = id === undefined ? undefined : await operators.session(id, true);
    if (id === undefined || session === undefined) throw new AuthyError('60040');
    return sessionJson(session, id);
  });

  scope.post('/console/api/setup/options', { ...hide, preHandler: publicPost }, async (request) => {
    const { token } = setupOptionsBody(request);
    const { operator, options } = await operators.setupOptions(token);
    return { email: operator.email, options };
  });

  scope.post('/console/api/setup', { ...hide, preHandler: publicPost }, async (request, reply) => {
    const { token, response } = setupBody(request);
    const { session, recoveryCodes } = await operators.completeSetup(
      token,
      response as unknown as RegistrationResponseJSON,
      auditSourceOf(request),
    );
    setSessionCookie(reply, site, session, clock.now());
    return { operator: operatorJson(session.operator), recovery_codes: recoveryCodes };
  });

  scope.post('/console/api/sign-in/options', { ...hide, preHandler: publicPost }, async () => ({
    options: await operators.signInOptions(),
  }));

  scope.post('/console/api/sign-in', { ...hide, preHandler: publicPost }, async (request, reply) => {
    const { response } = assertionBody(request);
    const session = await operators.signIn(
      response as unknown as AuthenticationResponseJSON,
      auditSourceOf(request),
    );
    setSessionCookie(reply, site, session, clock.now());
    return { operator: operatorJson(session.operator) };
  });

  scope.post('/console/api/sign-in/recovery', { ...hide, preHandler: publicPost }, async (request, reply) => {
    const { email, code } = recoveryBody(request);
    const session = await operators.signInWithRecoveryCode(email, code, auditSourceOf(request));
    setSessionCookie(reply, site, session, clock.now());
    return { operator: operatorJson(session.operator) };
  });

  scope.post(
    '/console/api/sign-out',
    { ...hide, preHandler: consoleAccess('read') },
    async (request, reply) => {
      await operators.signOut(consoleSessionOf(request).id);
      clearSessionCookie(reply, site);
      return reply.code(204).send();
    },
  );

  scope.post(
    '/console/api/step-up/options',
    { ...hide, preHandler: consoleAccess('read') },
    async (request) => ({
      options: await operators.stepUpOptions(consoleSessionOf(request).operator),
    }),
  );

  scope.post('/console/api/step-up', { ...hide, preHandler: consoleAccess('read') }, async (request) => {
    const { response } = assertionBody(request);
    const session = consoleSessionOf(request);
    const until = await operators.stepUp(
      session.id,
      session.operator,
      response as unknown as AuthenticationResponseJSON,
    );
    return { fresh_until: iso(until) };
  });

  scope.post(
    '/console/api/passkeys/options',
    { ...hide, preHandler: consoleAccess('read') },
    async (request) => ({
      options: await operators.passkeyOptions(consoleSessionOf(request).operator),
    }),
  );

  scope.post(
    '/console/api/passkeys',
    { ...hide, preHandler: consoleAccess('read') },
    async (request, reply) => {
      const { response } = registrationBody(request);
      const { operator } = consoleSessionOf(request);
      await operators.addPasskey(operator, response as unknown as RegistrationResponseJSON);
      await audit.record({
        actor: operatorActor(operator),
        from: auditSourceOf(request),
        action: 'operator.add_passkey',
        target: { type: 'operator', id: operator.id },
      });
      return reply.code(201).send({ operator: operatorJson(operator) });
    },
  );

  scope.get('/console/api/operators', { ...hide, preHandler: consoleAccess('read') }, async () => ({
    operators: (await operators.list()).map((o) => ({
      ...operatorJson(o),
      created_at: iso(o.createdAt),
      passkeys: o.passkeys,
      signed_in_at: o.signedInAt === null ? null : iso(o.signedInAt),
      setup_pending: o.setupPending,
    })),
  }));

  scope.post(
    '/console/api/operators',
    { ...hide, preHandler: consoleAccess('dangerous') },
    async (request, reply) => {
      const { email, role } = newOperatorBody(request);
      let added: Awaited<ReturnType<typeof operators.add>>;
      try {
        added = await operators.add(email, role);
      } catch (error) {
        if (error instanceof OperatorSetupError) throw new AuthyError('60004', { message: error.message });
        throw error;
      }
      await audit.record({
        actor: operatorActor(consoleSessionOf(request).operator),
        from: auditSourceOf(request),
        action: 'operator.add',
        target: { type: 'operator', id: added.operator.id },
        after: { email: added.operator.email, role: added.operator.role },
      });
      return reply.code(201).send({
        operator: operatorJson(added.operator),
        setup_url: added.setupUrl,
        expires_at: iso(added.expiresAt),
      });
    },
  );

  scope.delete(
    '/console/api/operators/:id',
    { ...hide, preHandler: consoleAccess('dangerous') },
    async (request, reply) => {
      const { id } = operatorParams(request);
      const removed = await operators.remove(id);
      if (removed === undefined) throw new AuthyError('60000', { status: 404, message: 'No such operator' });
      await audit.record({
        actor: operatorActor(consoleSessionOf(request).operator),
        from: auditSourceOf(request),
        action: 'operator.remove',
        target: { type: 'operator', id },
        before: { email: removed.email, role: removed.role },
      });
      return reply.code(204).send();
    },
  );
}
