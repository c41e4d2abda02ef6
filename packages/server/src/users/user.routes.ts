import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DeviceService } from '../devices/device.service.js';
import { AuthyError } from '../errors/authy-error.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import { DisplayFields, DisplayText, Text, UserIdParams, UserIp } from '../http/schemas.js';
import { maskForStatus } from './phone-number.js';
import { ACTIVITY_TYPES, type UserService } from './user.service.js';

const P = '/protected/json';

export function registerUserRoutes(
  fastify: FastifyInstance,
  gate: ApiGate,
  users: UserService,
  devices: Pick<DeviceService, 'answeringDevices'>,
): void {
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/users/new`],
    summary: 'Register a user (one id per phone number)',
    tags: ['users'],
    input: Type.Object({
      user: Type.Object({
        email: Type.String({ maxLength: 254 }),
        cellphone: Type.String({ maxLength: 40 }),
        country_code: Type.String({ maxLength: 8 }),
        send_install_link_via_sms: Type.Optional(Type.Boolean()),
      }),
      send_install_link_via_sms: Type.Optional(Type.Boolean()),
    }),
    invalid: (p) => new AuthyError('60027', { fields: { [p.leaf]: 'is invalid' } }),
    handle: async ({ input, app }) => {
      const id = await users.register(app, {
        email: input.user.email,
        cellphone: input.user.cellphone,
        countryCode: input.user.country_code,
      });
      return { message: 'User created successfully.', user: { id }, success: true };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/users/:id/status`],
    summary: 'Status of a user',
    tags: ['users'],
    params: UserIdParams,
    input: Type.Object({ user_ip: UserIp }),
    handle: async ({ app, params }) => {
      const user = await users.find(app, params.id);
      const enrolled = await devices.answeringDevices(app, user.userId);
      return {
        status: {
          authy_id: user.userId,
          confirmed: user.confirmed,
          registered: enrolled.length > 0,
          country_code: Number(user.countryCode),
          phone_number: maskForStatus(user.phone),
          email: user.email,
          devices: enrolled.map(() => 'authenticator'),
          has_hard_token: false,
          account_disabled: false,
          detailed_devices: enrolled.map((d) => ({
            device_type: 'authenticator',
            os_type: d.platform,
            registration_method: d.enrolledAppId === null ? 'phone' : 'link',
            device_id: d.id,
            name: d.name,
            last_sync_date: d.lastSeenAt === null ? 0 : Math.floor(d.lastSeenAt / 1000),
            creation_date: Math.floor(d.createdAt / 1000),
          })),
          deleted_devices: [],
        },
        message: 'User status.',
        success: true,
      };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/users/:id/remove`, `${P}/users/:id/delete`, `${P}/users/delete/:id`],
    summary: 'Remove a user from this app (other apps keep theirs)',
    tags: ['users'],
    params: UserIdParams,
    input: Type.Object({ user_ip: UserIp }),
    handle: async ({ app, params }) => {
      await users.remove(app, params.id);
      return { message: 'User was added to remove.', success: true };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/users/:id/register_activity`],
    summary: 'Record an activity of the user',
    tags: ['users'],
    params: UserIdParams,
    input: Type.Object({
      type: Type.Union(ACTIVITY_TYPES.map((t) => Type.Literal(t))),
      data: Type.Optional(DisplayFields({ entries: 20, keyLength: 100, valueLength: 200 })),
      user_ip: UserIp,
    }),
    handle: async ({ input, app, params }) => {
      await users.registerActivity(app, params.id, {
        type: input.type,
        data: input.data ?? {},
        userIp: input.user_ip,
      });
      return { message: 'Activity was created.', success: true };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/users/:id/secret`],
    summary: 'otpauth URI and QR code for third-party authenticator apps',
    tags: ['users'],
    params: UserIdParams,
    input: Type.Object({
      qr_size: Type.Optional(Type.Integer({ minimum: 100, maximum: 1000 })),
      label: Type.Optional(DisplayText(100, 1)),
    }),
    handle: async ({ input, app, params }) => {
      const secret = await users.authenticatorSecret(app, params.id, {
        label: input.label,
        qrSize: input.qr_size,
      });
      return {
        label: secret.label,
        issuer: secret.issuer,
        otpauth_url: secret.uri,
        qr_code: secret.qrCode,
        success: true,
      };
    },
  });

  addApiRoute(fastify, gate, {
    method: 'GET',
    urls: [`${P}/registrations/status`],
    summary: "Authy SDK registration status (Countersign has no SDK registrations: always 'not found')",
    tags: ['users'],
    input: Type.Object({ custom_user_id: Text(100, 1) }),
    handle: async () => {
      throw new AuthyError('60035', {
        message: 'Registration not found. Countersign has no SDK registrations.',
      });
    },
  });
}
