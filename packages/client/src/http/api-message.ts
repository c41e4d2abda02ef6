import { type JsonObject, readString } from './wire.js';

/** The answer of a call that only confirms, e.g. `{"message":"Activity was created.","success":true}`. */
export interface ApiMessage {
  readonly message: string;
  /** The whole body as the service sent it. */
  readonly raw: JsonObject;
}

/** Reads an answer that only confirms. */
export function readApiMessage(body: JsonObject): ApiMessage {
  return { message: readString(body, 'message'), raw: body };
}
