import { type ApiMessage, readApiMessage } from '../http/api-message.js';
import { requestJson } from '../http/request-json.js';
import type { RequestOptions, UserIpOptions } from '../http/request-options.js';
import type { Transport } from '../http/transport.js';
import { readBoolean, readOptionalNumber, readOptionalString, readString } from '../http/wire.js';
import type {
  PhoneInfo,
  PhoneNumber,
  StartedVerification,
  StartVerificationOptions,
  VerificationStatus,
} from './phone-types.js';

/** Phone verification and phone information (spec 4.13–4.16). */
export interface PhonesApi {
  /** `POST /protected/json/phones/verification/start`. A number that cannot exist: `60033` (400). */
  startVerification(phone: PhoneNumber, options?: StartVerificationOptions): Promise<StartedVerification>;
  /**
   * `GET /protected/json/phones/verification/check`: resolves only when the code is right. A wrong code:
   * `60022` (401); nothing pending: `60023` (404).
   */
  checkVerification(
    phone: PhoneNumber,
    verificationCode: string,
    options?: RequestOptions,
  ): Promise<ApiMessage>;
  /** `GET /protected/json/phones/verification/status`. */
  verificationStatus(phone: PhoneNumber, options?: RequestOptions): Promise<VerificationStatus>;
  /** `GET /protected/json/phones/info`. */
  info(phone: PhoneNumber, options?: UserIpOptions): Promise<PhoneInfo>;
}

const P = '/protected/json/phones';

const numberOf = (phone: PhoneNumber) => ({
  country_code: String(phone.countryCode),
  phone_number: phone.phoneNumber,
});

/** The phones API over `transport`. */
export function phonesApi(transport: Transport): PhonesApi {
  return {
    async startVerification(phone, options = {}) {
      const body = await requestJson(transport, {
        method: 'POST',
        path: `${P}/verification/start`,
        body: {
          ...numberOf(phone),
          via: options.via ?? 'sms',
          code_length: options.codeLength,
          locale: options.locale,
          custom_message: options.customMessage,
          custom_code: options.customCode,
        },
        signal: options.signal,
      });
      return {
        message: readString(body, 'message'),
        uuid: readOptionalString(body, 'uuid'),
        carrier: readOptionalString(body, 'carrier') ?? null,
        isCellphone: readBoolean(body, 'is_cellphone'),
        isPorted: readBoolean(body, 'is_ported'),
        secondsToExpire: readOptionalNumber(body, 'seconds_to_expire'),
        raw: body,
      };
    },

    async checkVerification(phone, verificationCode, options = {}) {
      return readApiMessage(
        await requestJson(transport, {
          method: 'GET',
          path: `${P}/verification/check`,
          query: { ...numberOf(phone), verification_code: verificationCode },
          signal: options.signal,
        }),
      );
    },

    async verificationStatus(phone, options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${P}/verification/status`,
        query: numberOf(phone),
        signal: options.signal,
      });
      return {
        status: readString(body, 'status'),
        secondsToExpire: readOptionalNumber(body, 'seconds_to_expire'),
        message: readString(body, 'message'),
        raw: body,
      };
    },

    async info(phone, options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${P}/info`,
        query: { ...numberOf(phone), user_ip: options.userIp },
        signal: options.signal,
      });
      return {
        type: readString(body, 'type'),
        provider: readString(body, 'provider'),
        ported: readBoolean(body, 'ported'),
        message: readString(body, 'message'),
        raw: body,
      };
    },
  };
}
