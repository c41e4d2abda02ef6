import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccountRepository } from '../accounts/account.repository.js';
import { registerAccountRoutes } from '../accounts/account.routes.js';
import { AccountService } from '../accounts/account.service.js';
import { ConfirmationService } from '../accounts/confirmation.service.js';
import { EnrollmentWatcher } from '../accounts/enrollment-watcher.js';
import { argon2Hasher, type PasswordHasher } from '../accounts/password-hasher.js';
import { RegistrationRepository } from '../accounts/registration.repository.js';
import { RegistrationService } from '../accounts/registration.service.js';
import { installRequestContext, visitorOf } from '../accounts/request-context.routes.js';
import { ApprovalRepository } from '../approvals/approval.repository.js';
import { ApprovalTracker } from '../approvals/approval-tracker.js';
import type { Countersign } from '../countersign/countersign.js';
import { createCountersign } from '../countersign/sdk-countersign.js';
import { openBankDatabase } from '../db/open-bank-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { installErrorHandling } from '../http/error-handler.js';
import type { OpenStreams } from '../http/event-stream.js';
import { FORM_BODY_LIMIT, installFormParser } from '../http/form-body.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { registerLoginRoutes } from '../login/login.routes.js';
import { LoginService } from '../login/login.service.js';
import { SessionRepository } from '../sessions/session.repository.js';
import { SessionService } from '../sessions/session.service.js';
import { TransferRepository } from '../transfers/transfer.repository.js';
import { registerTransferRoutes } from '../transfers/transfer.routes.js';
import { TransferService } from '../transfers/transfer.service.js';

/** How the bank is set up. */
export interface BankOptions {
  /** The Authy-compatible service, e.g. `http://localhost:8080`. */
  readonly apiUrl: string;
  /** The bank's API key at that service. */
  readonly apiKey: string;
  /** Where `bank.db` lives. */
  readonly dataDir: string;
  /** `seconds_to_expire` of every approval request: 600 as in the workshop; tests shorten it. */
  readonly approvalSeconds?: number;
  /** pino level, or `silent`. */
  readonly logLevel?: string;
}

/** What lies outside the process. Tests may swap any of them. */
export interface BankDeps {
  readonly db?: SqlDatabase;
  readonly countersign?: Countersign;
  readonly clock?: Clock;
  readonly passwords?: PasswordHasher;
}

export const DEFAULT_APPROVAL_SECONDS = 600;

/** Every page: only the bank's own script and styles, images from itself or inline QR codes, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SESSION_SWEEP_MS = 10 * 60 * 1000;

/** The bank's stylesheet and script. The same relative path holds from `src/app/` and `dist/app/`. */
const PUBLIC_DIR = new URL('../../public/', import.meta.url);

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

function asset(name: string, type: string): Asset {
  const body = readFileSync(new URL(name, PUBLIC_DIR));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/** Builds the bank's HTTP application over its store and the security service. It never listens. */
export async function buildBank(options: BankOptions, deps: BankDeps = {}): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const db = deps.db ?? openBankDatabase(options.dataDir);
  const countersign = deps.countersign ?? createCountersign(options);
  const fastify = Fastify({
    logger: { level: options.logLevel ?? 'info', name: 'bank' },
    bodyLimit: FORM_BODY_LIMIT,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 100 },
  });

  const passwords = deps.passwords ?? argon2Hasher;
  const accountRepository = new AccountRepository(db);
  const accounts = new AccountService(accountRepository, countersign, passwords);
  const registrations = new RegistrationService(
    new RegistrationRepository(db),
    accountRepository,
    countersign,
    passwords,
    clock,
  );
  const sessions = new SessionService(new SessionRepository(db), clock);
  const tracker = new ApprovalTracker(new ApprovalRepository(db), countersign, clock, {
    secondsToExpire: options.approvalSeconds ?? DEFAULT_APPROVAL_SECONDS,
    onError: (error) => fastify.log.error({ err: error }, 'following an approval request failed'),
  });
  const enrollments = new EnrollmentWatcher(countersign, {
    onError: (error) => fastify.log.error({ err: error }, 'asking whether a phone is enrolled failed'),
  });
  const login = new LoginService(accounts, tracker, countersign);
  const transfers = new TransferService(new TransferRepository(db), accounts, tracker, clock);
  const streams: OpenStreams = new Set();

  installFormParser(fastify);
  installErrorHandling(fastify, visitorOf);
  installRequestContext(fastify, { sessions, accounts });
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
  });

  registerAccountRoutes(fastify, {
    accounts,
    registrations,
    sessions,
    confirmations: new ConfirmationService(accounts, tracker),
    tracker,
    enrollments,
    streams,
  });
  registerLoginRoutes(fastify, { accounts, sessions, login, tracker, streams });
  registerTransferRoutes(fastify, { transfers, tracker, streams });

  const assets: Readonly<Record<string, Asset>> = {
    'bank.css': asset('bank.css', 'text/css; charset=utf-8'),
    'live.js': asset('live.js', 'text/javascript; charset=utf-8'),
    'icon.svg': asset('icon.svg', 'image/svg+xml'),
  };
  fastify.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const found = Object.hasOwn(assets, request.params.name) ? assets[request.params.name] : undefined;
    if (found === undefined) return reply.callNotFound();
    reply.header('cache-control', 'no-cache').header('etag', found.etag);
    if (request.headers['if-none-match'] === found.etag) return reply.status(304).send();
    return reply.type(found.type).send(found.body);
  });
  fastify.get('/healthz', async () => ({ status: 'ok' }));

  tracker.resume();
  const sweeper = setInterval(() => sessions.sweep(), SESSION_SWEEP_MS);
  sweeper.unref();
  // Open event streams would hold the server open: end them, and every wait at the service, first.
  fastify.addHook('preClose', async () => {
    tracker.close();
    enrollments.close();
    for (const close of [...streams]) close();
  });
  fastify.addHook('onClose', async () => {
    clearInterval(sweeper);
    if (deps.db === undefined) db.close();
  });
  return fastify;
}
