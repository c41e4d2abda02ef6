import { CountersignError } from '../countersign-error.js';
import { requestJson } from '../http/request-json.js';
import type { UserIpOptions } from '../http/request-options.js';
import type { Transport } from '../http/transport.js';
import {
  isJsonObject,
  readBoolean,
  readNumber,
  readObject,
  readOptionalBoolean,
  readString,
} from '../http/wire.js';
import type { AppDetails, AppStats, MonthlyStats } from './app-types.js';

/** The calling app, read-only (spec 4.9, 4.10); apps are managed with `countersign apps …`. */
export interface AppApi {
  /** `GET /protected/json/app/details`. */
  details(options?: UserIpOptions): Promise<AppDetails>;
  /** `GET /protected/json/app/stats`: the last twelve months. */
  stats(options?: UserIpOptions): Promise<AppStats>;
}

const P = '/protected/json/app';

function readMonth(item: unknown): MonthlyStats {
  if (!isJsonObject(item))
    throw new CountersignError('unexpected_response', 'a stats entry is not an object');
  return {
    month: readString(item, 'month'),
    year: readNumber(item, 'year'),
    apiCallsCount: readNumber(item, 'api_calls_count'),
    authsCount: readNumber(item, 'auths_count'),
    callsCount: readNumber(item, 'calls_count'),
    smsCount: readNumber(item, 'sms_count'),
    usersCount: readNumber(item, 'users_count'),
  };
}

/** The app API over `transport`. */
export function appApi(transport: Transport): AppApi {
  return {
    async details(options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${P}/details`,
        query: { user_ip: options.userIp },
        signal: options.signal,
      });
      const app = readObject(body, 'app');
      return {
        appId: readNumber(app, 'app_id'),
        name: readString(app, 'name'),
        plan: readString(app, 'plan'),
        smsEnabled: readBoolean(app, 'sms_enabled'),
        phoneCallsEnabled: readOptionalBoolean(app, 'phone_calls_enabled'),
        onetouchEnabled: readOptionalBoolean(app, 'onetouch_enabled'),
        message: readString(body, 'message'),
        raw: body,
      };
    },

    async stats(options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${P}/stats`,
        query: { user_ip: options.userIp },
        signal: options.signal,
      });
      const stats = body.stats;
      if (!Array.isArray(stats)) throw new CountersignError('unexpected_response', 'stats is not a list');
      return {
        appId: readNumber(body, 'app_id'),
        count: readNumber(body, 'count'),
        totalUsers: readNumber(body, 'total_users'),
        stats: stats.map(readMonth),
        message: readString(body, 'message'),
        raw: body,
      };
    },
  };
}
