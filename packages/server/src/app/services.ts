import { ApprovalRepository } from '../approvals/approval.repository.js';
import { ApprovalService } from '../approvals/approval.service.js';
import { AppRepository } from '../apps/app.repository.js';
import { AppService } from '../apps/app.service.js';
import { KEY_CACHE_TTL_MS, KeyCache } from '../apps/key-cache.js';
import { UsageRepository } from '../apps/usage.repository.js';
import { UsageCounter } from '../apps/usage-counter.js';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditLog } from '../audit/audit-log.js';
import { auditedSecurityLog } from '../audit/audited-security-log.js';
import type { Config } from '../config/load-config.js';
import { cryptoRandom, type Random } from '../crypto/random.js';
import type { Store } from '../db/database.js';
import { loadServiceKeys } from '../db/master-key-check.js';
import { MetaRepository } from '../db/meta.repository.js';
import { AdmissionRepository } from '../devices/admission.repository.js';
import { AdmissionService } from '../devices/admission.service.js';
import { AnsweringService } from '../devices/answering.service.js';
import { DeviceRepository } from '../devices/device.repository.js';
import { DeviceService } from '../devices/device.service.js';
import { EnrollmentService } from '../devices/enrollment.service.js';
import { InvitationRepository } from '../devices/invitation.repository.js';
import { InvitationService } from '../devices/invitation.service.js';
import { PasskeyRepository } from '../devices/passkey.repository.js';
import { UserVerificationService } from '../devices/user-verification.service.js';
import { createMemoryEventBus, type EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import { type Clock, systemClock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import { createConsoleProvider } from '../messaging/console-provider.js';
import { MessageQueue } from '../messaging/message-queue.js';
import { MessageQueueRepository } from '../messaging/message-queue.repository.js';
import type { MessagingProvider } from '../messaging/messaging-provider.js';
import { OutboxRepository } from '../messaging/outbox.repository.js';
import { routeSandboxToOutbox } from '../messaging/sandbox-router.js';
import { SendBudgetRepository } from '../messaging/send-budget.repository.js';
import { SendGuard } from '../messaging/send-guard.js';
import { createTwilioProvider } from '../messaging/twilio-provider.js';
import { SecurityEventRepository } from '../operations/security-event.repository.js';
import type { SecurityLog } from '../operations/security-log.js';
import {
  type WindowedSecurityEvents,
  windowedSecurityEvents,
} from '../operations/windowed-security-events.js';
import { OperatorRepository } from '../operators/operator.repository.js';
import { OperatorService } from '../operators/operator.service.js';
import type { ExportSources } from '../operators/user-export.js';
import { OverviewRepository } from '../overview/overview.repository.js';
import { OverviewService } from '../overview/overview.service.js';
import { VerificationCountRepository } from '../overview/verification-count.repository.js';
import { BufferedVerificationTally } from '../overview/verification-tally.js';
import { PhoneService } from '../phones/phone.service.js';
import { PhoneVerificationRepository } from '../phones/phone-verification.repository.js';
import { startPushNotifier } from '../push/push-notifier.js';
import { createWebPushSender, loadVapidKeys, type PushSender } from '../push/push-sender.js';
import { SigningKeyRepository } from '../receipts/signing-key.repository.js';
import { SIGNING_KEY_TTL_MS, SigningKeys } from '../receipts/signing-keys.js';
import { Pruner } from '../retention/pruner.js';
import { TokenRepository } from '../tokens/token.repository.js';
import { TokenService } from '../tokens/token.service.js';
import { UserRepository } from '../users/user.repository.js';
import { UserService } from '../users/user.service.js';
import { UserImport } from '../users/user-import.js';
import { FactorRepository } from '../verify/factor.repository.js';
import { FactorService } from '../verify/factor.service.js';
import { VerificationRepository } from '../verify/verification.repository.js';
import { VerificationService } from '../verify/verification.service.js';
import { VerifyServiceRepository } from '../verify/verify-service.repository.js';
import { VerifyServices } from '../verify/verify-service.service.js';
import { VerifyWebhookRepository } from '../verify/verify-webhook.repository.js';
import { VerifyWebhooks } from '../verify/verify-webhook.service.js';
import { parseAllowList } from '../webhooks/ssrf-guard.js';
import { WebhookEventRepository } from '../webhooks/webhook-event.repository.js';
import { callbackLeaseMs } from '../webhooks/webhook-worker.js';

/** What lies outside the process, as the services use it. Tests swap any of them. */
export interface ServiceDeps {
  readonly db: Store;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly messaging?: MessagingProvider;
  readonly bus?: EventBus;
  readonly push?: PushSender;
}

/** The services behind the routes, for the command line and for tests. */
export interface Services {
  readonly apps: AppService;
  readonly users: UserService;
  /** `countersign users import`: an app's users with the Authy ids it already stores. */
  readonly userImport: UserImport;
  readonly tokens: TokenService;
  readonly approvals: ApprovalService;
  readonly phones: PhoneService;
  readonly outbox: OutboxRepository;
  readonly usage: UsageCounter;
  readonly devices: DeviceService;
  readonly enrollment: EnrollmentService;
  /** Enrollment invitations: bringing imported users' devices over (issue 20, D15). */
  readonly invitations: InvitationService;
  readonly admissions: AdmissionService;
  readonly answering: AnsweringService;
  readonly userVerification: UserVerificationService;
  /** The receipt signing keys: what signs receipts and audit heads, the JWKS, and their rotation. */
  readonly receipts: SigningKeys;
  /** The tamper-evident audit log: operator actions and security events in one signed hash chain. */
  readonly audit: AuditLog;
  /** The console's operators, their passkeys and sessions. */
  readonly operators: OperatorService;
  readonly bus: EventBus;
  readonly push: PushSender;
  readonly guard: SendGuard;
  /** The configured provider, with sandbox apps' messages routed to the outbox. */
  readonly messaging: MessagingProvider;
  readonly messageQueue: MessageQueueRepository;
  /** The callback outbox: its events and their deliveries. */
  readonly webhookEvents: WebhookEventRepository;
  /** Where security events are recorded: their table and the audit chain. */
  readonly securityLog: SecurityLog;
  /** Security events that may come in floods (rate limits, refused answers), recorded once a minute per key. */
  readonly windowedEvents: WindowedSecurityEvents;
  /** The security events recorded (R84), for operators to read. */
  readonly securityEvents: SecurityEventRepository;
  /** The console's Overview: the service's figures over a recent range. */
  readonly overview: OverviewService;
  /** The verifications counted in memory for the Overview, stored every few seconds. */
  readonly tally: BufferedVerificationTally;
  /** Twilio Verify v2: the apps' services, and their verifications (issue 19). */
  readonly verifyServices: VerifyServices;
  /** Verify v2 entities, TOTP factors and challenges. */
  readonly verifyFactors: FactorService;
  /** Verify v2 webhooks of the services, where their factor and challenge events go. */
  readonly verifyWebhooks: VerifyWebhooks;
  readonly verifications: VerificationService;
  /** Where a person's own copy of their data is read from (`users export`). */
  readonly userExport: ExportSources;
  /** Deletes rows past their retention: in the background of every instance, and for `countersign prune`. */
  readonly pruner: Pruner;
  /** Starts pushing each new request to the devices of its user; returns a function that stops. */
  startPush(log: Log): () => void;
}

/**
 * Wires the services over a store: used by `buildApp`, and by the commands that work on the database
 * (which load no HTTP stack).
 */
export async function createServices(config: Config, deps: ServiceDeps): Promise<Services> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? cryptoRandom;
  const { box, keys } = await loadServiceKeys(deps.db, config.masterKey, config.previousMasterKey);
  const bus = deps.bus ?? createMemoryEventBus();
  // Every change made through the store is announced on the bus, with the change.
  const store = deps.db.announcing(bus.announcer);
  const outbox = new OutboxRepository(store, box, random);
  const outboxProvider = createConsoleProvider(outbox, clock);
  const configured =
    deps.messaging ??
    (config.messaging.provider === 'twilio' ? createTwilioProvider(config.messaging) : outboxProvider);
  const messaging = routeSandboxToOutbox(configured, outboxProvider);
  const usage = new UsageCounter(new UsageRepository(store), clock);
  const appRepository = new AppRepository(store);
  // R4′: exact on SQLite (checked against other processes' commits on every call), at most 1 s old where
  // instances share the database; every change of an app, here or announced by another instance, drops it.
  const keyCache = new KeyCache({
    dataVersion: () => appRepository.dataVersion(),
    ttlMs: store.shared ? KEY_CACHE_TTL_MS : undefined,
  });
  bus.subscribe(topics.apps, () => keyCache.clear());
  const apps = new AppService({
    repository: appRepository,
    keys,
    box,
    random,
    clock,
    cache: keyCache,
    settleMs: store.shared ? KEY_CACHE_TTL_MS : 0,
  });
  const webhookEvents = new WebhookEventRepository(store);
  const approvalRepository = new ApprovalRepository(store, webhookEvents);
  const deviceRepository = new DeviceRepository(store);
  const messageQueue = new MessageQueueRepository(store, box, random);
  const securityEvents = new SecurityEventRepository(store);
  const phoneVerifications = new PhoneVerificationRepository(store);
  const verifyVerifications = new VerificationRepository(store);
  const userRepository = new UserRepository(
    store,
    [(tx, appId, userId) => approvalRepository.withdrawAll(tx, appId, userId)],
    // Erasing a person (issue 21): every place their data lives, in one transaction; callbacks before the
    // requests they name.
    {
      callbacks: (tx, person) => webhookEvents.eraseForUser(tx, person.userId),
      requests: (tx, person) => approvalRepository.eraseUser(tx, person.userId),
      devices: (tx, person) => deviceRepository.eraseUser(tx, person.userId),
      messages: (tx, person) => outbox.eraseRecipient(tx, person.e164),
      queued_messages: (tx, person) => messageQueue.eraseRecipient(tx, person.e164),
      phone_verifications: (tx, person) =>
        phoneVerifications.erasePhone(tx, person.countryCode, person.phone),
      verify_verifications: (tx, person) => verifyVerifications.eraseRecipient(tx, person.e164),
      security_events: (tx, person) => securityEvents.eraseUser(tx, person.userId),
    },
  );
  const verifyWebhookRepository = new VerifyWebhookRepository(store, webhookEvents, random);
  const users = new UserService({ repository: userRepository, box, random, clock, usage });
  const settings = {
    codeTtlSeconds: config.codeTtlSeconds,
    sendLimitPer10Minutes: config.sendLimitPer10Minutes,
  };
  const kept = new MetaRepository(store);
  // Like the key cache (R4′): exact on SQLite by the data version, at most 1 s old where instances share the
  // database; a rotation announced here or by another instance is read at once.
  const receipts = await SigningKeys.load({
    repository: new SigningKeyRepository(store),
    kept,
    box,
    clock,
    ttlMs: store.shared ? SIGNING_KEY_TTL_MS : undefined,
    settleMs: store.shared ? SIGNING_KEY_TTL_MS : 0,
  });
  bus.subscribe(topics.signingKeys, () => receipts.changed());
  const audit = new AuditLog({ repository: new AuditRepository(store), signer: receipts, random, clock });
  const securityLog = auditedSecurityLog(securityEvents, audit);
  const guard = new SendGuard({
    budgets: new SendBudgetRepository(store),
    securityLog,
    keys,
    random,
    clock,
    limits: {
      appPerHour: config.smsPerHour,
      appPerDay: config.smsPerDay,
      phonePerHour: config.smsPerPhoneHour,
    },
  });
  const approvals = new ApprovalService({
    repository: approvalRepository,
    users,
    box,
    random,
    clock,
    bus,
    callbackLeaseMs: callbackLeaseMs(config.webhookTimeoutSeconds * 1000),
  });
  const devices = new DeviceService({
    repository: deviceRepository,
    users,
    securityLog,
    box,
    random,
    clock,
    pushAllow: config.pushAllow,
  });
  const messages = new MessageQueue(messageQueue, clock, bus);
  const invitationRepository = new InvitationRepository(store);
  const enrollment = new EnrollmentService({
    repository: deviceRepository,
    invitations: invitationRepository,
    users,
    messages,
    guard,
    securityLog,
    keys,
    random,
    clock,
    publicUrl: config.publicUrl,
    codeTtlMs: config.codeTtlSeconds * 1000,
    // A Verify v2 access token's link makes the entity's push factor (the factor service is made below).
    onLinkEnrolled: async (enrolled) => {
      await verifyFactors.pushFactorEnrolled(enrolled);
    },
  });
  const userVerification = new UserVerificationService({
    repository: new PasskeyRepository(store),
    keys,
    clock,
    publicUrl: config.publicUrl,
  });
  const admissions = new AdmissionService({
    repository: new AdmissionRepository(store, deviceRepository),
    devices: deviceRepository,
    users,
    userVerification,
    securityLog,
    keys,
    random,
    clock,
    publicUrl: config.publicUrl,
  });
  const windowedEvents = windowedSecurityEvents({ securityLog, random, clock });
  const answering = new AnsweringService({
    refusals: windowedEvents,
    approvals,
    users,
    receipts,
    userVerification,
    securityLog,
    random,
    clock,
    publicUrl: config.publicUrl,
  });
  const verifyFactors = new FactorService({
    repository: new FactorRepository(store, verifyWebhookRepository),
    box,
    random,
    clock,
    securityLog,
    users,
    enrollment,
    approvals,
    devices,
  });
  const verificationCounts = new VerificationCountRepository(store);
  const tally = new BufferedVerificationTally(verificationCounts);
  /** What the services that send codes share. */
  const sending = { messaging, guard, keys, random, clock, usage, settings };
  const tokens = new TokenService({
    ...sending,
    repository: new TokenRepository(store, userRepository),
    tally,
    users,
    securityLog,
    answeringDevices: async (app, userId) => (await devices.answeringDevices(app, userId)).length,
  });
  const phones = new PhoneService({
    ...sending,
    repository: phoneVerifications,
    tally,
  });
  const verifications = new VerificationService({
    ...sending,
    repository: verifyVerifications,
    tally,
    codeTtlSeconds: config.codeTtlSeconds,
  });
  const operators = new OperatorService({
    repository: new OperatorRepository(store),
    keys,
    random,
    clock,
    securityLog,
    publicUrl: config.publicUrl,
  });
  const vapid = await loadVapidKeys(kept, box);
  // VAPID wants an https: or mailto: contact for the push service's operators (RFC 8292 §2.1).
  const contact = config.publicUrl.startsWith('https:')
    ? config.publicUrl
    : `mailto:operator@${new URL(config.publicUrl).hostname}`;
  const push = deps.push ?? createWebPushSender(vapid, contact);
  return {
    apps,
    users,
    userImport: new UserImport({
      repository: userRepository,
      users,
      usage,
      clock,
    }),
    tokens,
    approvals,
    phones,
    outbox,
    usage,
    messaging,
    messageQueue,
    guard,
    devices,
    enrollment,
    invitations: new InvitationService({
      repository: invitationRepository,
      messages,
      guard,
      keys,
      random,
      clock,
      publicUrl: config.publicUrl,
    }),
    admissions,
    answering,
    userVerification,
    receipts,
    audit,
    operators,
    bus,
    push,
    webhookEvents,
    securityLog,
    windowedEvents,
    securityEvents,
    overview: new OverviewService(new OverviewRepository(store), verificationCounts, tally, clock),
    tally,
    verifyServices: new VerifyServices(new VerifyServiceRepository(store), random, clock),
    verifyFactors,
    verifyWebhooks: new VerifyWebhooks({
      repository: verifyWebhookRepository,
      random,
      clock,
      allow: parseAllowList(config.webhookAllow),
    }),
    verifications,
    userExport: {
      identity: (userId) => userRepository.identity(userId),
      links: (userId) => userRepository.operatorLinksOf(userId),
      devices: (userId, appId) =>
        deviceRepository.listForOperator({ userId, ...(appId !== undefined && { appId }) }),
      requests: (userId, appId) => approvals.allOfUser(userId, appId),
      activities: (userId, appId) => userRepository.activitiesOf(userId, appId),
      messages: (e164, appId) => outbox.to(e164, appId),
      phoneVerifications: (countryCode, phone, appId) =>
        phoneVerifications.ofPhone(countryCode, phone, appId),
      verifyVerifications: (e164, appId) => verifyVerifications.toRecipient(e164, appId),
      securityEvents: (userId, appId) => securityEvents.ofUser(userId, appId),
    },
    pruner: new Pruner({
      days: config.retention,
      clock,
      targets: {
        requests: {
          prune: (before, limit) => approvalRepository.pruneFinished(before, limit),
          count: (before) => approvalRepository.countFinished(before),
        },
        outbox: {
          prune: (before, limit) => outbox.pruneBefore(before, limit),
          count: (before) => outbox.countBefore(before),
        },
        callbacks: {
          prune: (before, limit) => webhookEvents.pruneSettled(before, limit),
          count: (before) => webhookEvents.countSettled(before),
        },
        security_events: {
          prune: (before, limit) => securityEvents.pruneBefore(before, limit),
          count: (before) => securityEvents.countBefore(before),
        },
      },
    }),
    startPush: (log) =>
      startPushNotifier({
        bus,
        targets: {
          targets: (userId, appId, phoneDevicesAccepted) =>
            deviceRepository.pushTargets(userId, appId, phoneDevicesAccepted),
          pausedUntil: (appId, userId) => users.pushPausedUntil(appId, userId),
          gone: (deviceId) => deviceRepository.setPushSubscription(deviceId, null),
        },
        sender: push,
        box,
        clock,
        log,
      }),
  };
}
