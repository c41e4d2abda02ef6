const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

/** An email as `users/new` accepts it, trimmed; `undefined` when it is not one. */
export function readEmail(text: string): string | undefined {
  const email = text.trim();
  return email.length > 254 || !EMAIL.test(email) ? undefined : email;
}
