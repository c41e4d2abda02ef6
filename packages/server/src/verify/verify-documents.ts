import { twilioTime } from '../lib/twilio-time.js';
import type { Verification } from './verification.service.js';
import type { VerifyService } from './verify-service.js';
import type { VerifyWebhook } from './verify-webhook.js';

/** Where the resources live: the service's public URL and the account they belong to. */
export interface DocumentContext {
  /** `PUBLIC_URL` + `/v2`. */
  readonly base: string;
  readonly accountSid: string;
}

/** A service as Twilio's API shows it (the `twilio` package reads these snake_case fields). */
export function serviceDocument(service: VerifyService, context: DocumentContext) {
  const url = `${context.base}/Services/${service.sid}`;
  return {
    sid: service.sid,
    account_sid: context.accountSid,
    friendly_name: service.friendlyName,
    code_length: service.codeLength,
    lookup_enabled: service.lookupEnabled,
    psd2_enabled: false,
    skip_sms_to_landlines: service.skipSmsToLandlines,
    dtmf_input_required: false,
    tts_name: null,
    do_not_share_warning_enabled: service.doNotShareWarningEnabled,
    custom_code_enabled: service.customCodeEnabled,
    push: {
      include_date: service.push.includeDate,
      apn_credential_sid: service.push.apnCredentialSid,
      fcm_credential_sid: service.push.fcmCredentialSid,
    },
    totp: {
      issuer: service.totp.issuer,
      time_step: service.totp.timeStep,
      code_length: service.totp.codeLength,
      skew: service.totp.skew,
    },
    default_template_sid: null,
    verify_event_subscription_enabled: false,
    date_created: twilioTime(service.createdAt),
    date_updated: twilioTime(service.updatedAt),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      entities: `${url}/Entities`,
    },
  };
}

function common(verification: Verification, context: DocumentContext) {
  return {
    sid: verification.sid,
    service_sid: verification.serviceSid,
    account_sid: context.accountSid,
    to: verification.to,
    channel: verification.channel,
    status: verification.status,
    valid: verification.status === 'approved',
    amount: null,
    payee: null,
    date_created: twilioTime(verification.createdAt),
    date_updated: twilioTime(verification.updatedAt),
  };
}

/** A verification as Twilio's API shows it. */
export function verificationDocument(verification: Verification, context: DocumentContext) {
  return {
    ...common(verification, context),
    lookup:
      verification.lineType === undefined
        ? {}
        : {
            carrier: {
              error_code: null,
              name: null,
              mobile_country_code: null,
              mobile_network_code: null,
              type: verification.lineType,
            },
          },
    send_code_attempts: verification.sends.map((send) => ({
      attempt_sid: send.sid,
      channel: send.channel,
      time: twilioTime(send.sentAt),
    })),
    sna: null,
    url: `${context.base}/Services/${verification.serviceSid}/Verifications/${verification.sid}`,
  };
}

/** A verification check's answer as Twilio's API shows it. */
export function verificationCheckDocument(verification: Verification, context: DocumentContext) {
  return { ...common(verification, context), sna_attempts_error_codes: [] };
}

/** Twilio's page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 50;

/** A list request's paging, as the package sends it. */
export interface PageRequest {
  readonly Page?: number | undefined;
  readonly PageSize?: number | undefined;
  /** `PA` and the last key of the page before: pages run forward by key. */
  readonly PageToken?: string | undefined;
}

/** Where a requested page starts (after this key; 0: at the first) and how many it holds. */
export function pageStart(request: PageRequest): { after: number; size: number } {
  return {
    after: request.PageToken === undefined ? 0 : Number(request.PageToken.slice(2)),
    size: request.PageSize ?? DEFAULT_PAGE_SIZE,
  };
}

/**
 * Twilio's page `meta` of the page `request` asked for: where it, the first and the next are (no previous:
 * pages run forward). `nextAfter`: the last key of this page when there is a next one.
 */
export function pageMeta(key: string, listUrl: string, request: PageRequest, nextAfter: number | undefined) {
  const { size } = pageStart(request);
  const number = request.Page ?? 0;
  const at = (page: number, token: string | undefined) =>
    `${listUrl}?PageSize=${size}&Page=${page}${token === undefined ? '' : `&PageToken=${token}`}`;
  return {
    page: number,
    page_size: size,
    first_page_url: at(0, undefined),
    previous_page_url: null,
    url: at(number, request.PageToken),
    next_page_url: nextAfter === undefined ? null : at(number + 1, `PA${nextAfter}`),
    key,
  };
}

/** A service's webhook as Twilio's API shows it. */
export function webhookDocument(webhook: VerifyWebhook, context: DocumentContext) {
  return {
    sid: webhook.sid,
    service_sid: webhook.serviceSid,
    account_sid: context.accountSid,
    friendly_name: webhook.friendlyName,
    event_types: [...webhook.eventTypes],
    status: webhook.status,
    version: 'v2' as const,
    webhook_url: webhook.webhookUrl,
    webhook_method: 'POST' as const,
    date_created: twilioTime(webhook.createdAt),
    date_updated: twilioTime(webhook.updatedAt),
    url: `${context.base}/Services/${webhook.serviceSid}/Webhooks/${webhook.sid}`,
  };
}
