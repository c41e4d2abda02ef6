import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type App, NUMBER_MATCHING, PROFILES, USER_VERIFICATION } from '../apps/app.js';
import { type AppChanges, AppSettingError, type NewApp } from '../apps/app.service.js';
import { AuthyError, invalidParameter } from '../errors/authy-error.js';
import { bodyOf, paramsOf } from '../http/request-input.js';
import { appDocument } from '../operators/app-document.js';
import { changedFields } from '../operators/changed-fields.js';
import { type ConsoleSettings, consoleRoute, operatorOf } from './console.routes.js';
import { Body, StoreId } from './console-input.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** A budget of SMS and voice codes, or `default` for the server's (R12). */
const Budget = Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Literal('default')]);

/**
 * An app's settings as the console sends them, named as `appDocument` shows them. The app service checks
 * them further (a name is display text, a callback URL is http(s) without credentials) as it does the CLI's.
 */
const SETTINGS = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  number_matching: Type.Optional(literals(NUMBER_MATCHING)),
  token_length: Type.Optional(Type.Integer({ minimum: 6, maximum: 8 })),
  /** `''` removes it. */
  callback_url: Type.Optional(Type.String({ maxLength: 2000 })),
  callback_expired: Type.Optional(Type.Boolean()),
  sms_per_hour: Type.Optional(Budget),
  sms_per_day: Type.Optional(Budget),
  /** ISO 3166 alpha-2 codes, or `all`. */
  sms_countries: Type.Optional(
    Type.Union([
      Type.Array(Type.String({ maxLength: 2 }), { minItems: 1, maxItems: 250 }),
      Type.Literal('all'),
    ]),
  ),
  user_verification: Type.Optional(literals(USER_VERIFICATION)),
};

const appPath = paramsOf(Type.Object({ id: StoreId }));
const newAppBody = bodyOf(
  Body({
    ...SETTINGS,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    profile: Type.Optional(literals(PROFILES)),
  }),
);
const changesBody = bodyOf(Body(SETTINGS));
const rotateBody = bodyOf(Body({ grace_seconds: Type.Integer({ minimum: 0, maximum: 9_999_999 }) }));
const noBody = bodyOf(Body({}));

/** The settings in the app service's terms. */
function changesOf(body: ReturnType<typeof changesBody>): AppChanges {
  const budget = (value: number | 'default') => (value === 'default' ? null : value);
  return {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.number_matching !== undefined && { numberMatching: body.number_matching }),
    ...(body.token_length !== undefined && { tokenLength: body.token_length }),
    ...(body.callback_url !== undefined && { callbackUrl: body.callback_url }),
    ...(body.callback_expired !== undefined && { callbackExpired: body.callback_expired }),
    ...(body.sms_per_hour !== undefined && { smsPerHour: budget(body.sms_per_hour) }),
    ...(body.sms_per_day !== undefined && { smsPerDay: budget(body.sms_per_day) }),
    ...(body.sms_countries !== undefined && {
      smsCountries: body.sms_countries === 'all' ? null : body.sms_countries,
    }),
    ...(body.user_verification !== undefined && { userVerification: body.user_verification }),
  };
}

/** What the app service refuses in a setting is the caller's to fix: 400 / 60004 with its words. */
async function checkedSettings<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof AppSettingError)
      throw new AuthyError('60004', { message: `Invalid parameter: ${error.message}` });
    throw error;
  }
}

const appNotFound = () => new AuthyError('60000', { status: 404, message: 'App not found' });

/**
 * The console's apps (docs/console-api.md): list, create (its key shown once), read, change settings, rotate
 * the key with a grace period, disable. Every change is audited as `countersign apps …` audits it.
 */
export function registerConsoleAppRoutes(fastify: FastifyInstance, settings: ConsoleSettings): void {
  const { apps, audit } = fastify.services;
  const shown = (app: App) => appDocument(app, settings);

  consoleRoute(fastify, 'GET', '/console/api/apps', 'read', async () => ({
    apps: (await apps.list()).map(shown),
  }));

  consoleRoute(fastify, 'POST', '/console/api/apps', 'change', async (request, reply) => {
    const body = newAppBody(request);
    if (body.profile === 'sandbox' && !settings.sandboxAllowed)
      throw invalidParameter('profile', 'sandbox apps are turned off on this server');
    const input: NewApp = {
      ...changesOf(body),
      name: body.name,
      ...(body.profile !== undefined && { profile: body.profile }),
    };
    const created = await checkedSettings(() => apps.create(input));
    await audit.record({
      ...operatorOf(request),
      action: 'app.create',
      target: { type: 'app', id: String(created.app.id) },
      after: shown(created.app),
    });
    // The webhook secret stays in the store: the console has no use for it, and a secret shown is one more
    // secret to keep. The CLI's `apps create` shows it once.
    return reply.status(201).send({ app: shown(created.app), api_key: created.apiKey });
  });

  consoleRoute(fastify, 'GET', '/console/api/apps/:id', 'read', async (request) => {
    const app = await apps.find(appPath(request).id);
    if (app === undefined) throw appNotFound();
    return { app: shown(app) };
  });

  consoleRoute(fastify, 'PATCH', '/console/api/apps/:id', 'change', async (request) => {
    const { id } = appPath(request);
    const changes = changesOf(changesBody(request));
    const before = await apps.find(id);
    if (before === undefined) throw appNotFound();
    const updated = await checkedSettings(() => apps.update(id, changes));
    if (updated === undefined) throw appNotFound();
    const changed = changedFields(shown(before), shown(updated));
    if (Object.keys(changed.after).length > 0) {
      await audit.record({
        ...operatorOf(request),
        action: 'app.update',
        target: { type: 'app', id: String(id) },
        ...changed,
      });
    }
    return { app: shown(updated) };
  });

  consoleRoute(fastify, 'POST', '/console/api/apps/:id/rotate-key', 'dangerous', async (request) => {
    const { id } = appPath(request);
    const { grace_seconds } = rotateBody(request);
    const rotated = await apps.rotateKey(id, grace_seconds);
    if (rotated === undefined) throw appNotFound();
    // The key itself never enters the log: only that it was rotated, and the grace given to older ones.
    await audit.record({
      ...operatorOf(request),
      action: 'app.rotate_key',
      target: { type: 'app', id: String(id) },
      after: { grace_seconds },
    });
    return { app: shown(rotated.app), api_key: rotated.apiKey };
  });

  consoleRoute(fastify, 'POST', '/console/api/apps/:id/disable', 'dangerous', async (request) => {
    const { id } = appPath(request);
    noBody(request);
    const before = await apps.find(id);
    if (before === undefined) throw appNotFound();
    const disabled = await apps.disable(id);
    if (disabled === undefined) throw appNotFound();
    // Disabling a disabled app changes nothing, and records nothing.
    if (before.disabledAt === null) {
      await audit.record({
        ...operatorOf(request),
        action: 'app.disable',
        target: { type: 'app', id: String(id) },
        ...changedFields(shown(before), shown(disabled)),
      });
    }
    return { app: shown(disabled) };
  });
}
