import type { ApiMessage } from '../http/api-message.js';
import type { RequestOptions } from '../http/request-options.js';
import type { JsonObject } from '../http/wire.js';

/** Options of `tokens.verify`. */
export interface VerifyTokenOptions extends RequestOptions {
  /** The action an SMS or voice code was sent for (`requestSms({ action })`). */
  readonly action?: string | undefined;
  /**
   * Sent as `force=true` unless `false`. Without it Authy accepted any code from a user who had never used a
   * valid one; Countersign always checks.
   */
  readonly force?: boolean | undefined;
}

/** A code that was accepted (`message`: `'Token is valid.'`). A rejected one throws `60020` (401), a reused one `60019`. */
export type VerifiedToken = ApiMessage;

/** Options of `tokens.requestSms` and `tokens.requestCall` (spec 4.6). */
export interface SendTokenOptions extends RequestOptions {
  /** Send even when the user has an authenticator (otherwise the answer is `ignored: true`). */
  readonly force?: boolean | undefined;
  /** Binds the code to an action; pass the same action to `tokens.verify`. */
  readonly action?: string | undefined;
  /** The text of the action, shown in the message. */
  readonly actionMessage?: string | undefined;
  readonly locale?: string | undefined;
}

/** The answer to a request for an SMS or voice code. */
export interface SentToken {
  readonly message: string;
  /** The masked number, e.g. `'+1-XXX-XXX-XX12'`. */
  readonly cellphone: string;
  /** Nothing was sent: the user has an authenticator and `force` was not set. */
  readonly ignored: boolean;
  /** The kind of device that makes the code unnecessary, when ignored. */
  readonly device: string | undefined;
  readonly raw: JsonObject;
}
