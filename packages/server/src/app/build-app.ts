import zlib from 'node:zlib';
import compress from '@fastify/compress';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerApprovalRoutes } from '../approvals/approval.routes.js';
import { type App, policyOf } from '../apps/app.js';
import { registerAppRoutes } from '../apps/app.routes.js';
import { UsageRepository } from '../apps/usage.repository.js';
import { registerAuthenticatorRoutes } from '../authenticator/authenticator.routes.js';
import type { Config } from '../config/load-config.js';
import { registerConsoleApi } from '../console/console-api.routes.js';
import { registerConsoleAppRoutes } from '../console/console-app.routes.js';
import { cryptoRandom, type Random } from '../crypto/random.js';
import { PLATFORMS } from '../devices/device.js';
import { registerDeviceRoutes } from '../devices/device.routes.js';
import { createPostgresEventBus, type PostgresEventBus } from '../events/postgres-event-bus.js';
import { registerFrontDoor } from '../front-door/front-door.routes.js';
import { installContentNegotiation } from '../http/accept.js';
import { type ApiCallers, type ApiGateOptions, createApiGate } from '../http/api-gate.js';
import { basicCredentials } from '../http/basic-credentials.js';
import { installErrorHandling, sendClientError, sendFrameworkError } from '../http/error-handler.js';
import { parseForm } from '../http/form-parser.js';
import { installInFlightLimit } from '../http/in-flight-limit.js';
import { createKeyFailureThrottle } from '../http/key-failure-throttle.js';
import { RateLimitRepository } from '../http/rate-limit.repository.js';
import {
  createDatabaseRateLimiter,
  createMemoryRateLimiter,
  type RateLimiter,
} from '../http/rate-limiter.js';
import { redactUrl } from '../http/redact.js';
import { BODY_LIMIT, parseBody } from '../http/request-body.js';
import { requestLoggerFactory } from '../http/request-logger.js';
import { systemClock } from '../lib/clock.js';
import { MessageWorker } from '../messaging/message-worker.js';
import { HealthRepository } from '../operations/health.repository.js';
import { registerHealthRoutes } from '../operations/health.routes.js';
import { createLogger } from '../operations/logger.js';
import { createMetrics, type Metrics } from '../operations/metrics.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../operations/request-id.js';
import { registerPhoneRoutes } from '../phones/phone.routes.js';
import { registerJwksRoute } from '../receipts/jwks.routes.js';
import { registerApiReference } from '../reference/api-reference.routes.js';
import { registerTokenRoutes } from '../tokens/token.routes.js';
import { registerUserRoutes } from '../users/user.routes.js';
import { registerFactorRoutes } from '../verify/factor.routes.js';
import { registerVerifyRoutes } from '../verify/verify.routes.js';
import { registerVerifyWebhookRoutes } from '../verify/verify-webhook.routes.js';
import { type CallbackSender, createCallbackSender } from '../webhooks/callback-sender.js';
import { parseAllowList } from '../webhooks/ssrf-guard.js';
import { WebhookWorker } from '../webhooks/webhook-worker.js';
import { createServices, type ServiceDeps, type Services } from './services.js';

/** Sign-in attempts to the console a client address may make in a minute. */
const CONSOLE_SIGN_INS_PER_MINUTE = 30;
/** How often the verification counts counted in memory are stored. */
const TALLY_FLUSH_MS = 5_000;
/** How often the pruner takes its share of the rows past their retention. */
const PRUNE_EVERY_MS = 60_000;
/** How often the service signs the audit chain's head. */
const AUDIT_HEAD_EVERY_MS = 5 * 60_000;
/** What lies outside the process. Tests swap any of them. */
export interface Deps extends ServiceDeps {
  readonly rateLimiter?: RateLimiter;
  readonly logger?: FastifyBaseLogger;
  readonly callbackSender?: CallbackSender;
  /**
   * How often the expiry sweeper runs (250 ms); `0` runs none, for a test that must see the store change only
   * by its own calls (expiry on read still holds).
   */
  readonly expirySweepMs?: number;
  /** How often the pruner deletes rows past their retention (every minute); `0` runs none. */
  readonly pruneEveryMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    /** The callback delivery worker (tests drain it; the CLI's redeliver wakes it through the database). */
    webhooks: WebhookWorker;
    /** Prometheus metrics; the entry point serves them on `METRICS_PORT`. */
    metrics: Metrics;
    /** The worker that sends queued messages (tests drain it). */
    messages: MessageWorker;
  }
}

