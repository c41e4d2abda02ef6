import { type ApiMessage, readApiMessage } from '../http/api-message.js';
import { requestJson } from '../http/request-json.js';
import type { AuthyId, RequestOptions, UserIpOptions } from '../http/request-options.js';
import { pathSegment, type Transport } from '../http/transport.js';
import { readBoolean, readNumber, readObject, readOptionalString, readString } from '../http/wire.js';
import type {
  Activity,
  AuthenticatorSecret,
  AuthenticatorSecretOptions,
  NewUser,
  RegisteredUser,
  UserStatus,
} from './user-types.js';

/** Users: register, read, remove (spec 4.1–4.5). */
export interface UsersApi {
  /** `POST /protected/json/users/new`. Invalid fields: `60027` with `fields`, e.g. `{ email: 'is invalid' }`. */
  register(user: NewUser, options?: RequestOptions): Promise<RegisteredUser>;
  /** `GET /protected/json/users/{id}/status`. Unknown user: `60026` (404). */
  status(authyId: AuthyId, options?: UserIpOptions): Promise<UserStatus>;
  /** `POST /protected/json/users/{id}/remove`: removes the user from this app only. */
  remove(authyId: AuthyId, options?: UserIpOptions): Promise<ApiMessage>;
  /** `POST /protected/json/users/{id}/register_activity`. */
  registerActivity(authyId: AuthyId, activity: Activity, options?: UserIpOptions): Promise<ApiMessage>;
  /** `POST /protected/json/users/{id}/secret`: the TOTP secret for third-party authenticator apps. */
  authenticatorSecret(
    authyId: AuthyId,
    options?: AuthenticatorSecretOptions & RequestOptions,
  ): Promise<AuthenticatorSecret>;
}

const P = '/protected/json/users';

/** The users API over `transport`. */
export function usersApi(transport: Transport): UsersApi {
  const user = (authyId: AuthyId) => `${P}/${pathSegment(authyId, 'authyId')}`;
  return {
    async register(newUser, options = {}) {
      const body = await requestJson(transport, {
        method: 'POST',
        path: `${P}/new`,
        body: {
          user: {
            email: newUser.email,
            cellphone: newUser.cellphone,
            country_code: String(newUser.countryCode),
          },
          send_install_link_via_sms: newUser.sendInstallLinkViaSms,
        },
        signal: options.signal,
      });
      return {
        id: readNumber(readObject(body, 'user'), 'id'),
        message: readString(body, 'message'),
        raw: body,
      };
    },

    async status(authyId, options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${user(authyId)}/status`,
        query: { user_ip: options.userIp },
        signal: options.signal,
      });
      const status = readObject(body, 'status');
      const devices = status.devices;
      return {
        authyId: readNumber(status, 'authy_id'),
        confirmed: readBoolean(status, 'confirmed'),
        registered: readBoolean(status, 'registered'),
        countryCode: readNumber(status, 'country_code'),
        phoneNumber: readString(status, 'phone_number'),
        email: readOptionalString(status, 'email'),
        devices: Array.isArray(devices) ? devices.filter((d): d is string => typeof d === 'string') : [],
        hasHardToken: readBoolean(status, 'has_hard_token'),
        message: readString(body, 'message'),
        raw: body,
      };
    },

    async remove(authyId, options = {}) {
      return readApiMessage(
        await requestJson(transport, {
          method: 'POST',
          path: `${user(authyId)}/remove`,
          body: { user_ip: options.userIp },
          signal: options.signal,
        }),
      );
    },

    async registerActivity(authyId, activity, options = {}) {
      return readApiMessage(
        await requestJson(transport, {
          method: 'POST',
          path: `${user(authyId)}/register_activity`,
          body: { type: activity.type, data: activity.data, user_ip: options.userIp },
          signal: options.signal,
        }),
      );
    },

    async authenticatorSecret(authyId, options = {}) {
      const body = await requestJson(transport, {
        method: 'POST',
        path: `${user(authyId)}/secret`,
        body: { label: options.label, qr_size: options.qrSize },
        signal: options.signal,
      });
      return {
        label: readString(body, 'label'),
        issuer: readString(body, 'issuer'),
        otpauthUrl: readOptionalString(body, 'otpauth_url'),
        qrCode: readString(body, 'qr_code'),
        raw: body,
      };
    },
  };
}
