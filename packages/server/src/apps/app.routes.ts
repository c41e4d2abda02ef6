import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { success } from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { UserIp } from '../http/schemas.js';
import type { Clock } from '../lib/clock.js';
import { type App, NUMBER_MATCHING, PROFILES } from './app.js';
import type { UsageRepository } from './usage.repository.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export interface AppRouteDeps {
  usage: UsageRepository;
  /** How many users the app registered (the users feature). */
  users: { countForApp(app: App): Promise<number> };
  clock: Clock;
  /** Whether SMS and calls can be sent at all (a messaging provider is configured). */
  messagingEnabled: boolean;
}

export function registerAppRoutes(fastify: FastifyInstance, gate: ApiGate<App>, deps: AppRouteDeps): void {
  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: ['/protected/json/app/details'],
    summary: 'Details of the calling app',
    tags: ['app'],
    input: Type.Object({ user_ip: UserIp }),
    response: success(
      'The calling app (spec 4.9), with its Countersign settings',
      Type.Object({
        app: Type.Object({
          name: Type.String(),
          plan: Type.Literal('self_hosted'),
          sms_enabled: Type.Boolean(),
          phone_calls_enabled: Type.Boolean(),
          app_id: Type.Integer(),
          onetouch_enabled: Type.Literal(true),
          profile: Type.Union(PROFILES.map((p) => Type.Literal(p))),
          number_matching: Type.Union(NUMBER_MATCHING.map((n) => Type.Literal(n))),
          sandbox: Type.Optional(Type.Literal(true)),
        }),
        message: Type.Literal('Application information.'),
        success: Type.Literal(true),
      }),
    ),
    handle: async ({ app }) => ({
      app: {
        name: app.name,
        plan: 'self_hosted',
        sms_enabled: deps.messagingEnabled,
        phone_calls_enabled: deps.messagingEnabled,
        app_id: app.id,
        onetouch_enabled: true,
        profile: app.profile,
        number_matching: app.numberMatching,
        ...(app.profile === 'sandbox' && { sandbox: true }),
      },
      message: 'Application information.',
      success: true,
    }),
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: ['/protected/json/app/stats'],
    summary: 'Monthly statistics of the calling app (the last twelve months)',
    tags: ['app'],
    input: Type.Object({ user_ip: UserIp }),
    response: success(
      'Counts per month since the app was made, at most twelve (spec 4.10)',
      Type.Object({
        message: Type.Literal('Monthly statistics.'),
        count: Type.Integer(),
        total_users: Type.Integer(),
        app_id: Type.Integer(),
        stats: Type.Array(
          // authy-client checks that each item has exactly these keys.
          Type.Object(
            {
              sms_count: Type.Integer(),
              calls_count: Type.Integer(),
              users_count: Type.Integer(),
              auths_count: Type.Integer(),
              month: Type.Union(MONTHS.map((m) => Type.Literal(m))),
              api_calls_count: Type.Integer(),
              year: Type.Integer(),
            },
            { additionalProperties: false },
          ),
          { maxItems: 12 },
        ),
        success: Type.Literal(true),
      }),
    ),
    handle: async ({ app }) => {
      const recorded = new Map((await deps.usage.months(app.id)).map((m) => [`${m.year}-${m.month}`, m]));
      const now = new Date(deps.clock.now());
      const stats = [];
      for (let back = 11; back >= 0; back--) {
        const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
        const year = date.getUTCFullYear();
        const month = date.getUTCMonth() + 1;
        const m = recorded.get(`${year}-${month}`);
        if (
          m === undefined &&
          date.getTime() <
            Date.UTC(new Date(app.createdAt).getUTCFullYear(), new Date(app.createdAt).getUTCMonth(), 1)
        ) {
          continue;
        }
        stats.push({
          sms_count: m?.sms ?? 0,
          calls_count: m?.calls ?? 0,
          users_count: m?.users ?? 0,
          auths_count: m?.auths ?? 0,
          month: MONTHS[month - 1] ?? '',
          api_calls_count: m?.api_calls ?? 0,
          year,
        });
      }
      return {
        message: 'Monthly statistics.',
        count: stats.length,
        total_users: await deps.users.countForApp(app),
        app_id: app.id,
        stats,
        success: true,
      };
    },
  });
}
