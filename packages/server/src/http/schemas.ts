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

/**
 * What the service checks itself, after validation, so that its answer names every bad field at once
 * (60027) or carries the route's own code (60033): the input validator leaves these keys alone, and the
 * OpenAPI document shows them as the `pattern` and `format` they are (`reference/openapi-document.ts`).
 */
export const SERVICE_CHECKED = { pattern: 'x-service-pattern', format: 'x-service-format' } as const;

/** An email address, checked by the service (`users/user.service.ts`). */
export const Email = Type.String({ maxLength: 254, [SERVICE_CHECKED.format]: 'email' });

/**
 * A phone number as a person types it: digits with spaces, dashes, dots or brackets, and an optional `+`.
 * The service then reads it for the calling code with libphonenumber (`users/phone-number.ts`).
 */
export const PhoneNumberText = Type.String({
  maxLength: 40,
  [SERVICE_CHECKED.pattern]: '^\\+?[0-9 ().-]+$',
  examples: ['509-555-1212', '(201) 555.0123'],
});

/** A calling code (`1`, `44`, `351`), also as a number; checked by the service against the assigned ones. */
export const CountryCode = Type.String({
  maxLength: 8,
  [SERVICE_CHECKED.pattern]: '^\\+?[0-9]{1,3}$',
  examples: ['1'],
});
