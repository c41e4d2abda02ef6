import type { JsonObject } from '../http/wire.js';

/** `app.details` (spec 4.9). Countersign adds `profile` and `number_matching` in `raw.app`. */
export interface AppDetails {
  readonly appId: number;
  readonly name: string;
  /** `'self_hosted'` on Countersign. */
  readonly plan: string;
  readonly smsEnabled: boolean;
  readonly phoneCallsEnabled: boolean | undefined;
  readonly onetouchEnabled: boolean | undefined;
  readonly message: string;
  readonly raw: JsonObject;
}

/** One month of `app.stats`. */
export interface MonthlyStats {
  /** The English month name, e.g. `'August'`. */
  readonly month: string;
  readonly year: number;
  readonly apiCallsCount: number;
  readonly authsCount: number;
  readonly callsCount: number;
  readonly smsCount: number;
  readonly usersCount: number;
}

/** `app.stats` (spec 4.10). */
export interface AppStats {
  readonly appId: number;
  /** How many months `stats` holds. */
  readonly count: number;
  readonly totalUsers: number;
  readonly stats: readonly MonthlyStats[];
  readonly message: string;
  readonly raw: JsonObject;
}