/** How long a new instance waits for its event bus to listen before it gives up starting. */
const BUS_READY_TIMEOUT_MS = 10_000;

/** The bus between instances on PostgreSQL, listening before the app serves anything. */
async function listeningBus(
  config: Config,
  random: Random,
  log: FastifyBaseLogger,
): Promise<PostgresEventBus> {
  const bus = createPostgresEventBus({ url: config.databaseUrl, instanceId: random.uuid(), log });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      bus.ready,
      new Promise((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('the event bus could not listen on the database')),
          BUS_READY_TIMEOUT_MS,
        );
      }),
    ]);
    return bus;
  } catch (error) {
    await bus.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the HTTP application. It never listens: the entry point does. On PostgreSQL it opens the event
 * bus's listening connection (unless `deps.bus` is given) and closes it with the app.
 */
export async function buildApp(config: Config, deps: Deps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const fastify = Fastify({
    loggerInstance: deps.logger ?? createLogger(config),
    bodyLimit: BODY_LIMIT,
    routerOptions: {
      querystringParser: (text: string) => parseForm(text),
      ignoreTrailingSlash: true,
      maxParamLength: 200,
    },
    // A request's headers and body must arrive within the limit, or the connection gets 408 and closes (D13):
    // a slow upload holds its place only that long. Node checks the limit every `connectionsCheckingInterval`.
    requestTimeout: config.requestTimeoutSeconds * 1000,
    http: {
      headersTimeout: config.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutSeconds * 250),
    },
    // "Client address" (per-address budgets, the security log) is then the one the trusted proxies report.
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    connectionTimeout: 60_000,
    return503OnClosing: true,
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: sendClientError,
    // The framework's own request log would print URLs with `api_key` in them (D10): ours redacts.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    // A request's logger becomes a pino child when it first logs: an idle wait holds far less (bench memory).
    childLoggerFactory: requestLoggerFactory,
  });
  // Instances sharing a store hear each other's events through it.
  const ownBus =
    deps.bus === undefined && deps.db.shared
      ? await listeningBus(config, deps.random ?? cryptoRandom, fastify.log)
      : undefined;
  const services = await createServices(config, { ...deps, bus: deps.bus ?? ownBus }).catch(
    async (error: unknown) => {
      await ownBus?.close();
      throw error;
    },
  );
  const metrics = createMetrics({
    webhooksDue: () => services.webhookEvents.countDue(clock.now()),
    ...(ownBus !== undefined && { bus: ownBus }),
  });
  fastify.decorate('services', services);
  fastify.decorate('metrics', metrics);
  fastify.addHook('onRequest', async (request, reply) => {
    // On the raw response, so that streams (which bypass the reply) carry it too.
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (request, body, done) => {
      try {
        request.rawBody = body as string;
        done(null, parseBody(request.headers['content-type'], body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // Validation happens in the API routes on the merged parameters; schemas are for the OpenAPI document.
  fastify.setValidatorCompiler(() => () => true);
  // Response schemas are for the OpenAPI document too: every body is sent as its handler made it, so the
  // clients parse byte for byte what they always did (spec 2.4: compact, `"success":"true"` on verify, keys
  // in their order). A compiled serializer would drop unlisted keys and coerce types. Nothing is checked
  // per response: the contract test validates answers against the document.
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(fastify);
  const shares = installInFlightLimit(fastify, {
    requests: config.maxInFlight,
    streams: config.maxStreams,
    appShare: config.appShare,
    perClient: config.clientMaxInFlight,
  });
  installContentNegotiation(fastify);

  // Pages, scripts and JSON bodies over a kilobyte, for clients that ask; event streams are written raw and
  // never pass through it. Before the static routes, which it must wrap.
  await fastify.register(compress, {
    globalDecompression: false,
    threshold: 1024,
    encodings: ['br', 'gzip', 'deflate'],
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
  // Before every route, which it documents as they are added.
  await registerApiReference(fastify);
  await registerAuthenticatorRoutes(fastify);
  await registerConsoleAppRoutes(fastify);
  registerFrontDoor(fastify);

  // Instances sharing PostgreSQL share their counts too; one instance on SQLite counts in memory.
  const countedLimiter = (perMinute: number) =>
    deps.db.shared
      ? createDatabaseRateLimiter(new RateLimitRepository(deps.db), perMinute)
      : createMemoryRateLimiter(perMinute);
  const limiter = deps.rateLimiter ?? countedLimiter(config.rateLimitPerMinute);
  await registerConsoleApi(fastify, {
    publicUrl: config.publicUrl,
    clock,
    signInLimiter: countedLimiter(CONSOLE_SIGN_INS_PER_MINUTE),
    settings: config,
  });
  const callers: ApiCallers<App> = {
    authenticate: (apiKey) => services.apps.authenticate(apiKey),
    policyOf,
    counted: (app) => services.usage.count(app.id, 'api_calls'),
    // The refusal answers at once; its event is written beside it.
    limited: (app) =>
      void services.windowedEvents
        .record(`app.rate_limited:${app.id}`, {
          type: 'app.rate_limited',
          appId: app.id,
          userId: null,
          deviceId: null,
          detail: {},
        })
        .catch((error: unknown) => fastify.log.error({ err: error }, 'could not record a rate limit event')),
  };
  const door: ApiGateOptions<App> = {
    callers,
    limiter,
    clock,
    sandboxAllowed: config.sandboxAllowed,
    shares,
    // One count of bad keys per address, whichever API they were sent to (R5).
    keyFailures: createKeyFailureThrottle(config.keyFailuresPerMinute),
  };
  const gate = createApiGate<App>(door);
  // Twilio Verify v2 (`/v2`): the same door, with the key as the password of HTTP Basic auth.
  const verifyGate = createApiGate<App>({ ...door, credentials: basicCredentials });
  registerUserRoutes(fastify, gate, services.users, {
    answeringDevices: (app, userId) => services.devices.answeringDevices(app, userId),
    platforms: PLATFORMS,
  });
  registerTokenRoutes(fastify, gate, services.tokens);
  registerApprovalRoutes(fastify, gate, services.approvals, services.bus, clock);
  registerPhoneRoutes(fastify, gate, services.phones);
  registerDeviceRoutes(fastify, gate, {
    enrollment: services.enrollment,
    admissions: services.admissions,
    devices: services.devices,
    answering: services.answering,
    userVerification: services.userVerification,
    bus: services.bus,
    pushPublicKey: services.push.publicKey,
    shares,
  });
  registerVerifyRoutes(fastify, verifyGate, {
    services: services.verifyServices,
    verifications: services.verifications,
    publicUrl: config.publicUrl,
  });
  registerFactorRoutes(fastify, verifyGate, {
    services: services.verifyServices,
    factors: services.verifyFactors,
    publicUrl: config.publicUrl,
  });
  registerVerifyWebhookRoutes(fastify, verifyGate, {
    services: services.verifyServices,
    webhooks: services.verifyWebhooks,
    publicUrl: config.publicUrl,
  });
  registerJwksRoute(fastify, services.receipts);
  registerAppRoutes(fastify, gate, {
    usage: new UsageRepository(deps.db),
    users: services.users,
    clock,
    messagingEnabled: true,
  });

  const health = new HealthRepository(deps.db);
  registerHealthRoutes(fastify, {
    ping: () => health.ping(),
    ...(ownBus !== undefined && { listening: () => ownBus.listening() }),
  });

  services.usage.start();
  const stopPush = services.startPush(fastify.log);
  const webhooks = new WebhookWorker({
    events: services.webhookEvents,
    apps: services.apps,
    approvals: services.approvals,
    verifyWebhooks: services.verifyWebhooks,
    send:
      deps.callbackSender ??
      createCallbackSender(parseAllowList(config.webhookAllow), config.webhookTimeoutSeconds * 1000),
    timeoutMs: config.webhookTimeoutSeconds * 1000,
    bus: services.bus,
    clock,
    log: fastify.log,
    retryForMs: config.webhookRetryHours * 3_600_000,
  });
  webhooks.start();
  fastify.decorate('webhooks', webhooks);
  const messages = new MessageWorker({
    queue: services.messageQueue,
    provider: services.messaging,
    bus: services.bus,
    clock,
    log: fastify.log,
    settled: (messageId, outcome) => services.invitations.settleSend(messageId, outcome),
  });
  messages.start();
  fastify.decorate('messages', messages);
  // Expiry is enforced on every read and write; the sweeper makes it visible (events, callbacks) within a second.
  const sweepEveryMs = deps.expirySweepMs ?? 250;
  // One sweep at a time, and the one in flight is awaited on close: none runs on a store being closed.
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    if (sweeping !== undefined) return;
    sweeping = services.approvals
      .expireDue()
      // Push challenges answered or expired by now are reported to Verify webhooks (issue 19).
      .then(() => services.verifyFactors.settlePushChallenges())
      .then(
        () => undefined,
        (error: unknown) => fastify.log.error({ err: error }, 'expiry sweep failed'),
      )
      .finally(() => {
        sweeping = undefined;
      });
  };
  const sweeper = sweepEveryMs > 0 ? setInterval(sweep, sweepEveryMs).unref() : undefined;
  // The audit chain's head is signed every five minutes (and on demand: `countersign audit sign`).
  const headSigning = setInterval(
    () =>
      void services.audit
        .signHead()
        .catch((error: unknown) => fastify.log.error({ err: error }, 'signing the audit head failed')),
    AUDIT_HEAD_EVERY_MS,
  ).unref();
  // The Overview's verification counts, kept in memory, are stored every few seconds (and when it reads them).
  const tallyFlush = setInterval(
    () =>
      void services.tally
        .flush()
        .catch((error: unknown) => fastify.log.error({ err: error }, 'storing verification counts failed')),
    TALLY_FLUSH_MS,
  ).unref();
  const nonceSweep = setInterval(() => {
    void services.devices.forgetOldNonces().catch(() => undefined);
    void services.guard.forgetEnded().catch(() => undefined);
    void services.overview.forgetOldCounts().catch(() => undefined);
  }, 60_000).unref();
  // Rows past their retention go a few batches a minute, on every instance (they take disjoint rows).
  const pruneEveryMs = deps.pruneEveryMs ?? PRUNE_EVERY_MS;
  if (pruneEveryMs > 0) services.pruner.start(pruneEveryMs, fastify.log);
  // Shutdown (R83): before the server stops taking connections, stop taking background work; once the
  // requests in flight are answered, finish the deliveries in flight, write the counters, stop listening.
  let idleSweep: NodeJS.Timeout | undefined;
  fastify.addHook('preClose', async () => {
    clearInterval(nonceSweep);
    clearInterval(tallyFlush);
    clearInterval(headSigning);
    clearInterval(sweeper);
    await sweeping;
    await services.pruner.stop();
    // The server closes the connections idle when it stops; a keep-alive connection whose answer is
    // still being written (a long poll just told to answer) goes idle later and would hold the shutdown.
    idleSweep = setInterval(() => fastify.server.closeIdleConnections(), 50).unref();
  });
  fastify.addHook('onClose', async () => {
    clearInterval(idleSweep);
    stopPush();
    await webhooks.stop();
    await messages.stop();
    await services.usage.stop();
    await services.tally
      .flush()
      .catch((error: unknown) => fastify.log.error({ err: error }, 'storing verification counts failed'));
    await ownBus?.close();
  });
  return fastify;
}
