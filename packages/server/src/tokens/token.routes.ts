import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import { success } from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayText, Text, UserIdParams } from '../http/schemas.js';
import type { TokenService } from './token.service.js';

const P = '/protected/json';

const IGNORED = {
  sms: 'Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway.',
  call: 'Call ignored. User is using  App Tokens and this call is not necessary. Pass force=true if you still want to call users that are using the App.',
} as const;

/** `+1-XXX-XXX-XX02`: the last two digits only. */
const MaskedCellphone = Type.String({ pattern: '^\\+[0-9]{1,3}-XXX-XXX-XX[0-9]{2}$' });

const SendInput = Type.Object({
  force: Type.Optional(Type.Boolean()),
  action: Type.Optional(Text(255, 1)),
  action_message: Type.Optional(DisplayText(255, 1)),
  locale: Type.Optional(Type.String({ maxLength: 10 })),
});

export function registerTokenRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  tokens: TokenService,
): void {
  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/verify/:token/:id`],
    summary: 'Verify a TOTP, SMS or voice token (each accepted once)',
    tags: ['tokens'],
    params: Type.Object({ token: Type.String(), id: Type.String() }),
    input: Type.Object({ force: Type.Optional(Type.Boolean()), action: Type.Optional(Text(255, 1)) }),
    response: success(
      'The token is valid. `success` is the string "true" here, as Authy sent it (spec 2.4)',
      Type.Object({
        message: Type.Literal('Token is valid.'),
        token: Type.Literal('is valid'),
        success: Type.Literal('true'),
      }),
    ),
    refusals: ['60019', '60020', '60026', '60003'],
    handle: async ({ input, app, params }) => {
      await tokens.verify(app, params.id, params.token ?? '', input.action);
      return { message: 'Token is valid.', token: 'is valid', success: 'true' };
    },
  });

  for (const channel of ['sms', 'call'] as const) {
    addApiRoute(fastify, gate, {
      method: 'GET',
      urls: [`${P}/${channel}/:id`],
      summary: channel === 'sms' ? 'Send a code by SMS' : 'Send a code by voice call',
      tags: ['tokens'],
      params: UserIdParams,
      input: SendInput,
      response: success(
        'The code was sent; or, for a user with an authenticator and without `force`, ignored',
        Type.Union([
          Type.Object({
            success: Type.Literal(true),
            message: Type.Literal(channel === 'sms' ? 'SMS token was sent' : 'Call started...'),
            cellphone: MaskedCellphone,
          }),
          Type.Object({
            message: Type.Literal(IGNORED[channel]),
            cellphone: MaskedCellphone,
            device: Type.Literal('authenticator'),
            ignored: Type.Literal(true),
            success: Type.Literal(true),
          }),
        ]),
      ),
      refusals: ['60026', '60003', '60013', '60015'],
      handle: async ({ input, app, params }) => {
        const sent = await tokens.send(app, params.id, channel, {
          force: input.force,
          action: input.action,
          actionMessage: input.action_message,
        });
        if (sent.ignored) {
          // authy-python reads any `ignored` key as "ignored": it appears only here.
          return {
            message: IGNORED[channel],
            cellphone: sent.cellphone,
            device: 'authenticator',
            ignored: true,
            success: true,
          };
        }
        return {
          success: true,
          message: channel === 'sms' ? 'SMS token was sent' : 'Call started...',
          cellphone: sent.cellphone,
        };
      },
    });
  }
}
