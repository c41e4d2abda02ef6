import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../apps/app.js';
import { AuthyError } from '../errors/authy-error.js';
import { success } from '../http/responses.js';
import { type ApiGate, addApiRoute } from '../http/route.js';
import {
  CountryCode,
  DisplayFields,
  DisplayText,
  Email,
  PhoneNumberText,
  Text,
  UserIdParams,
  UserIp,
} from '../http/schemas.js';
import { maskForStatus } from './phone-number.js';
import { ACTIVITY_TYPES, type UserService } from './user.service.js';

const P = '/protected/json';

/** A device as the user's status reports it. */
interface StatusDevice {
  readonly id: string;
  readonly name: string;
  readonly platform: string;
  readonly enrolledAppId: number | null;
  readonly createdAt: number;
  readonly lastSeenAt: number | null;
}

/** The user's devices, as the devices feature tells them to the status. */
export interface StatusDevices {
  /** The user's live devices that answer the app. */
  answeringDevices(app: App, userId: number): Promise<readonly StatusDevice[]>;
  /** Every platform a device may be (its `os_type`). */
  readonly platforms: readonly string[];
}

/** Spec 4.3, with every field authy-client checks; `devices` name the user's enrolled authenticators. */
const userStatus = (platforms: readonly string[]) =>
  Type.Object({
    status: Type.Object({
      authy_id: Type.Integer(),
      confirmed: Type.Boolean({ description: 'Whether the user has verified a code once' }),
      registered: Type.Boolean({ description: 'Whether the user has an enrolled authenticator' }),
      country_code: Type.Integer(),
      phone_number: Type.String({ description: 'Masked: the last four digits', examples: ['XXX-XXX-1118'] }),
      email: Type.String(),
      devices: Type.Array(Type.Literal('authenticator')),
      has_hard_token: Type.Literal(false),
      account_disabled: Type.Literal(false),
      detailed_devices: Type.Array(
        Type.Object({
          device_type: Type.Literal('authenticator'),
          os_type: Type.Union(platforms.map((p) => Type.Literal(p))),
          registration_method: Type.Union([Type.Literal('phone'), Type.Literal('link')]),
          device_id: Type.String({ format: 'uuid' }),
          name: Type.String(),
          last_sync_date: Type.Integer({ description: 'Unix seconds; 0 before the device was first seen' }),
          creation_date: Type.Integer({ description: 'Unix seconds' }),
        }),
      ),
      deleted_devices: Type.Array(Type.Unknown(), { maxItems: 0 }),
    }),
    message: Type.Literal('User status.'),
    success: Type.Literal(true),
  });

const Done = <M extends string>(message: M) =>
  Type.Object({ message: Type.Literal(message), success: Type.Literal(true) });

export function registerUserRoutes(
  fastify: FastifyInstance,
  gate: ApiGate<App>,
  users: UserService,
  devices: StatusDevices,
): void {
  const UserStatus = userStatus(devices.platforms);
  addApiRoute(fastify, gate, {
    method: 'POST',
    urls: [`${P}/users/new`],
    summary: 'Register a user (one id per phone number)',
    tags: ['users'],
    input: Type.Object({
      user: Type.Object({
        email: Email,
        cellphone: PhoneNumberText,
        country_code: CountryCode,
        send_install_link_via_sms: Type.Optional(Type.Boolean()),
      }),
      send_install_link_via_sms: Type.Optional(Type.Boolean()),
    }),
    invalid: (p) => new AuthyError('60027', { fields: { [p.leaf]: 'is invalid' } }),
    response: success(
      'The user’s Authy id: the same for the same phone number',
      Type.Object({
        message: Type.Literal('User created successfully.'),
        user: Type.Object({ id: Type.Integer() }),
        success: Type.Literal(true),
      }),
    ),
    refusals: ['60027'],
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
    response: success('The user’s status', UserStatus),
    refusals: ['60026'],
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
    response: success('The user is removed from this app', Done('User was added to remove.')),
    refusals: ['60026'],
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
    response: success('The activity is recorded', Done('Activity was created.')),
    refusals: ['60026'],
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
    response: success(
      'The TOTP secret as an otpauth URI and a QR code: shown once per user',
      Type.Object({
        label: Type.String(),
        issuer: Type.String({ description: 'The app’s name' }),
        otpauth_url: Type.String({ pattern: '^otpauth://totp/' }),
        qr_code: Type.String({ pattern: '^data:image/png;base64,', description: 'A PNG as a data URL' }),
        success: Type.Literal(true),
      }),
    ),
    refusals: ['60026', '60123'],
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
    response: null,
    refusals: ['60035'],
    handle: async () => {
      throw new AuthyError('60035', {
        message: 'Registration not found. Countersign has no SDK registrations.',
      });
    },
  });
}
