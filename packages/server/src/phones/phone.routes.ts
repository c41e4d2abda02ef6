import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import { success } from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { CountryCode, DisplayText, PhoneNumberText, UserIp } from '../http/schemas.js';
import type { PhoneService } from './phone.service.js';

const P = '/protected/json/phones';

const Number_ = {
  country_code: CountryCode,
  phone_number: PhoneNumberText,
};

/** What a number that cannot exist, or an unknown calling code, is refused with. */
const BAD_NUMBER = ['60033'] as const;

export function registerPhoneRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  phones: PhoneService,
): void {
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/verification/start`],
    summary: 'Send a verification code to a phone number',
    tags: ['phones'],
    input: Type.Object({
      ...Number_,
      via: Type.Optional(Type.Union([Type.Literal('sms'), Type.Literal('call')])),
      code_length: Type.Optional(Type.Integer({ minimum: 4, maximum: 10 })),
      locale: Type.Optional(Type.String({ maxLength: 10 })),
      custom_message: Type.Optional(DisplayText(160, 1)),
      custom_code: Type.Optional(Type.String({ pattern: '^[0-9]{4,10}$' })),
    }),
    response: success(
      'The code is sent',
      Type.Object({
        carrier: Type.Union([Type.String(), Type.Null()]),
        is_cellphone: Type.Boolean(),
        is_ported: Type.Literal(false),
        message: Type.String({ examples: ['Text message sent to +1 509-555-1212.'] }),
        seconds_to_expire: Type.Integer(),
        uuid: Type.String({ format: 'uuid' }),
        success: Type.Literal(true),
      }),
    ),
    refusals: [...BAD_NUMBER, '60003', '60013', '60015'],
    handle: async ({ input, app }) =>
      phones.start(app, phones.parse(app, input.country_code, input.phone_number), {
        via: input.via ?? 'sms',
        codeLength: input.code_length ?? 4,
        customMessage: input.custom_message,
        customCode: input.custom_code,
      }),
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/verification/check`],
    summary: 'Check a phone verification code',
    tags: ['phones'],
    input: Type.Object({ ...Number_, verification_code: Type.String({ pattern: '^[0-9]{4,10}$' }) }),
    response: success(
      'The code is correct (each code is accepted once)',
      Type.Object({ message: Type.Literal('Verification code is correct.'), success: Type.Literal(true) }),
    ),
    refusals: [...BAD_NUMBER, '60022', '60023'],
    handle: async ({ input, app }) => {
      await phones.check(
        app,
        phones.parse(app, input.country_code, input.phone_number),
        input.verification_code,
      );
      return { message: 'Verification code is correct.', success: true };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/verification/status`],
    summary: 'Status of the latest phone verification',
    tags: ['phones'],
    input: Type.Object(Number_),
    response: success(
      'The state of the number’s latest verification',
      Type.Object({
        message: Type.Literal('Phone Verification status.'),
        status: Type.Union(['pending', 'verified', 'failed', 'expired'].map((st) => Type.Literal(st))),
        seconds_to_expire: Type.Integer({ minimum: 0 }),
        success: Type.Literal(true),
      }),
    ),
    refusals: [...BAD_NUMBER, '60023'],
    handle: async ({ input, app }) =>
      phones.status(app, phones.parse(app, input.country_code, input.phone_number)),
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/info`],
    summary: 'Type and validity of a phone number',
    tags: ['phones'],
    input: Type.Object({ ...Number_, user_ip: UserIp }),
    response: success(
      'What the number is, as libphonenumber reads it',
      Type.Object({
        message: Type.String({
          pattern: '^Phone number information as of \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC$',
        }),
        type: Type.String({ examples: ['cellphone', 'landline', 'voip', 'unknown'] }),
        provider: Type.Literal(''),
        ported: Type.Literal(false),
        valid: Type.Boolean(),
        country: Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()]),
        formatted: Type.String({ examples: ['+1 509 555 1212'] }),
        success: Type.Literal(true),
      }),
    ),
    refusals: BAD_NUMBER,
    handle: async ({ input, app }) =>
      phones.info(app, phones.parse(app, input.country_code, input.phone_number, false)),
  });
}
