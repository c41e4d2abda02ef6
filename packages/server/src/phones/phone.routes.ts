import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayText, UserIp } from '../http/schemas.js';
import type { PhoneService } from './phone.service.js';

const P = '/protected/json/phones';

const Number_ = {
  country_code: Type.String({ maxLength: 8 }),
  phone_number: Type.String({ maxLength: 40 }),
};

export function registerPhoneRoutes(fastify: FastifyInstance, gate: ApiGate, phones: PhoneService): void {
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
    handle: async ({ input, app }) =>
      phones.status(app, phones.parse(app, input.country_code, input.phone_number)),
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/info`],
    summary: 'Type and validity of a phone number',
    tags: ['phones'],
    input: Type.Object({ ...Number_, user_ip: UserIp }),
    handle: async ({ input, app }) =>
      phones.info(app, phones.parse(app, input.country_code, input.phone_number, false)),
  });
}
