import { CountersignError } from '../countersign-error.js';
import { requestJson } from '../http/request-json.js';
import type { AuthyId } from '../http/request-options.js';
import { pathSegment, type Transport } from '../http/transport.js';
import { type JsonObject, readOptionalString, readString } from '../http/wire.js';
import type { SendTokenOptions, SentToken, VerifiedToken, VerifyTokenOptions } from './token-types.js';

/** Codes: TOTP, SMS and voice (spec 4.6–4.8). */
export interface TokensApi {
  /** `GET /protected/json/verify/{token}/{id}`: resolves only when the code is accepted. */
  verify(authyId: AuthyId, token: string, options?: VerifyTokenOptions): Promise<VerifiedToken>;
  /** `GET /protected/json/sms/{id}`: sends a code by SMS. */
  requestSms(authyId: AuthyId, options?: SendTokenOptions): Promise<SentToken>;
  /** `GET /protected/json/call/{id}`: sends a code by voice call. */
  requestCall(authyId: AuthyId, options?: SendTokenOptions): Promise<SentToken>;
}

const P = '/protected/json';

function readSentToken(body: JsonObject): SentToken {
  return {
    message: readString(body, 'message'),
    cellphone: readString(body, 'cellphone'),
    // authy-python counts any `ignored` key as ignored; so does this, unless it is plainly false.
    ignored: body.ignored !== undefined && body.ignored !== false,
    device: readOptionalString(body, 'device'),
    raw: body,
  };
}

/** The tokens API over `transport`. */
export function tokensApi(transport: Transport): TokensApi {
  const send = async (channel: 'sms' | 'call', authyId: AuthyId, options: SendTokenOptions = {}) =>
    readSentToken(
      await requestJson(transport, {
        method: 'GET',
        path: `${P}/${channel}/${pathSegment(authyId, 'authyId')}`,
        query: {
          force: options.force === true ? true : undefined,
          action: options.action,
          action_message: options.actionMessage,
          locale: options.locale,
        },
        signal: options.signal,
      }),
    );
  return {
    async verify(authyId, token, options = {}) {
      const body = await requestJson(transport, {
        method: 'GET',
        path: `${P}/verify/${pathSegment(token, 'token')}/${pathSegment(authyId, 'authyId')}`,
        query: { force: options.force ?? true, action: options.action },
        signal: options.signal,
      });
      // Every Authy client checks this too: a 200 without it is not an accepted code.
      if (body.token !== 'is valid') {
        throw new CountersignError('unexpected_response', 'the service did not say the token is valid', {
          status: 200,
          body,
        });
      }
      return { message: readString(body, 'message'), raw: body };
    },
    requestSms: (authyId, options) => send('sms', authyId, options),
    requestCall: (authyId, options) => send('call', authyId, options),
  };
}
