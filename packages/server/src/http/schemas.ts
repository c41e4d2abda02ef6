import { Type } from 'typebox';

/** Printable text: no control characters, which could reach logs, headers or SMS bodies (R63). */
export const Text = (maxLength: number, minLength = 0) =>
  Type.String({ maxLength, minLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

/** The format of text a person is shown (D11); `compileInput` checks it with `displayTextProblem`. */
export const DISPLAY_TEXT = 'display-text';

/**
 * Text a device or a person is shown (a request's message and details, a device or app name, an SMS):
 * no bidirectional controls, invisible or control characters, unpaired surrogates, and in Unicode NFC
 * (D11, `displayTextProblem` of `@countersign/protocol`). Printable, so R63 holds too.
 */
export const DisplayText = (maxLength: number, minLength = 0) =>
  Type.String({ maxLength, minLength, format: DISPLAY_TEXT });

/**
 * A map of what a person is shown (`details`, `hidden_details`, an activity's `data`): keys and string
 * values are display text; values may also be numbers and booleans, shown as text.
 */
export const DisplayFields = (limits: { entries: number; keyLength: number; valueLength: number }) =>
  Type.Record(Type.String(), Type.Union([DisplayText(limits.valueLength), Type.Number(), Type.Boolean()]), {
    maxProperties: limits.entries,
    propertyNames: { minLength: 1, maxLength: limits.keyLength, format: DISPLAY_TEXT },
  });

/** `user_ip`, which the clients send for Authy's risk engine. Recorded where useful, never trusted. */
export const UserIp = Type.Optional(Type.String({ maxLength: 45, pattern: '^[0-9A-Fa-f:.]*$' }));

export const UserIdParams = Type.Object({ id: Type.String({ description: 'The Authy id of the user' }) });
