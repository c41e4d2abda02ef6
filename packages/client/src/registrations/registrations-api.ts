import { requestJson } from '../http/request-json.js';
import type { RequestOptions } from '../http/request-options.js';
import type { Transport } from '../http/transport.js';
import { type JsonObject, readOptionalString } from '../http/wire.js';

/** The status of an Authy SDK registration. */
export interface RegistrationStatus {
  readonly status: string | undefined;
  readonly message: string | undefined;
  readonly raw: JsonObject;
}

/** Authy SDK registrations (spec 4.17). Countersign has none: every lookup is `60035` (404). */
export interface RegistrationsApi {
  /** `GET /protected/json/registrations/status?custom_user_id=…`. */
  status(customUserId: string, options?: RequestOptions): Promise<RegistrationStatus>;
}

/** The registrations API over `transport`. */
export function registrationsApi(transport: Transport): RegistrationsApi {
  return {
    async status(customUserId, options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: '/protected/json/registrations/status',
        query: { custom_user_id: customUserId },
        signal: options.signal,
      });
      return {
        status: readOptionalString(body, 'status'),
        message: readOptionalString(body, 'message'),
        raw: body,
      };
    },
  };
}
