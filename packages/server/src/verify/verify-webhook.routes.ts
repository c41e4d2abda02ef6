import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { App } from '../apps/app.js';
import type { ApiGate } from '../http/route.js';
import { DisplayText } from '../http/schemas.js';
import { addVerifyRoute } from '../http/twilio-route.js';
import { Paging, pageMetaSchema, Sid, Time } from './verify.routes.js';
import { type DocumentContext, pageMeta, pageStart, webhookDocument } from './verify-documents.js';
import { VERIFY_EVENT_TYPES } from './verify-event.js';
import { notFound, type VerifyServices } from './verify-service.service.js';
import { isSid } from './verify-sid.js';
import type { VerifyWebhookChanges } from './verify-webhook.js';
import type { VerifyWebhooks } from './verify-webhook.service.js';

export interface VerifyWebhookRouteDeps {
  readonly services: VerifyServices;
  readonly webhooks: VerifyWebhooks;
  /** `PUBLIC_URL`: the resources' `url`s and the pages' links start with it. */
  readonly publicUrl: string;
}

const EventType = Type.Union(['*', ...VERIFY_EVENT_TYPES].map((t) => Type.Literal(t)));
/** Twilio's `EventTypes`: a list (the package sends one field per item), `*` for every event. */
const EventTypes = Type.Array(EventType, { minItems: 1, maxItems: 20 });
const WebhookStatus = Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]);
const FIELDS = {
  FriendlyName: DisplayText(64, 1),
  EventTypes,
  WebhookUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s), no credentials' }),
  Status: Type.Optional(WebhookStatus),
  // Twilio's `v1` bodies came before Verify Push's general availability: only `v2` is offered.
  Version: Type.Optional(Type.Literal('v2')),
};
const NewWebhook = Type.Object(FIELDS);
const WebhookUpdate = Type.Object({
  FriendlyName: Type.Optional(FIELDS.FriendlyName),
  EventTypes: Type.Optional(EventTypes),
  WebhookUrl: Type.Optional(FIELDS.WebhookUrl),
  Status: FIELDS.Status,
  Version: FIELDS.Version,
});
const ServiceParams = Type.Object({ ServiceSid: Sid('VA', 'The service SID') });
const WebhookParams = Type.Object({
  ServiceSid: Sid('VA', 'The service SID'),
  Sid: Sid('YW', 'The webhook SID'),
});

const WebhookDocument = Type.Object({
  sid: Type.String(),
  service_sid: Type.String(),
  account_sid: Type.String(),
  friendly_name: Type.String(),
  event_types: Type.Array(EventType),
  status: WebhookStatus,
  version: Type.Literal('v2'),
  webhook_url: Type.String(),
  webhook_method: Type.Literal('POST'),
  date_created: Time,
  date_updated: Time,
  url: Type.String(),
});

const changesOf = (input: Static<typeof WebhookUpdate>): VerifyWebhookChanges => ({
  friendlyName: input.FriendlyName,
  eventTypes: input.EventTypes,
  webhookUrl: input.WebhookUrl,
  status: input.Status,
});

/**
 * Verify v2 webhooks of a service (issue 19) under `/v2/Services/{VA}/Webhooks`, as the `twilio` package
 * calls them. Their events are posted as Twilio posts them: a form, signed with `X-Twilio-Signature` by the
 * app's API key (the password of `/v2`'s Basic auth, Twilio's auth token). Another account's SIDs answer as
 * unknown ones (404 / 20404).
 */
export function registerVerifyWebhookRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  deps: VerifyWebhookRouteDeps,
): void {
  const base = `${deps.publicUrl}/v2`;
  const context = (app: App): DocumentContext => ({ base, accountSid: app.accountSid });
  const { services, webhooks } = deps;
  const serviceOf = (app: App, sid: string | undefined) => {
    if (sid === undefined || !isSid('VA', sid)) throw notFound(`/Services/${sid ?? ''}`);
    return services.fetch(app.id, sid);
  };
  const sidOf = (params: Readonly<Record<string, string>>) => {
    const sid = params.Sid ?? '';
    if (!isSid('YW', sid)) throw notFound(`/Services/${params.ServiceSid}/Webhooks/${sid}`);
    return sid;
  };

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Webhooks',
    summary: 'Create a webhook: where the service’s factor and challenge events are posted',
    input: NewWebhook,
    params: ServiceParams,
    status: 201,
    response: WebhookDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const made = await webhooks.create(app, service, {
        friendlyName: input.FriendlyName,
        eventTypes: input.EventTypes,
        webhookUrl: input.WebhookUrl,
        status: input.Status,
      });
      return webhookDocument(made, context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Webhooks',
    summary: 'List the service’s webhooks, a page at a time',
    input: Paging,
    params: ServiceParams,
    status: 200,
    response: Type.Object({ webhooks: Type.Array(WebhookDocument), meta: pageMetaSchema('webhooks') }),
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      const { after, size } = pageStart(input);
      const page = await webhooks.page(app, service, after, size);
      return {
        webhooks: page.items.map((w) => webhookDocument(w, context(app))),
        meta: pageMeta('webhooks', `${base}/Services/${service.sid}/Webhooks`, input, page.nextAfter),
      };
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'GET',
    url: '/Services/:ServiceSid/Webhooks/:Sid',
    summary: 'Fetch a webhook',
    input: Type.Object({}),
    params: WebhookParams,
    status: 200,
    response: WebhookDocument,
    refusals: [],
    handle: async ({ app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      return webhookDocument(await webhooks.fetch(app, service, sidOf(params)), context(app));
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'POST',
    url: '/Services/:ServiceSid/Webhooks/:Sid',
    summary: 'Update a webhook (`Status=enabled` turns on one its receiver turned off with 410 Gone)',
    input: WebhookUpdate,
    params: WebhookParams,
    status: 200,
    response: WebhookDocument,
    refusals: [],
    handle: async ({ input, app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      return webhookDocument(
        await webhooks.update(app, service, sidOf(params), changesOf(input)),
        context(app),
      );
    },
  });

  addVerifyRoute(fastify, gate, {
    method: 'DELETE',
    url: '/Services/:ServiceSid/Webhooks/:Sid',
    summary: 'Delete a webhook (events not yet delivered to it are dropped)',
    input: Type.Object({}),
    params: WebhookParams,
    status: 204,
    response: null,
    refusals: [],
    handle: async ({ app, params }) => {
      const service = await serviceOf(app, params.ServiceSid);
      await webhooks.remove(app, service, sidOf(params));
      return undefined;
    },
  });
}
