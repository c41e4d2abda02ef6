import { twilioTime } from '../lib/twilio-time.js';
import type { NewFactor } from './factor.service.js';
import type { DocumentContext } from './verify-documents.js';
import type {
  VerifyAccessToken,
  VerifyChallenge,
  VerifyEntity,
  VerifyFactor,
  VerifyNotification,
} from './verify-factor.js';

const entityUrl = (context: DocumentContext, serviceSid: string, identity: string) =>
  `${context.base}/Services/${serviceSid}/Entities/${encodeURIComponent(identity)}`;

/** An entity as Twilio's API shows it. */
export function entityDocument(entity: VerifyEntity, context: DocumentContext) {
  const url = entityUrl(context, entity.serviceSid, entity.identity);
  return {
    sid: entity.sid,
    identity: entity.identity,
    account_sid: context.accountSid,
    service_sid: entity.serviceSid,
    date_created: twilioTime(entity.createdAt),
    date_updated: twilioTime(entity.updatedAt),
    url,
    links: { factors: `${url}/Factors`, challenges: `${url}/Challenges` },
  };
}

/** A factor as Twilio's API shows it on fetch, list and update: never its binding. */
export function factorDocument(factor: VerifyFactor, context: DocumentContext) {
  return {
    sid: factor.sid,
    account_sid: context.accountSid,
    service_sid: factor.serviceSid,
    entity_sid: factor.entitySid,
    identity: factor.identity,
    date_created: twilioTime(factor.createdAt),
    date_updated: twilioTime(factor.updatedAt),
    friendly_name: factor.friendlyName,
    status: factor.status,
    factor_type: factor.factorType,
    config:
      factor.factorType === 'totp'
        ? {
            alg: factor.config.alg,
            skew: factor.config.skew,
            code_length: factor.config.codeLength,
            time_step: factor.config.timeStep,
          }
        : // The authenticator is no Twilio SDK; its pushes are Web Push, which Twilio has no name for.
          { sdk_version: null, app_id: null, notification_platform: 'none', notification_token: null },
    metadata: null,
    url: `${entityUrl(context, factor.serviceSid, factor.identity)}/Factors/${factor.sid}`,
  };
}

/** A factor just made: the one answer that carries its binding (the base32 secret and the otpauth URI). */
export function newFactorDocument(made: NewFactor, context: DocumentContext) {
  return { ...factorDocument(made.factor, context), binding: made.binding, options: null };
}

/** A challenge as Twilio's API shows it. */
export function challengeDocument(challenge: VerifyChallenge, context: DocumentContext) {
  const url = `${entityUrl(context, challenge.serviceSid, challenge.identity)}/Challenges/${challenge.sid}`;
  return {
    sid: challenge.sid,
    account_sid: context.accountSid,
    service_sid: challenge.serviceSid,
    entity_sid: challenge.entitySid,
    identity: challenge.identity,
    factor_sid: challenge.factorSid,
    date_created: twilioTime(challenge.createdAt),
    date_updated: twilioTime(challenge.updatedAt),
    date_responded: challenge.respondedAt === null ? null : twilioTime(challenge.respondedAt),
    expiration_date: twilioTime(challenge.expiresAt),
    status: challenge.status,
    responded_reason: null,
    details:
      challenge.details === null
        ? null
        : {
            message: challenge.details.message,
            fields: challenge.details.fields.map((f) => ({ label: f.label, value: f.value })),
            date: twilioTime(challenge.createdAt),
          },
    hidden_details: challenge.hiddenDetails,
    metadata: null,
    factor_type: challenge.factorType,
    url,
    links: { notifications: `${url}/Notifications` },
  };
}

/** An access token as Twilio's API shows it; `link` (the token itself) only in the answer that made it. */
export function accessTokenDocument(token: VerifyAccessToken, link: string | null, context: DocumentContext) {
  return {
    sid: token.sid,
    account_sid: context.accountSid,
    service_sid: token.serviceSid,
    entity_identity: token.identity,
    factor_type: 'push' as const,
    factor_friendly_name: token.factorFriendlyName,
    token: link,
    url: `${context.base}/Services/${token.serviceSid}/AccessTokens/${token.sid}`,
    ttl: token.ttl,
    date_created: twilioTime(token.createdAt),
  };
}

/** A push challenge's notification as Twilio's API shows it. */
export function notificationDocument(notification: VerifyNotification, context: DocumentContext) {
  const { challenge } = notification;
  return {
    sid: notification.sid,
    account_sid: context.accountSid,
    service_sid: challenge.serviceSid,
    entity_sid: challenge.entitySid,
    identity: challenge.identity,
    challenge_sid: challenge.sid,
    priority: 'high' as const,
    ttl: notification.ttl,
    date_created: twilioTime(notification.createdAt),
  };
}
