import { Type } from 'typebox';

/** Printable text: no control characters, which could reach logs, headers or SMS bodies (R63). */
export const Text = (maxLength: number, minLength = 0) =>
  Type.String({ maxLength, minLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

/** `user_ip`, which the clients send for Authy's risk engine. Recorded where useful, never trusted. */
export const UserIp = Type.Optional(Type.String({ maxLength: 45, pattern: '^[0-9A-Fa-f:.]*$' }));

export const UserIdParams = Type.Object({ id: Type.String({ description: 'The Authy id of the user' }) });
